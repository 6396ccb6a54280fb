"""Recipients from a table at scale (issue 15): `check` and `build --dry-run` of the example
campaign whose first letter also goes to every row of a 100,000-row CSV.

    .venv/bin/python benchmarks/bench_tables.py [--rows N]
    .venv/bin/python benchmarks/bench_tables.py --quick     # 1,000 rows (CI)

Targets: check under 5 s, build --dry-run under 10 s (2-core machine). Prints the times and
the peak memory of each command, measured in a child process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from benchlib import passes_check  # noqa: E402
from table_campaign import make_table_campaign  # noqa: E402

UNDERSIGNED = [sys.executable, "-m", "undersigned.cli"]  # this checkout's code
REPO = Path(__file__).resolve().parent.parent


def timed(*args: str) -> tuple[float, float]:
    """(seconds, peak MiB) of one command, run as a user runs it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([*UNDERSIGNED, *args], capture_output=True, text=True, cwd=REPO)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return took, max(peak, before) / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true",
                        help="1,000 rows: that the benchmark still runs (CI)")
    options = parser.parse_args(argv)
    rows = 1000 if options.quick else options.rows
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_table_campaign(Path(tmp) / "campaign", rows)
        passes_check(folder)
        size = (folder / "recipients.csv").stat().st_size
        print(f"{rows:,} recipients in recipients.csv ({size / 1e6:.1f} MB)")
        for name, args, target in (("check", ("check", str(folder)), 5.0),
                                   ("build --dry-run", ("build", "--dry-run", str(folder)), 10.0)):
            took, peak = timed(*args)
            verdict = "ok" if took < target else "OVER"
            print(f"{name:16} {took:6.2f} s  (target < {target:.0f} s: {verdict}), "
                  f"peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
