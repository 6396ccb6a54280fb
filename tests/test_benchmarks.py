"""The benchmarks cannot rot (issue 21): each runs in its quick mode here, and stops with
exit 1, never a skip, when the campaign it generates does not pass ``check``."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO
from undersigned.cli import cli

BENCHMARKS = REPO / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

QUICK = {"bench.py": "undersigned build", "bench_signon.py": "invite, 20 Members",
         "bench_tables.py": "1,000 recipients", "bench_serve.py": "save -> page shown",
         "bench_tagging.py": "tagged / untagged"}


@pytest.mark.parametrize("script", sorted(QUICK))
def test_each_benchmark_runs_in_its_quick_mode(script):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert QUICK[script] in done.stdout, done.stdout
    assert "Traceback" not in done.stderr, done.stderr


def test_the_benchmark_of_record_generates_a_campaign_that_check_passes(tmp_path):
    import bench

    root = bench.make_campaign(tmp_path / "campaign", 8)
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 0, result.output
    documents = yaml.safe_load((root / "campaign.yaml").read_text())["documents"]
    assert all(d["sign_on"]["members"] for d in documents.values())


def test_a_quick_benchmark_fails_when_its_campaign_does_not_pass_check(monkeypatch, capsys):
    """As it did when sign_on became required: the letters it generates lose their
    sign_on, and the quick mode stops with exit 1 and check's reasons."""
    import bench
    import benchlib

    def without_sign_on(root):
        campaign = yaml.safe_load((root / "campaign.yaml").read_text())
        for document in campaign["documents"].values():
            del document["sign_on"]
        (root / "campaign.yaml").write_text(yaml.safe_dump(campaign, allow_unicode=True))
        benchlib.passes_check(root)

    monkeypatch.setattr(bench, "passes_check", without_sign_on)
    with pytest.raises(SystemExit) as stopped:
        bench.main(["--quick"])
    assert str(stopped.value).startswith("the generated campaign does not pass check (exit 1):")
    assert "sign_on" in str(stopped.value)


def test_the_profile_says_where_one_copys_time_goes():
    """25: `bench.py --profile` times one copy of the example's first letter in a worker that
    has rendered it once, by step, then by package, with the toolkit's own share."""
    done = subprocess.run([sys.executable, str(BENCHMARKS / "bench.py"), "--profile"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("appeal-dzhakishev-tokmadi.president.en: ") and \
        lines[0].endswith(" ms (best of 3, after a first copy)")
    assert [line.split()[0] for line in lines[1:4]] == ["template", "layout", "drawing"]
    assert any(line.lstrip().startswith("undersigned's own") and line.endswith("%")
               for line in lines)
    unknown = subprocess.run([sys.executable, str(BENCHMARKS / "bench.py"), "--profile",
                              "nope"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("no copy 'nope' in the example; one of: ")
