"""``facesr degrade``: make LR images from HR images (survey Eq. 4/5) with a replayable record."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "degrade",
        help="make LR images from HR images (bicubic or blind degradation)",
        description="Degrades IN (a file or a folder) into OUT, keeping names (stem + .png unless "
        "--format keep), and writes OUT/degradation.json (OUT.json for a single file) with the exact "
        "parameters of every image, so the LR set can be regenerated bit for bit (--replay).",
    )
    p.add_argument("input", metavar="IN", help="HR image or folder")
    p.add_argument("output", metavar="OUT", help="output folder (or file when IN is a file)")
    p.add_argument("--scale", help="downscaling factor; required for bicubic, fixes s for blind")
    p.add_argument("--preset", default="bicubic",
                   help="bicubic (Eq. 4), blind (Eq. 5, Table 8 ranges), realworld (second-order chain: blur, "
                        "resize, noise, JPEG twice; film grain) or oldphoto (grey/sepia, fading, grain, then "
                        "realworld)")
    p.add_argument("--seed", type=int, default=0, help="run seed; each image's seed derives from it and its name")
    p.add_argument("--kernel", default="matlab", help="resize kernel: matlab, pil, cv2, bilinear")
    p.add_argument("--back", action="store_true", help="upsample the LR back to the HR size")
    p.add_argument("--format", default="png", choices=["png", "keep"],
                   help="png (lossless, default) or keep the input suffix")
    p.add_argument("--replay", metavar="JSON", help="regenerate the LR set recorded in this sidecar")
    p.add_argument("--recursive", action="store_true", help="walk sub-folders of IN")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..degradation import build_degradation, image_seed
    from ..errors import FacesrError, InputError
    from ..io import IMAGE_SUFFIXES, list_images, read_image, write_image
    from ..io.safety import writable_file, writable_folder, writing
    from ._common import Failures, parse_scale, write_json

    src = Path(args.input)
    dst = Path(args.output)
    if not src.exists():
        raise InputError(f"{src}: no such file or folder")
    single = src.is_file()
    if single:
        if src.suffix.lower() not in IMAGE_SUFFIXES:
            raise InputError(f"{src}: not an image file ({', '.join(IMAGE_SUFFIXES)})")
        files, root = [src], src.parent
    else:
        files, root = list_images(src, recursive=args.recursive), src
    replay: dict | None = None
    if args.replay:
        replay = _read_replay(Path(args.replay))
        records = replay["images"]
        deg = build_degradation("bicubic", 1)  # only replay() is used
        preset, scale, seed = replay.get("preset"), replay.get("scale"), replay.get("seed")
    else:
        from ..ops.resize import KERNELS

        if args.seed < 0:
            raise InputError(f"--seed must be 0 or more, got {args.seed}")
        if args.kernel not in KERNELS:
            raise InputError(f"--kernel must be one of {', '.join(KERNELS)}, got {args.kernel!r}")
        scale = parse_scale(args.scale) if args.scale is not None else None
        deg = build_degradation(args.preset, scale, kernel=args.kernel, back=args.back)
        preset, seed = args.preset, args.seed

    def out_path(f: Path) -> Path:
        if single:
            return dst
        rel = f.relative_to(root)
        return dst / (rel if args.format == "keep" else rel.with_suffix(".png"))

    if single and dst.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{dst}: output file needs an image suffix when IN is a file")
    _check_output(src, dst, single)
    if single:
        writable_file(dst)
    else:
        writable_folder(dst)
    images: dict[str, dict] = {}
    failures = Failures()
    iterator = files
    if not args.quiet:
        from tqdm import tqdm

        iterator = tqdm(files, desc="degrading", unit="img")
    for f in iterator:
        key = f.relative_to(root).as_posix()
        target = out_path(f)
        try:
            if target.exists() and not args.overwrite:
                raise InputError(f"{target}: output exists (use --overwrite)")
            hr = read_image(f)
            if replay is not None:
                if key not in records:
                    raise InputError(f"{f}: not recorded in {args.replay}")
                rec = records[key]
                try:
                    lr = deg.replay(hr, rec)
                except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
                    raise InputError(f"{f}: its record in {args.replay} is not valid "
                                     f"({type(exc).__name__}: {exc})") from None
            else:
                s = image_seed(seed, key)
                lr, rec = deg(hr, s)
                rec = {"seed": s, **rec}
            with writing(target):
                write_image(target, lr)
            rec = dict(rec, output=str(target.relative_to(dst.parent if single else dst)), lr_size=list(lr.shape[:2]))
            images[key] = rec
        except FacesrError as exc:
            failures.add(f, exc, target)
    sidecar = dst.with_suffix(".json") if single else dst / "degradation.json"
    if images and replay is None:
        with writing(sidecar, "sidecar"):
            write_json(sidecar, {"preset": preset, "scale": scale, "seed": seed, "kernel": args.kernel,
                                 "back": args.back, "degradation": deg.specs, "images": images})
    print(f"wrote {len(images)} LR image(s) to {dst}" + (f" and {sidecar}" if images and replay is None else ""))
    return failures.report(len(files))


def _check_output(src, dst, single: bool) -> None:
    """Refuse an output that is an input (or, for folders, holds or lies inside the input folder): with
    --overwrite it would replace the user's images."""
    from ..errors import InputError
    from ..io.safety import inside, overlaps

    if single and inside(dst, src):
        raise InputError(f"{dst}: the output is the input image; choose another output file")
    if not single and overlaps(dst, src):
        raise InputError(f"{dst}: the output folder overlaps the input folder {src}; choose a folder outside it")


def _read_replay(path) -> dict:
    """A ``degradation.json`` checked for the shape :func:`run` writes: ``images`` maps names to records
    whose ``steps`` are objects with a ``type``; a resize step has a finite scale of at least 0.5 (a crafted
    record could otherwise ask for an enormous image)."""
    import json

    from ..errors import InputError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: sidecar not found") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a facesr degradation sidecar ({exc})") from None
    images = data.get("images") if isinstance(data, dict) else None
    if not isinstance(images, dict):
        raise InputError(f"{path}: not a facesr degradation sidecar (no 'images' object)")
    from ..degradation.pipeline import check_record

    for key, rec in images.items():
        check_record(rec, f"{path}: the record of {key[:100]!r}")
    return data
