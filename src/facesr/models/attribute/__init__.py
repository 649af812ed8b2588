"""Attribute-constrained FSR networks (survey §4.3): FSRSA and AACNN."""
