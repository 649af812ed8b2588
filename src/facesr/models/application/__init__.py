"""Applications of face SR (survey §4.8): networks for face video (``videofsr``, §4.8.1) and the other
applications of the survey's §4.8, each in its own module; their zoo entries are in
:mod:`facesr.models.zoo_application`."""
