"""``python -m facesr``: the same as the ``facesr`` command."""

from .cli.main import main

raise SystemExit(main())
