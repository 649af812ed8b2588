"""What a horizontal-flip self-ensemble adds to a bundled model: PSNR/SSIM of the plain output and of
the mean of the outputs for the face and its mirror image, under a named protocol.

    python scripts/flip_ensemble.py --dataset celeba1000 --scales 8,4 [--model rcan-lite] [--threads 2]

Each face costs two network passes, so the ensemble halves the speed; this script only measures the
quality side (facesr does not use the ensemble in bench or enhance).
"""

from __future__ import annotations

import argparse

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default="celeba1000", help="celeba1000, helen50 or a folder of HR faces")
    p.add_argument("--scales", default="8,4")
    p.add_argument("--model", default="rcan-lite", help="a bundled model")
    p.add_argument("--protocol", default="facesr")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    import torch

    from facesr.benchmark.datasets import resolve_dataset
    from facesr.benchmark.methods import build_network, parse_method
    from facesr.evaluation import evaluate_arrays
    from facesr.evaluation.runner import load_folder_pairs
    from facesr.io import tensor_to_uint8, uint8_to_tensor
    from facesr.metrics.protocols import get_protocol
    from facesr.models import super_resolve
    from facesr.models.base import for_inference

    torch.set_num_threads(args.threads)
    proto = get_protocol(args.protocol)
    label, folder = resolve_dataset(args.dataset)
    names, _, hr_list, paths = load_folder_pairs(None, folder, progress=False)
    hr = np.stack(hr_list)
    spec = parse_method(args.model)
    print(f"{label}: {len(names)} faces, {args.model}, protocol {proto.name}")
    print("scale  output         PSNR    SSIM")
    for scale in (int(s) for s in args.scales.split(",")):
        lr = proto.make_lr(hr, scale)
        model = for_inference(build_network(spec, scale), "cpu")
        outs: dict[str, list[np.ndarray]] = {"plain": [], "flip-ensemble": []}
        with torch.inference_mode():
            for i in range(0, len(lr), args.batch_size):
                x = uint8_to_tensor(lr[i : i + args.batch_size])
                y = super_resolve(model, x, kernel=proto.up_kernel)
                mirrored = super_resolve(model, x.flip(-1), kernel=proto.up_kernel).flip(-1)
                outs["plain"].append(tensor_to_uint8(y.clamp(0, 1)))
                outs["flip-ensemble"].append(tensor_to_uint8(((y + mirrored) / 2).clamp(0, 1)))
        for name, parts in outs.items():
            r = evaluate_arrays(list(np.concatenate(parts)), hr_list, names, scale=scale, protocol=proto,
                                metrics=["psnr", "ssim"], device="cpu", method=name, paths=paths)
            print(f"x{scale:<4}  {name:<13}  {r.metrics['psnr']:.3f}  {r.metrics['ssim']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
