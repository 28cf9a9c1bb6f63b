"""Run the CLI with ``python -m digest``."""

import sys

from digest.cli import main

sys.exit(main())
