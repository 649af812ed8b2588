"""SICNN's hallucination network CNN-H (Zhang et al., ECCV'18, "Super-Identity Convolutional Neural
Network for Face Hallucination").

Layout (``thu-scc/ASC19-FaceSR-SICNN @ b200efef: model.py`` with the third stage enabled for x8;
methods.md §6.1), PReLU after every conv, data in [-1,1] inside, raw LR in:

* dense block: conv 3x3 (c_in -> 64), then 6 convs 3x3 of growth 32, each on the concatenation of
  everything before it -> 64 + 6 * 32 = 256 channels out;
* per x2 stage: dense block -> ConvT s2 (256 -> 256), kernels 3, 5, 3 at x8 (x4: 3, 5;
  x16: 3, 5, 3, 3, ours);
* output: conv 3x3 (256 -> 64) = a, conv 3x3 (64 -> 32) = b, conv 3x3 ([a, b] 96 -> 32) = c,
  conv 5x5 ([a, b, c] 128 -> 3) -> tanh.

The super-identity loss (L2 distance of L2-normalised recognition features of SR and HR) is the
loss ``identity`` with ``variant: normalized`` on :mod:`facesr.nets.identity` (dlib's ResNet in
place of the paper's SphereFace CNN-R, which cannot be obtained offline); see the configs.

The part ``recognizer`` (:class:`SICNNRecognizer`) is CNN-R as a network that the run trains: the
paper's domain-integrated training (recipe ``sicnn``, ``configs/sicnn_dit_x8.yaml``) fine-tunes it with
A-Softmax on identity labels of HR and SR faces, alternately with CNN-H.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet

#: ConvT kernel of each x2 stage, per scale.
KERNELS: dict[int, tuple[int, ...]] = {2: (3,), 4: (3, 5), 8: (3, 5, 3), 16: (3, 5, 3, 3)}


class DenseBlock(nn.Module):
    """conv (c_in -> first) + ``layers`` densely connected convs of ``growth``; PReLU after each."""

    def __init__(self, cin: int, first: int = 64, growth: int = 32, layers: int = 6) -> None:
        super().__init__()
        self.first = nn.Sequential(nn.Conv2d(cin, first, 3, padding=1), nn.PReLU())
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Conv2d(first + i * growth, growth, 3, padding=1), nn.PReLU()) for i in range(layers)
        )
        self.out_channels = first + layers * growth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [self.first(x)]
        for layer in self.layers:
            feats.append(layer(torch.cat(feats, dim=1)))
        return torch.cat(feats, dim=1)


class SICNN(SRNet):
    """SICNN's CNN-H: raw LR [0,1] RGB ``N x 3 x h x w`` -> ``N x 3 x sh x sw``."""

    upsamples = True

    def __init__(self, scale: int = 8, first: int = 64, growth: int = 32, layers: int = 6) -> None:
        super().__init__(scale)
        if scale not in KERNELS:
            raise ConfigError(f"SICNN supports scales {', '.join(f'x{s}' for s in KERNELS)}, not x{scale}")
        stages: list[nn.Module] = []
        cin = 3
        for k in KERNELS[scale]:
            block = DenseBlock(cin, first, growth, layers)
            c = block.out_channels
            stages += [block, nn.ConvTranspose2d(c, c, k, 2, padding=k // 2, output_padding=1), nn.PReLU()]
            cin = c
        self.body = nn.Sequential(*stages)
        self.out_a = nn.Sequential(nn.Conv2d(cin, 64, 3, padding=1), nn.PReLU())
        self.out_b = nn.Sequential(nn.Conv2d(64, 32, 3, padding=1), nn.PReLU())
        self.out_c = nn.Sequential(nn.Conv2d(96, 32, 3, padding=1), nn.PReLU())
        self.out_d = nn.Conv2d(128, 3, 5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        f = self.body(x * 2.0 - 1.0)
        a = self.out_a(f)
        b = self.out_b(a)
        c = self.out_c(torch.cat([a, b], dim=1))
        y = self.out_d(torch.cat([a, b, c], dim=1))
        return (torch.tanh(y) + 1.0) / 2.0


class SICNNRecognizer(nn.Module):
    """SICNN's CNN-R for domain-integrated training: ``[0,1]`` RGB faces ``N x 3 x H x W`` -> ``N x 128``
    embeddings, dlib's ResNet face-recognition network (:mod:`facesr.nets.identity`; resized to 150 px inside)
    in place of the paper's SphereFace CNN-R. ``pretrained``: start from dlib's weights (the paper fine-tunes a
    pretrained CNN-R). ``forward(x, identity=None)``: ``identity`` (the data prior's labels) is taken so that
    the data check asks for it; the A-Softmax loss that trains this network reads it.
    """

    training_inputs: tuple[str, ...] = ("identity",)

    def __init__(self, pretrained: bool = True) -> None:
        super().__init__()
        from ...nets.identity import DlibFaceResNet, dlib_face_resnet

        self.net = DlibFaceResNet()
        if pretrained and self.net.fc.weight.device.type != "meta":  # meta: built only to count parameters
            self.net.load_state_dict(dlib_face_resnet().state_dict())

    def forward(self, x: torch.Tensor, identity: torch.Tensor | None = None) -> torch.Tensor:  # noqa: ARG002
        return self.net(x)
