"""A reader for the parts of dlib's binary serialisation that its DNN model files use.

dlib writes integers as a control byte (low nibble: number of bytes; bit 0x80: negative) followed
by the magnitude's bytes, little-endian; floats as an integer mantissa and exponent
(``m * 2**e``); strings as a length then bytes; tensors as ``version, n, k, nr, nc`` then raw
little-endian float32 values. Layers appear from the input upwards, each introduced by its name
(``con_4``, ``affine_``, ``fc_2``, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError


class DlibReader:
    """Sequential reader over the bytes of a dlib ``.dat`` file."""

    def __init__(self, data: bytes, path: str = "<bytes>") -> None:
        self.data, self.pos, self.path = data, 0, path

    def fail(self, what: str) -> InputError:
        return InputError(f"{self.path}: not a dlib network file this reader understands ({what} at byte {self.pos})")

    def int(self) -> int:
        if self.pos >= len(self.data):
            raise self.fail("unexpected end of file")
        ctrl = self.data[self.pos]
        size = ctrl & 0x0F
        if size > 8:
            raise self.fail(f"bad integer control byte {ctrl:#x}")
        raw = self.data[self.pos + 1 : self.pos + 1 + size]
        self.pos += 1 + size
        value = int.from_bytes(raw, "little")
        return -value if ctrl & 0x80 else value

    def float(self) -> float:
        mantissa = self.int()
        exponent = self.int()
        return float(mantissa) * 2.0**exponent

    def tensor(self) -> np.ndarray:
        version = self.int()
        if version != 2:
            raise self.fail(f"tensor version {version}")
        n, k, nr, nc = (self.int() for _ in range(4))
        count = n * k * nr * nc
        end = self.pos + 4 * count
        if count < 0 or end > len(self.data):
            raise self.fail("tensor runs past the end of the file")
        arr = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos).reshape(n, k, nr, nc)
        self.pos = end
        return arr.astype(np.float32)


@dataclass
class DlibLayer:
    kind: str
    params: np.ndarray | None = None
    fields: dict = field(default_factory=dict)


_NAME = re.compile(rb"\x01[\x03-\x20](con_\d|affine_|fc_\d|input_rgb_image_sized)")


def read_layers(path: str | Path) -> list[DlibLayer]:
    """The parameterised layers of a dlib DNN file (plus its input layer), input first."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read dlib model ({exc.strerror})") from None
    layers: list[DlibLayer] = []
    for m in _NAME.finditer(data):
        r = DlibReader(data, str(p))
        r.pos = m.end()
        kind = m.group(1).decode()
        if kind == "input_rgb_image_sized":
            layers.append(DlibLayer(kind, fields={"mean": (r.float(), r.float(), r.float()),
                                                  "size": (r.int(), r.int())}))
        elif kind.startswith("con_"):
            params = r.tensor()
            keys = ("filters", "nr", "nc", "stride_y", "stride_x", "padding_y", "padding_x")
            layers.append(DlibLayer("con", params.reshape(-1), dict(zip(keys, (r.int() for _ in keys)))))
        elif kind == "affine_":
            layers.append(DlibLayer("affine", r.tensor().reshape(-1)))
        else:  # fc_: num_outputs, num_inputs, then params (num_inputs [+1 bias row]) x num_outputs
            outputs, inputs = r.int(), r.int()
            params = r.tensor()
            layers.append(DlibLayer("fc", params.reshape(params.shape[0], params.shape[1]),
                                    {"outputs": outputs, "inputs": inputs}))
    if not layers or layers[0].kind != "input_rgb_image_sized":
        raise InputError(f"{p}: no dlib input layer found; not a dlib DNN model file")
    return layers
