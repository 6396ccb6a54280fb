#!/usr/bin/env python3
"""Run undersigned from a checkout without installing it: `python cli.py build`.

The command itself lives in undersigned/cli.py, which `pip install .` installs
as the `undersigned` console command.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from undersigned.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
