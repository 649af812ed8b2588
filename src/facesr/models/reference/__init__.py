"""Reference FSR (survey §4.5, Table 6 and Table 8): networks that restore a face with the help of
high-quality faces beside the degraded one.

========  ===================  =============  ================  ===================  ============
method    subfamily            same identity  alignment         use of references    module
========  ===================  =============  ================  ===================  ============
GFRNet    single-face guided   yes            landmarks (loss)  concatenation        ``gfrnet``
GWAInet   single-face guided   yes            flow field        guide features       ``gwainet``
ASFFNet   multi-face guided    yes            moving LS         ASFF blocks          ``asffnet``
MEFSR     multi-face guided    yes            -                 pixel-wise average   ``mefsr``
JSRFC     dictionary-guided    no             landmarks         concatenation        ``jsrfc``
DFDNet    dictionary-guided    no             -                 dictionary transfer  ``dfdnet``
========  ===================  =============  ================  ===================  ============

Shared pieces: :mod:`.common` (reference inputs, landmark estimation, the family's discriminator),
:mod:`.geometry` (flow warping, MLS and WLS alignment), :mod:`.layers` (AdaIN, ASFF blocks,
dilation blocks), :mod:`.components` (component boxes, crop and paste). Every network is built at
this project's 128 px faces; the survey's Table 8 used 256 px.
"""
