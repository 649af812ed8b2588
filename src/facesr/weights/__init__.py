"""Pretrained weights shipped inside the package (``*.safetensors``) and their model cards (``*.md``).

See :mod:`facesr.models.bundled` for the catalogue and loaders.
"""
