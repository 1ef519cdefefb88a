"""Issue 13's promise, run: a project whose tests mock AfterShip's v4 API with each mocking library
passes them before; after one `aftership-migrate rewrite .` it passes them again, and every request
its code sends is a 2025-01 request (recorded by tests/sample_recorder.py, below every mock).
The suite also replays a vcrpy cassette, matched on method, URI and body."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

TESTS = Path(__file__).resolve().parent
SAMPLE = TESTS.parent / "fixtures" / "projects" / "shop_tests"


def _run_suite(project: Path, log: Path) -> list[dict]:
    env = {**os.environ, "SAMPLE_REQUESTS": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, (str(TESTS), os.environ.get("PYTHONPATH"))))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sample_recorder",
                           "tests"], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return [json.loads(line) for line in log.read_text().splitlines()]


def _rewrite(project: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "migrator", "rewrite", "--no-cache", "--output-format", "json", "."],
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_the_sample_suite_passes_before_and_after_one_rewrite_and_sends_only_2025_01(tmp_path):
    project = tmp_path / "shop_tests"
    shutil.copytree(SAMPLE, project)
    before = _run_suite(project, tmp_path / "before.jsonl")
    assert len(before) == 10 and all(urlsplit(r["url"]).path.startswith("/v4/") for r in before)
    assert all("aftership-api-key" in r["headers"] for r in before)

    report = _rewrite(project)
    findings = [(Path(f["path"]).name, finding["code"]) for f in report["files"] for finding in f["findings"]]
    assert findings == [("test_back_office_respx.py", "AS810")]  # the list mock's page and limit: nowhere to go

    after = _run_suite(project, tmp_path / "after.jsonl")
    assert [(r["method"]) for r in after] == [r["method"] for r in before]
    for request in after:
        assert urlsplit(request["url"]).path.startswith("/tracking/2025-01/"), request
        assert request["headers"].get("as-api-key") == "test-key" and "aftership-api-key" not in request["headers"]
        body = json.loads(request["body"]) if request["body"] else {}
        assert "tracking" not in body, request  # unwrapped
    assert _rewrite(project)["summary"]["changed"] == 0  # a second run has nothing to do
