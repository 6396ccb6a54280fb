"""What tagging costs (issue 24): the example campaign's 8 PDFs rendered tagged (PDF/A-3a +
PDF/UA-1, the default) and untagged (PDF/A-3b, the default before), in one process,
alternating the two in every round so that both meet the same machine load.

    .venv/bin/python benchmarks/bench_tagging.py [--rounds N]
    .venv/bin/python benchmarks/bench_tagging.py --quick   # one round, no warm-up: it runs

Each copy is rendered as a build renders it: its HTML from the templates, WeasyPrint's
layout, the signature fields, the PDF. Target: tagged at most 10% slower. Prints the
median time of one round (8 PDFs) of each standard and their ratio, in CPU time (the
process's own, which the other work on a shared machine does not inflate) and wall-clock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import copy_example  # noqa: E402
from undersigned.campaign.html import render_html  # noqa: E402
from undersigned.campaign.load import load_campaign  # noqa: E402
from undersigned.campaign.plan import plan_outputs  # noqa: E402
from undersigned.kinds import KINDS  # noqa: E402
from undersigned.pdf.writer import layout, write_pdf  # noqa: E402

STANDARDS = ("pdf/a-3b", "pdf/a-3a+ua-1")
TARGET = 1.10


def render_all(loaded, outputs, standard: str, font_config) -> tuple[float, float]:
    """(CPU seconds, wall-clock seconds) to render every output in ``standard``."""
    started, cpu = time.perf_counter(), time.process_time()
    for output in outputs:
        html = render_html(loaded, output)
        laid_out = layout(html, loaded.root, output.label, font_config)
        document = loaded.campaign.documents[output.document]
        finisher = KINDS[output.kind].finisher(loaded, document, output, laid_out)
        write_pdf(laid_out, output.label, finisher, standard)
    return time.process_time() - cpu, time.perf_counter() - started


def main() -> None:
    from weasyprint.text.fonts import FontConfiguration

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true",
                        help="one round without warm-up: that it runs, not a measure "
                             "(the test suite runs it, so that it cannot rot)")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_campaign(copy_example(Path(tmp) / "campaign"))
        outputs = [o for o in plan_outputs(loaded) if o.pdf.endswith(".pdf")]
        font_config = FontConfiguration()
        for standard in () if args.quick else STANDARDS:  # warm-up: fonts, templates, imports
            render_all(loaded, outputs, standard, font_config)
        times: dict[str, list[tuple[float, float]]] = {standard: [] for standard in STANDARDS}
        for index in range(rounds):
            order = STANDARDS if index % 2 == 0 else STANDARDS[::-1]
            for standard in order:
                times[standard].append(render_all(loaded, outputs, standard, font_config))
    print(f"{len(outputs)} PDFs a round, {rounds} rounds, median of each (CPU time, the "
          "measure; wall-clock time, which other work on the machine inflates):")
    cpu = {s: statistics.median(t[0] for t in times[s]) for s in STANDARDS}
    wall = {s: statistics.median(t[1] for t in times[s]) for s in STANDARDS}
    for standard, label in zip(STANDARDS, ("untagged", "tagged")):
        print(f"{label + ' (' + standard + ')':26} {cpu[standard]:.3f} s CPU, "
              f"{wall[standard]:.3f} s wall")
    ratio = cpu[STANDARDS[1]] / cpu[STANDARDS[0]]
    verdict = "ok" if ratio <= TARGET else "OVER"
    print(f"{'tagged / untagged':26} {ratio:.3f} CPU (target <= {TARGET:.2f}: {verdict}), "
          f"{wall[STANDARDS[1]] / wall[STANDARDS[0]]:.3f} wall")


if __name__ == "__main__":
    main()
