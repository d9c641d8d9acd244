"""``python -m addin.cli`` — the same as the ``wibudget`` command."""

import sys

from addin.cli import main

sys.exit(main())
