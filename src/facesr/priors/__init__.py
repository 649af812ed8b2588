"""Facial priors of the survey's §3: landmark heatmaps, parsing maps, attributes, identity."""
