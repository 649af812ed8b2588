"""``facesr data``: list the known datasets, prepare aligned face caches, check face detection.

``facesr data prepare --dataset NAME [--root DIR] --out DIR --size 128 [--landmarks] [--parsing]
[--identity]`` aligns and crops every image, computes the asked-for priors and caches them with a
manifest (see :mod:`facesr.data.cache`); re-running finishes an interrupted run.

``facesr data dictionary --dataset NAME --out DIR [--atoms 512]`` builds DFDNet's component
dictionaries (K-means of VGG-19 features of the faces' eyes, nose and mouth; :mod:`facesr.models.reference.dictionary`)
into ``DIR/dictionary.safetensors``; re-running finishes an interrupted build.
"""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("data", help="datasets: list, prepare aligned caches with priors, check faces",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="data_command", metavar="ACTION")
    sub.add_parser("list", help="list the registered datasets and whether they are found under the data root")

    prep = sub.add_parser("prepare",
                          help="align, crop and cache faces with landmarks, heatmaps, parsing, identity")
    prep.add_argument("--dataset", required=True, help="registered dataset name (see 'facesr data list')")
    prep.add_argument("--root", help="dataset folder (default: <data root>/<dataset folder>)")
    prep.add_argument("--out", required=True, help="output folder of the cache")
    prep.add_argument("--size", type=int, default=128, help="aligned face size in pixels (default 128)")
    prep.add_argument("--align", default="auto", choices=["auto", "dataset", "dic", "ffhq"],
                      help="dataset: its own framing (CelebA: DIC crop); dic/ffhq: detect, align to template")
    prep.add_argument("--landmarks", action="store_true", help="store landmarks and Gaussian heatmaps")
    prep.add_argument("--parsing", action="store_true", help="store parsing maps drawn from the landmarks")
    prep.add_argument("--identity", action="store_true", help="store dlib 128-d identity descriptors")
    prep.add_argument("--backend", default="dlib-hog-cnn",
                      help="face backend: dlib-hog-cnn (default), dlib-hog, dlib-cnn, mediapipe")
    prep.add_argument("--sigma", type=float, default=1.5, help="heatmap Gaussian sigma in output pixels")
    prep.add_argument("--kernel", default="matlab", help="resize kernel for crops (matlab, pil, cv2)")
    prep.add_argument("--limit", type=int, help="only the first N images")
    prep.add_argument("--workers", type=int, default=1, help="processes working in parallel (default 1)")
    prep.add_argument("--no-progress", action="store_true", help="no progress bar")

    dic = sub.add_parser("dictionary", help="DFDNet component dictionaries: K-means of VGG-19 features of eyes, "
                                            "nose and mouth (resumable)")
    dic.add_argument("--dataset", required=True,
                     help="registered dataset name, or 'prepared' for a folder written by 'facesr data prepare'")
    dic.add_argument("--root", help="dataset folder (default: <data root>/<dataset folder>; the cache for 'prepared')")
    dic.add_argument("--out", required=True, help="output folder (features, atoms, dictionary.safetensors)")
    dic.add_argument("--atoms", type=int, default=512, help="K-means centres per component and layer (default 512)")
    dic.add_argument("--size", type=int, default=128, help="face size in pixels (default 128)")
    dic.add_argument("--limit", type=int, help="only the first N faces")
    dic.add_argument("--chunk", type=int, default=64, help="faces per feature file (default 64)")
    dic.add_argument("--iterations", type=int, default=25, help="K-means iterations (default 25)")
    dic.add_argument("--seed", type=int, default=0, help="K-means seeding (default 0)")
    dic.add_argument("--landmarks", default="auto", choices=["auto", "data", "estimate"],
                     help="the dataset's 68 landmarks (data), the package's hourglass network's (estimate), or "
                          "the dataset's where it has them (auto)")
    dic.add_argument("--device", default="cpu", help="torch device for the features (default cpu)")
    dic.add_argument("--json", help="write the summary as JSON here")
    dic.add_argument("--no-progress", action="store_true", help="no progress bars")

    faces = sub.add_parser("faces", help="face detection + landmark rate and time per image of a backend")
    faces.add_argument("--dataset", required=True)
    faces.add_argument("--root")
    faces.add_argument("--backend", default="dlib-hog")
    faces.add_argument("--limit", type=int)
    faces.add_argument("--no-progress", action="store_true")
    return p


