"""``facesr serve``: the local web application (enhance page, MOS rating pages)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "serve",
        help="local web pages: enhance a photo (before/after), rate MOS studies",
        description="Starts a threaded local web server. Open http://HOST:PORT/enhance to enhance a photo, "
        "or a study link http://HOST:PORT/s/STUDY (see facesr mos create). Bind to 127.0.0.1 unless every "
        "rater is on a network you trust: there is no login.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--db", default=None, help="ratings database (default $FACESR_MOS_DB or ~/.local/share/...)")
    p.add_argument("--max-upload-mb", type=float, default=16.0, help="largest upload accepted (default 16 MB)")
    p.add_argument("--max-pixels", type=float, default=4.0, help="largest input image, megapixels (default 4)")
    p.add_argument("--detector", default="dlib-hog", help="face backend of the enhance page (default dlib-hog)")
    p.add_argument("--max-queue", type=int, default=8,
                   help="enhance jobs waiting or running at once; more are answered 503 with Retry-After (default 8)")
    return p


def run(args: argparse.Namespace) -> int:
    import math
    import signal
    import sys
    import tempfile

    from ..errors import InputError
    from ..mos import default_db

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be 0..65535, got {args.port}")
    for flag, value in (("--max-upload-mb", args.max_upload_mb), ("--max-pixels", args.max_pixels)):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{flag} must be a positive number, got {value}")
    if args.max_queue < 1:
        raise InputError(f"--max-queue must be at least 1, got {args.max_queue}")
    from ..faces.backends import FACE_BACKENDS

    FACE_BACKENDS.entry(args.detector)  # an unknown --detector is refused at start, not on the first upload
    from werkzeug.serving import make_server

    from ..serve import create_app

    db = args.db or default_db()
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops the server as Ctrl-C does
    try:
        # uploads and results live in this folder, removed at shutdown (Ctrl-C, SIGTERM, a failed bind)
        with tempfile.TemporaryDirectory(prefix="facesr-serve-", ignore_cleanup_errors=True) as work:
            app = create_app(db, max_upload_mb=args.max_upload_mb, max_pixels=int(args.max_pixels * 1e6),
                             detector=args.detector, workdir=work, max_queue=args.max_queue)
            try:
                server = make_server(args.host, args.port, app, threaded=True)
            except (OSError, SystemExit) as exc:  # werkzeug explains a busy port on stderr and exits
                reason = exc.strerror if isinstance(exc, OSError) else "address in use or not available"
                raise InputError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
            host = f"[{args.host}]" if ":" in args.host else args.host
            try:
                print(f"facesr serve: http://{host}:{server.server_port}/ (ratings in {db}; Ctrl-C stops)",
                      flush=True)
                server.serve_forever()
            except KeyboardInterrupt:
                print("facesr serve: stopped", file=sys.stderr)
            finally:
                server.server_close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt
