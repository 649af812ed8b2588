"""Real photos without ground truth: restore every face with facesr enhance's machinery (bicubic, rcan-lite,
bfr-lite by default), score the restored face crops by FID against real HR faces and pooled NIQE, write
contact sheets and a folder for a MOS study (facesr.pipeline.real_photos).

    python scripts/real_photos_eval.py -o real_photos                   # every face, x4
    python scripts/real_photos_eval.py -o /tmp/rp --limit 3 --no-fid    # a quick look, about a minute
    facesr mos create --from real_photos/mos --images 20                # then rate them (facesr serve)

Inputs: $FACESR_DATA/realworld/{wild_photos,old_photos,surveillance_whu_scf,cmu_mit_lowres_gray}
(--root, --folders). Outputs under -o: real_photos.json / .md (scores, faces, notes), sheets/<folder>.png and
sheets/summary.png (contact sheets), mos/ (bench.json + crops). Exit status 2 with one line for bad input.
"""

from __future__ import annotations

import argparse
import shlex
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--out", required=True, help="output folder")
    p.add_argument("--root", default=None, help="folder of the real photos (default $FACESR_DATA/realworld)")
    p.add_argument("--folders", default=",".join(("wild_photos", "old_photos", "surveillance_whu_scf",
                                                   "cmu_mit_lowres_gray")), help="comma-separated sub-folders")
    p.add_argument("--methods", default="bicubic,rcan-lite,bfr-lite",
                   help="enhance models: bicubic, rcan-lite, bfr-lite, NAME:CHECKPOINT")
    p.add_argument("--scale", type=int, default=4, help="enhance scale 1..16 (rcan-lite: 4, 8, 16)")
    p.add_argument("--limit", type=int, default=None, help="at most this many faces per folder")
    p.add_argument("--fid-ref", default=None, help="real HR faces for FID (default $FACESR_DATA/celeba1000/HR)")
    p.add_argument("--no-fid", action="store_true", help="pooled NIQE only (FID embeds the reference once, then "
                   "it is cached)")
    p.add_argument("--fidelity", type=float, default=None, help="fidelity of full-size restorers (bfr-lite)")
    p.add_argument("--detector", default="dlib-hog")
    p.add_argument("--sheet-faces", type=int, default=4, help="faces per contact sheet (per folder)")
    p.add_argument("--summary-faces", type=int, default=2,
                   help="faces per folder in sheets/summary.png (the smallest ones; 0 = no summary)")
    p.add_argument("--cell", type=int, default=96, help="contact-sheet cell size, px")
    p.add_argument("--device", default="cpu")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)

    from facesr.errors import FacesrError

    try:
        return _run(args, argv)
    except FacesrError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, argv: list[str] | None) -> int:
    from facesr.errors import InputError
    from facesr.paths import data_root
    from facesr.pipeline.real_photos import list_inputs, restore_faces, score_faces, to_markdown, write_outputs

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods or len(set(methods)) != len(methods):
        raise InputError(f"--methods must name each method once, got {args.methods!r}")
    folders = [f.strip() for f in args.folders.split(",") if f.strip()]
    root = args.root or data_root() / "realworld"
    fid_ref = None
    if not args.no_fid:
        fid_ref = args.fid_ref or data_root() / "celeba1000" / "HR"
    command = "python scripts/real_photos_eval.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    faces, notes = restore_faces(list_inputs(root, folders), methods, scale=args.scale, limit=args.limit,
                                 detector=args.detector, device=args.device, fidelity=args.fidelity, root=root,
                                 progress=not args.quiet)
    scores = score_faces(faces, methods, fid_ref=fid_ref, device=args.device)
    print(to_markdown(scores, methods, args.scale, faces, notes))
    for path in write_outputs(faces, methods, scores, args.out, scale=args.scale, notes=notes,
                              sheet_faces=args.sheet_faces, summary_faces=args.summary_faces, cell=args.cell,
                              command=command):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
