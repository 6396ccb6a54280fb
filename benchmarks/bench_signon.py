#!/usr/bin/env python3
"""Sign-on speed: `invite` for 700 Members (the draft rendered once per language, the
messages written as .eml files, nothing sent) and `signatures` on the same letter.

    .venv/bin/python benchmarks/bench_signon.py              # 700 Members
    .venv/bin/python benchmarks/bench_signon.py --members 2000
    .venv/bin/python benchmarks/bench_signon.py --quick      # 20 Members (CI)

Targets (issue 13): invite < 10 s for 700 Members; signatures < 0.5 s.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import REPO, passes_check

DOCUMENT = "appeal-political-prisoners"
GROUPS = ["PPE", "S&D", "ALDE", "Verts/ALE", "GUE/NGL", "ECR", "EFDD", "ENF", "NI"]
COUNTRIES = ["IT", "DE", "FR", "ES", "PL", "EE", "BE", "LU", "PT", "SI"]


def campaign(root: Path, members: int) -> None:
    for part in ("campaign.yaml", "cases", "signatories", "templates"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, root / part)
    # The example's 13 Members (the other documents name them), then the invited ones.
    listed = [(root / "signatories" / "meps-2017.yaml").read_text().rstrip("\n")]
    for n in range(members):
        listed += [f"  - id: member-{n}", f"    given: Given{n}", f"    family: Family{n}",
                   f"    country: {COUNTRIES[n % len(COUNTRIES)]}",
                   f"    group: {GROUPS[n % len(GROUPS)]}",
                   f"    email: member{n}@europarl.example",
                   f"    language: {'ru' if n % 3 == 0 else 'en'}"]
    (root / "signatories" / "meps-2017.yaml").write_text("\n".join(listed) + "\n")
    text = (root / "campaign.yaml").read_text()
    entries = "\n".join(f"        - {{member: member-{n}, invited: 2017-10-10}}"
                        for n in range(members))
    text = re.sub(r"    sign_on:\n      stage: final\n      order: listed\n      members:\n"
                  r"(        - .*\n)+",
                  "    sign_on:\n      stage: draft\n      members:\n" + entries + "\n", text)
    text = text.replace("recipients:\n  president:",
                        "mail:\n  from_address: office@example.org\n\nrecipients:\n  president:",
                        1)
    (root / "campaign.yaml").write_text(text)
    passes_check(root)


def timed(*args: str) -> float:
    command = [sys.executable, "-m", "undersigned.cli", *args]  # this checkout's code
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=700)
    parser.add_argument("--quick", action="store_true",
                        help="20 Members: that the benchmark still runs (CI)")
    options = parser.parse_args(argv)
    if options.quick:
        options.members = 20
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        campaign(root, options.members)
        invite = timed("invite", DOCUMENT, str(root))
        written = len(list((root / "outputs" / "mail" / "invitations" / DOCUMENT).glob("*.eml")))
        signatures = timed("signatures", DOCUMENT, str(root))
    print(f"invite, {options.members} Members: {invite:.2f} s ({written} messages written; "
          "target < 10 s)")
    print(f"signatures, {options.members} Members: {signatures:.2f} s (target < 0.5 s)")


if __name__ == "__main__":
    main()
