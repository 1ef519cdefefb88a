"""The pre-commit hooks, driven by the real pre-commit against a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
V4_FILE = '''import requests

API = "https://api.aftership.com/v4"
HEADERS = {"aftership-api-key": "KEY"}


def tag(tracking_id):
    body = requests.get(f"{API}/trackings/{tracking_id}", headers=HEADERS).json()
    return body["data"]["tracking"]["tag"]
'''


def _pre_commit() -> str:
    found = Path(sys.executable).with_name("pre-commit")
    if not found.exists():
        pytest.skip("pre-commit is not installed (it is in the test extra)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return str(found)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "client.py").write_text(V4_FILE)
    _git(root, "add", "client.py")
    return root


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env.update(PRE_COMMIT_HOME=str(tmp_path / "cache"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    return env


def _try_repo(project: Path, hook: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([_pre_commit(), "try-repo", str(REPO), hook, "--files", "client.py"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600)


def test_rewriting_hook_fails_then_passes(project, tmp_path):
    env = _env(tmp_path)
    first = _try_repo(project, "aftership-migrate", env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    text = (project / "client.py").read_text()
    assert "https://api.aftership.com/tracking/2025-01" in text and '"as-api-key"' in text
    assert 'body["data"]["tag"]' in text
    second = _try_repo(project, "aftership-migrate", env)
    assert second.returncode == 0, second.stdout + second.stderr


def test_check_hook_fails_and_writes_nothing(project, tmp_path):
    result = _try_repo(project, "aftership-migrate-check", _env(tmp_path))
    assert result.returncode == 1
    assert (project / "client.py").read_text() == V4_FILE
