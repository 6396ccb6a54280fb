#!/usr/bin/env python3
"""Benchmark undersigned against the loop a user would write, on one machine, in one run.

It generates a synthetic campaign of realistic letters (2-3 pages, 13
signatories, cases from the example campaign, N documents x M recipients x 2
languages) and measures:

- letters per second of `undersigned build` against the naive loop (one process;
  per letter, render the same compiled Jinja template and call
  `HTML(string=...).write_pdf()`), as a ratio;
- the time of a no-op rebuild;
- start-up time of `undersigned --help` and of `undersigned check`;
- `undersigned check` on a campaign of 6,000 copies (it renders their HTML, one per
  shape of their data, and reads the others' texts);
- peak memory of a worker at 100 and at 1,000 letters.

Prints a table and writes the figures as JSON.

    .venv/bin/python benchmarks/bench.py                 # 1,000 letters
    .venv/bin/python benchmarks/bench.py --letters 200   # quicker
    .venv/bin/python benchmarks/bench.py --check-only    # check's two figures, in seconds
    .venv/bin/python benchmarks/bench.py --against 7fda9f7 --letters 200  # this tree vs a commit
    .venv/bin/python benchmarks/bench.py --profile       # where one copy's time goes
    .venv/bin/python benchmarks/bench.py --quick         # every step on 8 letters (CI)

The full run writes benchmarks/results.json, with the commit it measured. Every generated
campaign must pass `check` first, or the benchmark stops with exit 1 (tests run --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import REPO, commit, passes_check

CASES_PER_LETTER = 8
DOCUMENTS = 4
LANGUAGES = ["en", "ru"]


def make_campaign(target: Path, letters: int) -> Path:
    """A campaign of about ``letters`` letters, from the example's cases and signatories."""
    import yaml

    shutil.copytree(REPO / "cases", target / "cases")
    shutil.copytree(REPO / "signatories", target / "signatories")
    cases = sorted(p.stem for p in (target / "cases").glob("*.yaml"))
    members = [m["id"] for m in yaml.safe_load(
        (target / "signatories" / "meps-2017.yaml").read_text(encoding="utf-8"))["signatories"]]
    sign_on = {"stage": "final", "order": "listed", "members": [
        {"member": m, "invited": "2017-10-09", "answer": "agreed", "answered": "2017-10-09"}
        for m in members]}
    per_document = max(1, letters // (DOCUMENTS * len(LANGUAGES)))
    recipients = {}
    for i in range(DOCUMENTS * per_document):
        recipients[f"recipient-{i:04d}"] = {
            "honorific": {"en": "H.E.", "ru": "Его Превосходительству"},
            "name": {"en": f"Official Number {i}", "ru": f"Должностному лицу № {i}"},
            "position": {"en": "Ambassador of the Republic of Kazakhstan",
                         "ru": "Послу Республики Казахстан"},
            "address": [{"en": f"{i} Embassy Street", "ru": f"Посольская улица, {i}"},
                        {"en": "1000 Brussels, Belgium", "ru": "1000 Брюссель, Бельгия"}],
            "salutation": {"en": "Your Excellency,", "ru": "Ваше Превосходительство!"},
        }
    ids = list(recipients)
    documents = {}
    for d in range(DOCUMENTS):
        chosen = [cases[(d * 5 + k) % len(cases)] for k in range(CASES_PER_LETTER)]
        documents[f"appeal-{d + 1}"] = {
            "kind": "letter", "date": f"2017-10-{10 + d}", "place": {"en": "Brussels", "ru": "Брюссель"},
            "reference": f"BENCH-{d + 1}",
            "subject": {"en": f"Appeal number {d + 1} on political prisoners",
                        "ru": f"Обращение № {d + 1} о политических заключённых"},
            "signatories": "meps-2017", "sign_on": sign_on, "languages": LANGUAGES,
            "recipients": ids[d * per_document:(d + 1) * per_document],
            "cases": chosen, "case_text": "summary",
            "intro": {"en": "We, Members of the European Parliament, write about these cases. " * 4,
                      "ru": "Мы, депутаты Европейского парламента, пишем вам об этих делах. " * 4},
            "requests": [{"en": "release the political prisoners;", "ru": "освободить политических заключённых;"},
                         {"en": "guarantee freedom of assembly.", "ru": "гарантировать свободу собраний."}],
            "closing": {"en": "We look forward to your reply.", "ru": "Надеемся на ваш ответ."},
        }
    campaign = {"title": "Benchmark campaign",
                "sender": {"name": {"en": "Members of the European Parliament",
                                    "ru": "Депутаты Европейского парламента"}},
                "recipients": recipients, "documents": documents}
    (target / "campaign.yaml").write_text(yaml.safe_dump(campaign, allow_unicode=True,
                                                         sort_keys=False), encoding="utf-8")
    passes_check(target)
    return target


def undersigned(*args: str) -> list[str]:
    return [sys.executable, "-m", "undersigned.cli", *args]


def timed(command: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=cwd or REPO)
    return time.perf_counter() - started


def best_of(n: int, command: list[str], cwd: Path | None = None) -> float:
    return min(timed(command, cwd) for _ in range(n))


def naive_loop(campaign: Path, out: Path) -> tuple[int, float]:
    """What a user would write: one process, the same template, HTML(...).write_pdf() per letter."""
    code = f"""
import time, sys
started = time.perf_counter()
from pathlib import Path
from weasyprint import HTML
from undersigned.campaign import load_campaign
from undersigned.campaign.context import build_context
from undersigned.campaign.plan import plan_outputs
from undersigned.render.environment import make_environment
loaded = load_campaign({str(campaign)!r})
env = make_environment(loaded.templates_dir)
template = env.get_template("letter.html")
out = Path({str(out)!r}); out.mkdir(exist_ok=True)
outputs = plan_outputs(loaded)
for output in outputs:
    html = template.render(build_context(loaded, output))
    HTML(string=html, base_url=loaded.root.as_uri() + "/").write_pdf(out / (output.stem + ".pdf"))
print(len(outputs), time.perf_counter() - started)
"""
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, cwd=REPO)
    count, seconds = result.stdout.split()
    return int(count), float(seconds)


