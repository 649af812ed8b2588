"""Identity-preserving FSR networks (survey §4.4): SICNN, SiGAN and the WaSRGAN discriminator."""
