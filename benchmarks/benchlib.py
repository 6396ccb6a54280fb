"""What every benchmark shares: the gate that its generated campaign passes ``check``
(a benchmark of a campaign that does not is measuring an error message), and the commit
it measured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path[:1]:  # this checkout's code, whatever is installed
    sys.path.insert(0, str(REPO))


def passes_check(root: Path) -> None:
    """Stop the benchmark (exit 1, the reasons on stderr) unless ``check`` passes on the
    campaign it generated at ``root``."""
    done = subprocess.run([sys.executable, "-m", "undersigned.cli", "check", str(root)],
                          capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        sys.exit(f"the generated campaign does not pass check (exit {done.returncode}):\n"
                 f"{done.stdout[-2000:]}{done.stderr[-2000:]}")


def commit() -> str:
    """The commit measured (``git rev-parse HEAD``), marked ``+changes`` if the working tree
    differs from it."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          cwd=REPO).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, cwd=REPO).stdout.strip()
    return f"{head}+changes" if dirty else head