def build_run(campaign: Path, report: Path) -> tuple[float, dict]:
    seconds = timed(undersigned("build", str(campaign), "--report-json", str(report)))
    return seconds, json.loads(report.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100, help="letters of the memory baseline")
    parser.add_argument("--check-copies", type=int, default=6000,
                        help="copies of the campaign `check` is timed on")
    parser.add_argument("--check-only", action="store_true",
                        help="time `check` only (the example and the large campaign)")
    parser.add_argument("--against", metavar="REV",
                        help="also install commit REV in a temporary environment and time "
                             "`build` of the same campaign with both, alternating, in one run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of --against")
    parser.add_argument("--profile", metavar="STEM", nargs="?", const="",
                        help="where the time of one copy of the example goes (a worker's "
                             "second copy): template, WeasyPrint layout, drawing, PDF writing")
    parser.add_argument("--quick", action="store_true",
                        help="every step, on 8 letters, once each, writing no figures: "
                             "that the benchmark still runs (CI)")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the figures (default: benchmarks/results.json, "
                             "none with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.letters = args.small = args.check_copies = 8
        args.rounds = min(args.rounds, 1)
    json_path = args.json or (None if args.quick else REPO / "benchmarks" / "results.json")
    repeat = 1 if args.quick else None

    work = Path(tempfile.mkdtemp(prefix="undersigned-bench-"))
    try:
        if args.profile is not None:
            profile_copy(args.profile)
            return
        if args.against:
            against(work, args.against, args.letters, args.rounds)
            return
        if args.check_only:
            figures = check_figures(work, args.check_copies, repeat)
            for name, value in figures.items():
                print(f"{name}: {value}")
            return
        figures = ({"commit": commit()} | run(work, args.letters, args.small, repeat)
                   | check_figures(work, args.check_copies, repeat))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(figures)
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nfigures written to {json_path}")


def check_figures(work: Path, copies: int, repeat: int | None = None) -> dict:
    """`check` on the example campaign and on a generated one of ``copies`` copies."""
    large = make_campaign(work / "check", copies)
    example_s = best_of(repeat or 5, undersigned("check", str(REPO)))
    large_s = best_of(repeat or 3, undersigned("check", str(large)))
    print(f"check: example {example_s:.3f} s, {copies} copies {large_s:.3f} s", file=sys.stderr)
    return {"check_seconds": round(example_s, 3), "check_copies": copies,
            "check_large_seconds": round(large_s, 3)}


def install_revision(work: Path, rev: str) -> Path:
    """Commit ``rev`` installed (no dependencies; its build backend from the index) in a venv
    that borrows this one's packages.

    Returns the venv's python. The venv's own site-packages come before the borrowed
    ones, so its ``undersigned`` is REV's, whatever this environment has installed."""
    source, venv = work / "rev-source", work / "rev-venv"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(python), "-c", purelib], check=True, capture_output=True, text=True).stdout.strip()
    borrowed = [p for p in sys.path if p.endswith("site-packages")]
    (Path(site) / "borrowed.pth").write_text("\n".join(borrowed) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", str(source)], check=True,
                   capture_output=True, cwd=work)
    return python


