"""Recipients from a table at scale (issue 15): `check` and `build --dry-run` of the example
campaign whose first letter also goes to every row of a 100,000-row CSV.

    .venv/bin/python benchmarks/bench_tables.py [--rows N]

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
from table_campaign import make_table_campaign  # noqa: E402

UNDERSIGNED = Path(sys.executable).with_name("undersigned")


def timed(*args: str) -> tuple[float, float]:
    """(seconds, peak MiB) of one command, run as a user runs it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([str(UNDERSIGNED), *args], capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return took, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_table_campaign(Path(tmp) / "campaign", rows)
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
