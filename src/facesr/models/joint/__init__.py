"""Joint-task FSR networks (survey §4.7): completion, deblurring, illumination, alignment, frontalization."""
