"""``python -m benchmarks`` runs the selection benchmark (see :mod:`benchmarks.selection`)."""

import sys

from benchmarks.selection import main

sys.exit(main())
