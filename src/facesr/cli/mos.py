"""``facesr mos``: build a MOS study from benchmark outputs, list studies, report the results."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "mos",
        help="Mean Opinion Score studies: create from facesr bench outputs, report MOS and correlations",
        description="Raters rate each image 1-5 (ACR) on the study pages of 'facesr serve'; ratings are stored "
        "in an SQLite database (--db, default $FACESR_MOS_DB or ~/.local/share/facesr/mos.sqlite).",
    )
    p.add_argument("--db", default=None, help="ratings database (default $FACESR_MOS_DB or ~/.local/share/...)")
    s = p.add_subparsers(dest="mos_command", metavar="ACTION")
    c = s.add_parser("create", help="build a study from a 'facesr bench --save-images DIR' folder")
    c.add_argument("--from", dest="bench_dir", required=True, metavar="BENCH_DIR", help="folder with bench.json")
    c.add_argument("--methods", default=None, help="comma-separated method labels (default: all in the benchmark)")
    c.add_argument("--scale", type=int, default=None, help="which scale (needed when the benchmark has several)")
    c.add_argument("--images", type=int, default=None,
                   help="source images, the same for every method (default 10, or all when fewer)")
    c.add_argument("--raters-per-image", type=int, default=3, help="raters each image needs (default 3)")
    c.add_argument("--images-per-rater", type=int, default=None,
                   help="split the images into blocks of this many; one rater rates one block (default: all)")
    c.add_argument("--reference", action="store_true", help="include the HR image as a hidden reference")
    c.add_argument("--seed", type=int, default=0, help="image choice and rating orders")
    c.add_argument("--id", dest="study_id", default=None, help="study id (default: <dataset>-x<scale>-<random>)")
    c.add_argument("--title", default=None)
    c.add_argument("--folder", default=None, help="where the stimuli are copied (default BENCH_DIR/mos/<id>)")
    s.add_parser("list", help="list the studies in the database")
    r = s.add_parser("report", help="MOS per method with 95%% CIs, rater agreement, correlation with the metrics")
    r.add_argument("study", metavar="STUDY", help="study id")
    r.add_argument("-o", "--out", default=None,
                   help="folder for mos.json, mos.md, mos.png, ratings.csv (default: the study folder)")
    r.add_argument("--html", default=None,
                   help="bench HTML report to add the MOS section to (default: the one recorded by the bench)")
    r.add_argument("--no-html", action="store_true", help="do not touch any HTML report")
    return p


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import InputError
    from ..mos import Store, default_db

    db = Path(args.db) if args.db else default_db()
    if args.mos_command is None:
        raise InputError("facesr mos: give an action: create, list or report")
    if args.mos_command != "create" and not db.is_file():
        raise InputError(f"{db}: no ratings database (create a study first, or pass --db)")
    store = Store(db)
    if args.mos_command == "create":
        from ..mos import create_study

        methods = [m.strip() for m in args.methods.split(",") if m.strip()] if args.methods else None
        info = create_study(store, args.bench_dir, methods=methods, scale=args.scale, images=args.images,
                            raters_per_image=args.raters_per_image, images_per_rater=args.images_per_rater,
                            reference=args.reference, seed=args.seed, study_id=args.study_id, title=args.title,
                            folder=args.folder)
        cfg = info["config"]
        n_items = len(store.items(info["id"]))
        print(f"created study {info['id']}: {n_items} items ({len(cfg['images'])} images x "
              f"{len(cfg['methods']) + int(cfg['reference'])} stimuli), {cfg['blocks']} block(s), "
              f"{cfg['raters_per_image']} rater(s) per image; stimuli in {info['folder']}; database {db}")
        print(f"raters open: http://HOST:PORT/s/{info['id']}  (start the server with: facesr serve --db {db})")
        return 0
    if args.mos_command == "list":
        for s in store.studies():
            n = len(store.ratings(s["id"]))
            print(f"{s['id']}\t{s['title']}\t{n} rating(s)")
        return 0
    from ..benchmark.report import insert_section
    from ..io.safety import writable_folder, writing
    from ..mos.report import (
        check_bench_report,
        compute_report,
        html_section,
        recorded_report,
        to_text,
        write_outputs,
    )

    info = store.study(args.study)
    target = None if args.no_html else (check_bench_report(Path(args.html)) if args.html
                                        else recorded_report(info["config"]))
    out = writable_folder(args.out or info["folder"], "report folder")
    rep = compute_report(store, args.study)
    print(to_text(rep))
    with writing(out, "report"):
        paths = write_outputs(rep, out, store.ratings(args.study))
    for p in paths.values():
        print(f"wrote {p}")
    if target is not None:
        with writing(target, "HTML report"):
            insert_section(target, f"mos-{args.study}", html_section(rep, paths["png"].read_bytes()))
        print(f"added the MOS section to {target}")
    return 0
