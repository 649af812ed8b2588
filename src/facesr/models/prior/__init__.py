"""Prior-guided FSR networks (survey §4.2): FSRNet/FSRGAN (in-prior), Super-FAN (post-prior), DIC/DICGAN
(in-prior), and the stacked-hourglass landmark networks they share (:mod:`.hourglass`)."""
