"""General face SR methods of the survey's taxonomy (no facial prior): the general image-SR
baselines SRCNN, VDSR, RCAN, NLSN and the general FSR networks URDGN, WaSRNet, SPARNet."""