def timed_build(python: Path, pristine: Path, target: Path, cwd: Path) -> tuple[float, float]:
    """Seconds of `build` of a fresh copy of ``pristine`` (nothing built yet), then of a
    no-op rebuild of it."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(pristine, target)
    command = [str(python), "-m", "undersigned.cli", "build", str(target)]
    return timed(command, cwd=cwd), timed(command, cwd=cwd)


def against(work: Path, rev: str, letters: int, rounds: int) -> dict:
    """`build` of one campaign with this tree and with REV, then its no-op rebuild, and
    `check` of each one's example campaign, alternating, in one run."""
    python = install_revision(work, rev)
    pristine = make_campaign(work / "pristine", letters)
    sides = {"this tree": (Path(sys.executable), REPO, REPO),
             rev: (python, work, work / "rev-source")}
    measures = ("build", "no-op rebuild", "check")
    times: dict[str, dict[str, list[float]]] = {m: {side: [] for side in sides}
                                                for m in measures}
    for n in range(rounds):
        for side, (exe, cwd, example) in (sides.items() if n % 2 == 0
                                          else reversed(sides.items())):
            built, noop = timed_build(exe, pristine, work / "built", cwd)
            checked = best_of(3, [str(exe), "-m", "undersigned.cli", "check", str(example)],
                              cwd)
            for measure, seconds in zip(measures, (built, noop, checked)):
                times[measure][side].append(seconds)
            print(f"round {n + 1}: {side}: build {built:.2f} s, no-op {noop:.3f} s, "
                  f"check {checked:.3f} s", file=sys.stderr)
    best = {m: {side: min(values) for side, values in times[m].items()} for m in measures}
    speedup = {m: round(best[m][rev] / best[m]["this tree"], 2) for m in measures}
    print(f"best of {rounds} rounds, alternating ({letters} letters; check: each one's "
          "example, best of 3 a round):")
    print(f"  {'':<16} {'this tree':>10} {rev[:10]:>10}   speed-up")
    for m in measures:
        print(f"  {m:<16} {best[m]['this tree']:9.3f}s {best[m][rev]:9.3f}s   "
              f"{speedup[m]:.2f}x")
    print(f"  build: {letters / best['build']['this tree']:.2f} against "
          f"{letters / best['build'][rev]:.2f} letters/s")
    return {"against": rev, "letters": letters, "rounds": rounds,
            "seconds": {m: {side: [round(t, 3) for t in values]
                            for side, values in times[m].items()} for m in measures},
            "speedup": speedup}


PACKAGES = (("template rendering (Jinja, Markdown)", ("jinja2/", "markupsafe/", "markdown_it/")),
            ("WeasyPrint: HTML parsing and CSS cascade", ("weasyprint/css/", "weasyprint/html",
                                                         "tinycss2/", "cssselect2/", "html5lib/",
                                                         "tinyhtml5/", "webencodings/")),
            ("WeasyPrint: layout and text", ("weasyprint/layout/", "weasyprint/text/",
                                             "weasyprint/formatting_structure/", "pyphen/",
                                             "cffi", "weasyprint/images")),
            ("WeasyPrint: drawing", ("weasyprint/draw", "weasyprint/stacking",
                                     "weasyprint/matrix")),
            ("PDF writing (WeasyPrint, pydyf, fonttools)", ("weasyprint/pdf/", "pydyf/",
                                                            "fontTools/")),
            ("undersigned's own", ("undersigned/",)))


