"""``python -m selection``: see :mod:`selection.cli`."""

import sys

from selection.cli import main

sys.exit(main())
