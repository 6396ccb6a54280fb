"""Builds killed at many moments while Members sign between rounds: nothing lost, no stale copy passed off as current.

The suite's version is bounded and the same on every machine: 20 rounds, the moments of
the kills spread evenly from 0.3 to 3.5 s, the signals and the signatures drawn from a
fixed seed (about a minute and a half on two cores). ``--long-random`` (or
``UNDERSIGNED_STRESS_ROUNDS`` and ``UNDERSIGNED_STRESS_SEED``) runs a longer campaign of
kills from a new seed, e.g. ``.venv/bin/python -m pytest --long-random tests/test_stress.py``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from certs import make_authority, make_signer
from conftest import REPO, pdf_text
from test_integrity import (LETTERS, describe, finished, leftovers, rename_benifei, run, spawn,
                            tag_env, whole)
from undersigned.batch.build import build
from undersigned.pdf.inspect import signed_fields

ROUNDS = int(os.environ.get("UNDERSIGNED_STRESS_ROUNDS", "20"))
SEED = int(os.environ.get("UNDERSIGNED_STRESS_SEED", "2017"))
SIGNERS = {"panzeri": "Pier Antonio Panzeri", "delvaux": "Mady Delvaux", "gomes": "Ana Gomes"}


@pytest.fixture(scope="module")
def p12s(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    authority = make_authority(folder)
    return {member: make_signer(folder, authority, name, 20 + i)
            for i, (member, name) in enumerate(SIGNERS.items())}


def sign_in_another_process(pdf: Path, member: str, p12: Path, tag: str,
                            wait: str = "30") -> subprocess.CompletedProcess:
    env = {**os.environ, "UNDERSIGNED_P12_PASSPHRASE": "secret", "UNDERSIGNED_LOCK_WAIT": wait,
           **tag_env(tag)}
    return subprocess.run([sys.executable, "-m", "undersigned.cli", "sign", str(pdf),
                           "--signatory", member, "--p12", str(p12)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_builds_killed_at_random_while_members_sign_lose_nothing(example, p12s):
    outputs = example / "outputs"
    assert not build(example, jobs=2).failed
    chance = random.Random(SEED)
    signed: dict[str, set[str]] = {}
    for round_ in range(ROUNDS):
        rename_benifei(example, f"Brando{round_}")
        how = chance.choice([signal.SIGKILL, signal.SIGTERM])
        tag = f"stress{round_}"
        process = spawn("build", example, "-j", "2", tag=tag)
        time.sleep(0.3 + 3.2 * round_ / max(ROUNDS - 1, 1))  # the moment is what varies
        process.send_signal(how)
        stdout, stderr = finished(process, tag)
        assert "Traceback" not in stderr, stderr
        # (-15: SIGTERM came while the interpreter was starting, before the command began)
        assert process.returncode in (0, -9, 143) or (
            process.returncode == -15 and not stdout), (round_, process.returncode, stderr)
        assert leftovers(tag) == [], describe(leftovers(tag))
        assert all(whole(pdf) for pdf in outputs.glob("*.pdf")), round_
        if chance.random() < 0.5:  # a Member signs a letter between two builds
            letter, member = chance.choice(LETTERS), chance.choice(sorted(SIGNERS))
            if member not in signed.get(letter, set()):
                result = sign_in_another_process(outputs / letter, member, p12s[member],
                                                 f"sign{round_}")
                assert result.returncode == 0, result.stderr
                signed.setdefault(letter, set()).add(member)

    final = run("build", example, "-j", "2")
    assert final.exit_code == 0, final.output
    assert " 0 failed" in final.output
    for letter in LETTERS:
        data = (outputs / letter).read_bytes()
        assert set(signed_fields(data)) == {f"sig-{m}" for m in signed.get(letter, set())}
        if letter not in signed:
            assert f"Brando{ROUNDS - 1} BENIFEI" in pdf_text(outputs / letter), letter
    # A letter signed before a later round renamed Benifei was signed over an earlier
    # build: it is "signed-stale" (kept, never overwritten); every other copy is current.
    status = run("status", example)
    states = {}
    for line in status.output.splitlines():
        state, _, names = line.partition(" ")
        for name in names.strip().split(", "):
            states[name] = state
    for name, state in states.items():
        if name in signed:
            assert state in ("signed", "signed-stale"), (name, status.output)
        elif name.endswith((".pdf", ".txt", ".html", ".md")):
            assert state == "up-to-date", (name, status.output)
    stale = [name for name, state in states.items() if state == "signed-stale"]
    assert status.exit_code == (1 if stale else 0), status.output


def test_a_signature_and_a_build_at_once_both_land(example, p12s):
    """``sign`` waits for the build that holds the folder, then signs what it wrote."""
    outputs = example / "outputs"
    assert not build(example, jobs=2).failed
    rename_benifei(example, "Brando Maria")
    letter = outputs / LETTERS[3]
    process = spawn("build", example, "-j", "1", tag="both-build")
    lock = outputs / ".undersigned.lock"
    deadline = time.monotonic() + 30
    while not lock.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)  # the build holds the folder
    result = sign_in_another_process(letter, "panzeri", p12s["panzeri"], "both-sign",
                                     wait="120")
    stdout, stderr = finished(process, "both-build")
    assert process.returncode == 0, stderr
    assert "10 built, 0 up to date, 0 kept" in stdout
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("waiting for process ")
    assert signed_fields(letter.read_bytes()) == ["sig-panzeri"]
    assert "Brando Maria BENIFEI" in pdf_text(letter)  # it signed the rebuilt letter
    assert run("status", example).output.splitlines()[-1] == "1 signed, 9 up-to-date"