def _list() -> int:
    from ..data.registry import DATASETS
    from ..paths import data_root

    root = data_root()
    for e in DATASETS:
        sub = e.meta.get("subdir")
        found = "found" if sub and (root / sub).is_dir() else "-"
        print(f"{e.name:15s} {found:6s} {e.meta.get('description', '')}")
        print(f"{'':15s} {'':6s} labels: {e.meta.get('labels', '')}; licence: {e.meta.get('license', '')}")
    return 0


def _prepare(args) -> int:
    from ..data.prepare import PrepareOptions, prepare
    from ..data.registry import DATASETS, open_dataset

    name = DATASETS.entry(args.dataset).name
    dataset = open_dataset(name, args.root)
    options = PrepareOptions(dataset=name, size=args.size, align=args.align, landmarks=args.landmarks,
                             parsing=args.parsing, identity=args.identity, backend=args.backend,
                             sigma=args.sigma, kernel=args.kernel)
    counts = prepare(dataset, args.out, options, limit=args.limit, progress=not args.no_progress,
                     workers=args.workers)
    print(f"{args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def _dictionary(args) -> int:
    import json

    from ..data.paired import as_source
    from ..data.registry import DATASETS, open_dataset
    from ..errors import InputError
    from ..models.reference.dictionary import DictionaryOptions, build_dictionary
    from ._common import check_device

    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1 face, got {args.limit}")
    if args.dataset == "prepared":
        if not args.root:
            raise InputError("--dataset prepared needs --root: the folder written by 'facesr data prepare --out'")
        name, source = "prepared", as_source(args.root, args.size, "matlab")
    else:
        name = DATASETS.entry(args.dataset).name
        source = as_source(open_dataset(name, args.root), args.size, "matlab")
    options = DictionaryOptions(dataset=name, atoms=args.atoms, size=source.size, limit=args.limit, chunk=args.chunk,
                                iterations=args.iterations, seed=args.seed, landmarks=args.landmarks)
    summary = build_dictionary(source, args.out, options, progress=not args.no_progress,
                               device=check_device(args.device))
    print(f"{summary['dictionary']}: {summary['faces']} faces, {args.atoms} atoms per component and layer "
          f"({summary['chunks_written']} feature chunks and {summary['keys_clustered']} k-means written now)")
    if args.json:
        from ..io import atomic_write

        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


def _faces(args) -> int:
    import time

    from tqdm import tqdm

    from ..data.registry import DATASETS, open_dataset
    from ..errors import ImageReadError, InputError
    from ..faces.backends import create_backend

    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1 image, got {args.limit}")
    dataset = open_dataset(DATASETS.entry(args.dataset).name, args.root)
    n = len(dataset) if args.limit is None else min(args.limit, len(dataset))
    found = unreadable = 0
    elapsed = 0.0
    missed = []
    with create_backend(args.backend) as backend:
        for i in tqdm(range(n), desc=f"{args.backend}", unit="img", disable=args.no_progress):
            try:
                image = dataset.image(i)
            except ImageReadError:
                unreadable += 1
                continue
            t0 = time.perf_counter()
            faces = [f for f in backend.detect(image) if f.landmarks is not None]
            elapsed += time.perf_counter() - t0
            if faces:
                found += 1
            else:
                missed.append(dataset.records[i].key)
    read = n - unreadable
    rate = found / read if read else 0.0
    print(f"{args.backend} on {args.dataset}: face+landmarks on {found}/{read} images ({100 * rate:.2f} %), "
          f"{1000 * elapsed / max(read, 1):.1f} ms/image, {unreadable} unreadable")
    if missed:
        print("missed: " + " ".join(missed[:20]) + (" ..." if len(missed) > 20 else ""))
    return 0


def run(args) -> int:
    action = getattr(args, "data_command", None)
    if action == "list":
        return _list()
    if action == "prepare":
        return _prepare(args)
    if action == "faces":
        return _faces(args)
    if action == "dictionary":
        return _dictionary(args)
    print("usage: facesr data {list,prepare,dictionary,faces} ... (see facesr data --help)")
    return 2
