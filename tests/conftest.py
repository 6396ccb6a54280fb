"""Shared fixtures: copies of the example campaign in tmp_path, and PDF readers."""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent

# One test command, the same everywhere: property tests replay a fixed, derandomized set
# of examples, without an examples database, so that a run passes or fails the same way
# on every machine, with or without CI=true. ``--long-random`` (or
# UNDERSIGNED_HYPOTHESIS_PROFILE=long) runs a long random campaign instead: new examples
# on each run, more of them, and more rounds of the kill tests (see pytest_configure).
settings.register_profile("derandomized", derandomize=True, database=None, print_blob=True)
settings.register_profile("long", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("UNDERSIGNED_HYPOTHESIS_PROFILE", "derandomized"))
LONG_RANDOM = {"UNDERSIGNED_FUZZ_EXAMPLES": "1500", "UNDERSIGNED_STRESS_ROUNDS": "200",
               "UNDERSIGNED_BYTE_CHANGES": "2000"}
"""What ``--long-random`` sets, unless the environment already says otherwise."""


def pytest_addoption(parser):
    parser.addoption("--long-random", action="store_true",
                     help="a long random campaign: hypothesis explores new examples (1,500 "
                          "per property), the stress test runs 200 rounds from a new seed, a "
                          "signed PDF gets 2,000 byte changes instead of 500")


def pytest_configure(config):
    # A suite started in the background by a shell without job control (`.ci/run &`) runs
    # with Ctrl-C ignored, and an ignored signal stays ignored through exec: the commands the
    # tests interrupt would never see it. They are run as from a terminal, where it arrives.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if config.getoption("--long-random"):
        settings.load_profile("long")
        for name, value in LONG_RANDOM.items():
            os.environ.setdefault(name, value)
        os.environ.setdefault("UNDERSIGNED_STRESS_SEED", str(int.from_bytes(os.urandom(4),
                                                                            "big")))


SHIPPED_FONT = re.compile(r"^/?[A-Z]{6}\+(Undersigned-Serif(-Bold|-Italic|-BoldItalic)?"
                          r"|Noto-(Serif-Georgian|Serif-Armenian|Naskh-Arabic|Serif-CJK-SC)"
                          r"(-Bold)?)$")
"""A subset of a font undersigned ships or installs (Noto Serif as "Undersigned Serif", and
its fallbacks for Georgian, Armenian, Arabic and Chinese), as a PDF names it."""
CAMPAIGN_PARTS = ("campaign.yaml", "cases", "signatories", "templates", "catalogues")


# The modules whose tests take the longest (see the slowest 20 at the end of a run): run
# first, so that the two processes side by side (pytest -n 2) do not end with one of them
# alone on a minute-long test while the other has nothing left to do.
LONGEST_FIRST = ("test_stress", "test_hostile_surfaces", "test_kills", "test_sandbox",
                 "test_office_day", "test_signon", "test_benchmarks")


def pytest_collection_modifyitems(session, config, items):
    """Whole modules move, in their order, so that module-wide fixtures are made once."""
    def rank(item) -> int:
        name = item.module.__name__ if item.module is not None else ""
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within each group stays as collected


def copy_example(target: Path) -> Path:
    """A copy of the example campaign at the repository root, without its outputs."""
    target.mkdir(parents=True, exist_ok=True)
    for part in CAMPAIGN_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copyfile(source, target / part)
    return target


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example campaign."""
    return copy_example(tmp_path / "campaign")


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """The example campaign, built once for the session (read-only for tests)."""
    from undersigned.batch.build import build

    root = copy_example(tmp_path_factory.mktemp("built") / "campaign")
    report = build(root)
    assert not report.failed, [r.error for r in report.failed]
    return root


@pytest.fixture
def built_copy(example, built_example) -> Path:
    """``example`` as a build of it leaves it, for a test to change: the session's built
    outputs copied in, then a build that finds all of them up to date (and records their
    new inodes in the manifest). A few seconds less than a build, for each of the many
    tests that start from a built campaign."""
    from undersigned.batch.build import build

    shutil.copytree(built_example / "outputs", example / "outputs", symlinks=True)
    report = build(example, jobs=2)
    assert [r.action.value for r in report.results] == ["up-to-date"] * len(report.results)
    return example


def pdf_text(path: Path) -> str:
    """The text a reader of the PDF sees, page after page."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def pdf_pages_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def tiny_png(path: Path, width: int = 60, height: int = 24, rgb=(20, 40, 160)) -> Path:
    """Write a small solid-colour RGB PNG (a stand-in for a logo or a scanned signature)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path
