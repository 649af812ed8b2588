"""The generative-prior leaf of the general family (survey §4.1.2, "Generative prior-based methods").

* :mod:`.layers` - StyleGAN2's building blocks: equalised-learning-rate convolutions and linear layers,
  FIR (``[1, 3, 3, 1]``) up/down-sampling, modulated/demodulated convolutions, noise inputs.
* :mod:`.stylegan2` - the face prior: a StyleGAN2 generator (mapping network, synthesis network with skip
  toRGB outputs) and its residual discriminator with the minibatch standard deviation; zoo entry
  ``stylegan2``, trained by the recipe ``stylegan``.
* :mod:`.pulse` - PULSE (Eq. 14): a latent search over any trained prior so that the downscaled
  face matches the LR face.
* :mod:`.gpen` - GPEN: an encoder whose code and features feed the prior's latent and noise inputs.
* :mod:`.gfpgan` - GFP-GAN: a degradation-removal U-Net steering the prior by channel-split SFT, and the
  facial-component discriminators.
* :mod:`.prior` - reading a trained prior back (for PULSE, GPEN, GFP-GAN).

The survey's pretrained StyleGAN (FFHQ, 1024 px) cannot be obtained offline: every prior here is one this
project trains on CelebA faces.
"""
