"""Auxiliary networks used by losses (not super-resolution models): the dlib face-recognition
ResNet ported to torch (:mod:`facesr.nets.identity`)."""
