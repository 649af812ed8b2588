"""``facesr enhance``: super-resolve face crops or every face in photos (files or folders)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "enhance",
        help="super-resolve a face crop, or every face in a photo (detect, align, restore, paste back)",
        description="IN is an image or a folder (walked recursively). Photos get every face restored and "
        "pasted back over a bicubic-upscaled background; small images without a detectable face are "
        "treated as aligned crops. Outputs are PNG (or OUT's suffix for a single file). A video gets its faces "
        "tracked across frames and restored (with temporal fusion for a multi-frame model, videofsr:CHECKPOINT), "
        "written as mp4 with the same frames, frame rate and audio.",
    )
    p.add_argument("input", metavar="IN", help="image file or folder, or a video (.mp4, .mov, .mkv, .avi, .webm)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file or folder (.mp4 for a video)")
    p.add_argument("--scale", type=int, default=4,
                   help="upscaling factor of the whole image, 1..16 (1 = restore only; default 4)")
    p.add_argument("--model", default=None,
                   help="bfr-lite (bundled blind restorer for real damage, any face size and scale; default), "
                        "rcan-lite (bundled clean-bicubic specialist, x4/x8/x16), bicubic, or NAME:CHECKPOINT of "
                        "a trained zoo network; with --reference: ref-lite (bundled reference model, default) or "
                        "NAME:WEIGHTS of a reference network (gfrnet, gwainet, asffnet, mefsr, jsrfc)")
    p.add_argument("--reference", metavar="DIR", default=None,
                   help="folder of clear photos of the same person: each face is restored with the references "
                        "that match it best (identity, then pose); the JSON report names them per face. With "
                        "ref-lite (default), any --scale: faces at most 16 px wide (its input size) get ref-lite, "
                        "larger ones bfr-lite")
    p.add_argument("--fidelity", type=float, default=None,
                   help="0..1 for full-size restorers (bfr-lite, also the larger faces of --reference with "
                        "ref-lite): 1 = closest to the input's identity and pixels, 0 = most detail (default 0.75)")
    p.add_argument("--background", choices=("bicubic", "restore"), default="bicubic",
                   help="the photo around the faces: bicubic upscaling (default) or restored by the full-size "
                        "restorer (bfr-lite) in overlapping 128-px tiles (denoise, deblock; slower)")
    p.add_argument("--flip-ensemble", action="store_true",
                   help="run the network twice, on each face and on its mirror image, and average (twice the "
                        "cost; bfr-lite: +0.04..0.12 dB PSNR, slightly softer; not with --reference)")
    p.add_argument("--max-megapixels", type=float, default=None,
                   help="refuse outputs larger than this (default 200 MP), before any work")
    p.add_argument("--json", metavar="F", help="also write a JSON report: model, degradation it was trained for, "
                                               "fidelity, and per image the faces found and restored")
    p.add_argument("--model-scale", type=int, default=None,
                   help="scale a NAME:CHECKPOINT was trained for, when its file does not say")
    p.add_argument("--detector", default="dlib-hog", help="face backend: dlib-hog, dlib-cnn, dlib-hog-cnn, mediapipe")
    p.add_argument("--aligned", action="store_true", help="inputs are aligned face crops (no detection)")
    p.add_argument("--compare", action="store_true", help="also write <name>_compare.png (bicubic | enhanced)")
    p.add_argument("--faces-dir", metavar="D", help="also write every restored aligned face here")
    p.add_argument("--contact-sheet", metavar="F",
                   help="also write one PNG of bicubic | enhanced pairs of every image (zoomed on the first face)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _restorer(args):
    from ..errors import InputError
    from ..pipeline.enhance import build_restorer
    from ..pipeline.reference import check_single_image_model, reference_restorer

    if args.reference is not None:
        if args.flip_ensemble:
            raise InputError("--flip-ensemble is for single-image models, not with --reference")
        return reference_restorer(args.model, args.reference, scale=args.scale, detector=args.detector,
                                  model_scale=args.model_scale, fidelity=args.fidelity)
    check_single_image_model(args.model)
    return build_restorer(args.model, scale=args.scale, fidelity=args.fidelity, model_scale=args.model_scale,
                          flip=args.flip_ensemble)


def _model_record(restorer) -> dict:
    """What the JSON report says of the model: name, training degradation, fidelity."""
    full = bool(getattr(restorer, "full_size", False))
    rec = {"model": restorer.name, "full_size": full, "flip_ensemble": bool(getattr(restorer, "flip", False))}
    if full:
        rec.update(fidelity=restorer.fidelity if restorer.has_knob else None,
                   degradation="realworld + blind (Eq. 5), LR 16..128 px" if restorer.name == "bfr-lite" else None)
    elif restorer.name != "bicubic":
        rec["degradation"] = "bicubic (Eq. 4)" if restorer.name == "rcan-lite" else None
    refs = getattr(restorer, "references", None)
    if refs is not None:
        rec["reference_faces"] = len(refs)
        fallback = getattr(restorer, "fallback", None)
        if fallback is not None:  # ref-lite: small faces by the reference network, the others by bfr-lite
            rec.update(degradation="blind (Table 8, Eq. 5), 16 px LR", fallback=fallback.name,
                       reference_max_face_px=restorer.max_face_px)
    return rec


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    import numpy as np

    from ..errors import FacesrError, InputError
    from ..io import IMAGE_SUFFIXES, read_image_info, write_image
    from ..io.safety import overlaps
    from ..io.video import is_video
    from ..pipeline import Enhancer
    from ..pipeline.enhance import background, check_output_size
    from ._common import Failures

    src, dst = Path(args.input), Path(args.output)
    if args.scale < 1 or args.scale > 16:
        raise InputError(f"--scale must be 1..16, got {args.scale}")
    if args.max_megapixels is not None and not args.max_megapixels > 0:
        raise InputError(f"--max-megapixels must be a positive number, got {args.max_megapixels}")
    if not src.exists():
        raise InputError(f"{src}: no such file or folder")
    if args.reference is None and args.model is None:
        args.model = "bfr-lite"
    if (src.is_dir() and overlaps(src, dst)) or (src.is_file() and dst.exists() and overlaps(src, dst)):
        raise InputError(f"{dst}: the output is (or lies inside, or contains) the input {src}; choose another "
                         "output so the originals are kept")
    if src.is_file() and is_video(src):
        if args.reference is not None:
            raise InputError(f"{src}: --reference applies to photos and face crops, not to videos")
        from .enhance_video import run_video

        return run_video(args)
    if src.is_file():
        files, root = [src], src.parent
        single = not dst.is_dir()
        if single and dst.suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"):
            raise InputError(f"{dst}: unsupported output format {dst.suffix!r} (use .png, .jpg, .tif, .webp)")
    else:
        files = [p for p in sorted(src.rglob("*")) if p.is_file() and not p.name.startswith(".")]
        if not any(p.suffix.lower() in IMAGE_SUFFIXES for p in files):
            raise InputError(f"{src}: no image files found ({', '.join(IMAGE_SUFFIXES)})")
        root, single = src, False
    make = Enhancer
    if args.reference is not None:
        from ..pipeline.reference import ReferenceEnhancer

        make = ReferenceEnhancer
    enhancer = make(_restorer(args), detector=args.detector, max_megapixels=args.max_megapixels,
                    background=args.background, progress=not args.quiet)
    faces_dir = Path(args.faces_dir) if args.faces_dir else None

    def target(f: Path) -> Path:
        if single:
            return dst
        return dst / f.relative_to(root).with_suffix(".png")

    failures = Failures()
    reports: list[dict] = []
    done, times = 0, []
    sheet: list = []
    it = files if args.quiet else __import__("tqdm").tqdm(files, desc="enhancing", unit="img")
    for f in it:
        out_path = target(f)
        try:
            if f.suffix.lower() not in IMAGE_SUFFIXES:
                raise InputError(f"{f}: not an image file (skipped)")
            if out_path.exists() and not args.overwrite:
                raise InputError(f"{out_path}: output exists (use --overwrite)")
            t0 = time.perf_counter()
            info = read_image_info(f)
            check_output_size(info.rgb.shape[:2], args.scale, args.max_megapixels)
            if args.reference is not None:
                enhancer.restorer.start(f)
            out, report = enhancer.enhance_array(info.rgb, args.scale, aligned=True if args.aligned else None)
            reports.append({"file": str(f), "output": str(out_path), "mode": report.mode,
                            "faces_found": report.faces_found, "faces_restored": report.faces_restored,
                            "notes": list(report.notes)})
            used = [sel.to_dict() for sel in getattr(enhancer.restorer, "selections", [])]
            if args.reference is not None:
                reports[-1]["faces"] = used
            alpha = None
            if info.alpha is not None:
                from ..ops.resize import pil_resize_uint8

                a = info.alpha
                alpha = pil_resize_uint8(np.repeat(a[:, :, None], 3, 2), out.shape[:2])[:, :, 0]
            write_image(out_path, out, alpha=alpha, grayscale=info.grayscale)
            if args.compare:
                base = background(info.rgb, args.scale)
                write_image(out_path.with_name(out_path.stem + "_compare.png"), np.concatenate([base, out], 1))
            if faces_dir is not None:
                stem = f.relative_to(root).with_suffix("").as_posix().replace("/", "_")
                for i, face in enumerate(report.faces):
                    write_image(faces_dir / f"{stem}_face{i}.png", face)
            times.append(time.perf_counter() - t0)
            done += 1
            if args.contact_sheet:
                from ..pipeline.sheet import focus_region

                x0, y0, x1, y1 = focus_region(out.shape[:2], report.boxes, args.scale)
                base = background(info.rgb, args.scale)
                sheet.append((f.stem[:24], base[y0:y1, x0:x1], out[y0:y1, x0:x1]))
            if not args.quiet:
                msg = f"{f.name}: {report.mode}, {report.faces_restored}/{report.faces_found} face(s) restored"
                if report.notes:
                    msg += " (" + "; ".join(report.notes) + ")"
                for i, face in enumerate(used):
                    if not face["references"]:  # too large for the reference network
                        msg += f"; face {i}: {face['restored_by']} ({face['face_px']:.0f} px wide, no references)"
                        continue
                    msg += f"; face {i}: " + ", ".join(f"{Path(r['file']).name} (identity "
                                                       f"{r['identity_similarity']:.2f})" for r in face["references"])
                it.write(msg)
        except FacesrError as exc:
            failures.add(f, exc, out_path)
    if times:
        print(f"enhanced {done} image(s) into {dst} ({np.mean(times):.2f} s per image, "
              f"median {np.median(times):.2f} s, max {np.max(times):.2f} s)")
    if args.json:
        import json

        from ..io import atomic_write

        record = {**_model_record(enhancer.restorer), "scale": args.scale, "background": args.background,
                  "images": reports}
        if args.reference is not None:
            record["reference"] = str(args.reference)
        with atomic_write(Path(args.json)) as tmp:
            tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    if sheet:
        from ..pipeline.sheet import contact_sheet

        write_image(args.contact_sheet, contact_sheet(sheet))
        print(f"wrote contact sheet {args.contact_sheet} ({len(sheet)} image(s))")
    return failures.report(len(files), "file(s)")