def profile_copy(stem: str) -> None:
    """Where the time of one copy goes, in a worker that has rendered it once already:
    wall clock of the three calls the worker makes, then the profile by package."""
    import cProfile
    import pstats

    sys.path.insert(0, str(REPO))
    from undersigned.batch.workers import Renderer
    from undersigned.campaign import load_campaign
    from undersigned.campaign.html import render_html
    from undersigned.campaign.plan import plan_outputs
    from undersigned.pdf.writer import layout, write_pdf

    loaded = load_campaign(REPO)
    outputs = plan_outputs(loaded)  # by default the example's first letter
    output = next((o for o in outputs if (o.stem == stem if stem else o.kind == "letter")),
                  None)
    if output is None:
        raise SystemExit(f"no copy '{stem}' in the example; one of: "
                         f"{', '.join(o.stem for o in outputs)}")
    renderer = Renderer(loaded)

    def copy() -> dict[str, float]:
        marks = [time.perf_counter()]
        html = render_html(loaded, output, renderer.env)
        marks.append(time.perf_counter())
        document = layout(html, loaded.root, output.label, renderer.font_config)
        marks.append(time.perf_counter())
        write_pdf(document, output.label)
        marks.append(time.perf_counter())
        return dict(zip(("template", "layout", "drawing and PDF"),
                        (b - a for a, b in zip(marks, marks[1:]))))

    copy()
    wall = min((copy() for _ in range(3)), key=lambda d: sum(d.values()))
    print(f"{output.stem}: {sum(wall.values()) * 1000:.0f} ms (best of 3, after a first copy)")
    for name, seconds in wall.items():
        print(f"  {name:<18} {seconds * 1000:7.1f} ms")
    profiler = cProfile.Profile()
    profiler.runcall(copy)
    shares = _by_package(pstats.Stats(profiler))
    total = sum(shares.values())
    print("profile by package (own time, cProfile's overhead included):")
    for name, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {name:<44} {100 * seconds / total:5.1f} %")


def _by_package(stats) -> dict[str, float]:
    shares: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        name = next((name for name, parts in PACKAGES
                     if any(part in filename for part in parts)), "other (Python, C libraries)")
        shares[name] = shares.get(name, 0.0) + own
    return shares


def run(work: Path, letters: int, small: int, repeat: int | None = None) -> dict:
    big = make_campaign(work / "big", letters)
    tiny = make_campaign(work / "small", small)

    help_s = best_of(repeat or 5, undersigned("--help"))
    print(f"start-up: --help {help_s:.3f} s", file=sys.stderr)

    count, naive_s = naive_loop(big, work / "naive")
    print(f"naive loop: {count} letters in {naive_s:.1f} s", file=sys.stderr)
    build_s, report = build_run(big, work / "big-report.json")
    built = report["counts"]["built"]
    print(f"undersigned build: {built} letters in {build_s:.1f} s", file=sys.stderr)
    noop_s, noop = build_run(big, work / "noop-report.json")
    assert noop["counts"]["built"] == 0, noop
    _, small_report = build_run(tiny, work / "small-report.json")

    small_kib = small_report["worker_peak_memory_kib"]
    big_kib = report["worker_peak_memory_kib"]
    return {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.machine(), "python": platform.python_version()},
        "letters": built,
        "naive_seconds": round(naive_s, 2),
        "naive_letters_per_second": round(count / naive_s, 2),
        "build_seconds": round(build_s, 2),
        "build_letters_per_second": round(built / build_s, 2),
        "ratio_vs_naive": round((built / build_s) / (count / naive_s), 2),
        "noop_rebuild_seconds": round(noop_s, 3),
        "help_seconds": round(help_s, 3),
        "worker_peak_mib_small": round(small_kib / 1024, 1),
        "small_letters": small_report["counts"]["built"],
        "worker_peak_mib_big": round(big_kib / 1024, 1),
        "worker_memory_growth_percent": round(100 * (big_kib - small_kib) / small_kib, 1),
    }


def print_table(f: dict) -> None:
    rows = [
        ("commit", f["commit"], ""),
        ("machine", f"{f['machine']['cpus']} CPUs, {f['machine']['processor']}, "
                    f"Python {f['machine']['python']}", ""),
        ("naive loop", f"{f['naive_letters_per_second']:.2f} letters/s",
         f"{f['letters']} letters in {f['naive_seconds']} s"),
        ("undersigned build", f"{f['build_letters_per_second']:.2f} letters/s",
         f"{f['letters']} letters in {f['build_seconds']} s"),
        ("ratio", f"{f['ratio_vs_naive']:.2f}x", "target >= 2.5x (issue 25)"),
        ("no-op rebuild", f"{f['noop_rebuild_seconds']:.3f} s", "target < 0.4 s for 200 letters"),
        ("undersigned --help", f"{f['help_seconds']:.3f} s", "target < 0.1 s"),
        ("undersigned check", f"{f['check_seconds']:.3f} s", "example campaign, target < 0.4 s"),
        ("check, large", f"{f['check_large_seconds']:.3f} s",
         f"{f['check_copies']} copies, target < 3 s"),
        ("worker peak memory", f"{f['worker_peak_mib_small']} -> {f['worker_peak_mib_big']} MiB",
         f"{f['small_letters']} -> {f['letters']} letters: "
         f"{f['worker_memory_growth_percent']:+.1f}% (target < 10%)"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<24} {note}")


if __name__ == "__main__":
    main()
