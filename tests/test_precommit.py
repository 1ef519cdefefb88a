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


def readme_precommit_config(repo: str, rev: str) -> str:
    """The README's pre-commit block, with its two values replaced as the README says to."""
    text = (REPO / "README.md").read_text()
    block = text.split("## pre-commit and CI\n", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    lines = []
    for line in block.splitlines(keepends=True):
        key = line.strip().split(":", 1)[0].lstrip("- ")
        if key in ("repo", "rev"):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}{'- ' if line.lstrip().startswith('-') else ''}{key}: {repo if key == 'repo' else rev}\n"
        lines.append(line)
    return "".join(lines)


CONSTANTS = 'AFTERSHIP_API = "https://api.aftership.com/v4"\nHEADERS = {"aftership-api-key": "KEY"}\n'
STAGED = '''import requests

from shop.settings import AFTERSHIP_API, HEADERS


def tag(tracking_id):
    body = requests.get(f"{AFTERSHIP_API}/trackings/{tracking_id}", headers=HEADERS).json()
    return body["data"]["tracking"]["tag"]
'''


def test_the_readme_snippet_works_in_a_commit_of_one_staged_file(tmp_path):
    """The README's block as written (repo and rev filled in), installed as a git hook; the staged
    file's AfterShip URL lives in a module that is not staged."""
    pre_commit = _pre_commit()
    env = _env(tmp_path)
    if subprocess.run(["git", "status", "--porcelain", "--", "migrator", "rules", ".pre-commit-hooks.yaml",
                       "pyproject.toml"], cwd=REPO, capture_output=True, text=True).stdout.strip():
        pytest.skip("the checkout has uncommitted changes to the tool: pre-commit installs the committed one")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    root = tmp_path / "shop-project"
    (root / "shop").mkdir(parents=True)
    _git(root, "init", "-q")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "settings.py").write_text(CONSTANTS)
    (root / ".pre-commit-config.yaml").write_text(readme_precommit_config(str(REPO), rev))
    _git(root, "add", ".")
    subprocess.run(["git", "commit", "-q", "-m", "before the hook", "--no-verify"], cwd=root, env=env, check=True)
    subprocess.run([pre_commit, "install"], cwd=root, env=env, check=True, capture_output=True)
    (root / "shop" / "orders.py").write_text(STAGED)
    _git(root, "add", "shop/orders.py")
    first = subprocess.run(["git", "commit", "-m", "orders"], cwd=root, env=env, capture_output=True, text=True,
                           timeout=600)
    output = first.stdout + first.stderr
    assert first.returncode != 0 and "files were modified by this hook" in output, output
    assert "AS402: 1 fixed" in output  # the URL and header are in shop/settings.py, not staged
    assert 'return body["data"]["tag"]' in (root / "shop" / "orders.py").read_text()
    assert (root / "shop" / "settings.py").read_text() == CONSTANTS  # not staged: not rewritten
    _git(root, "add", "shop/orders.py")
    second = subprocess.run(["git", "commit", "-m", "orders"], cwd=root, env=env, capture_output=True, text=True,
                            timeout=600)
    assert second.returncode == 0, second.stdout + second.stderr
    # A staged cassette is handed to the hook and migrated; a staged text file of another kind is not
    # (the tool would read it as Python).
    cassette = root / "tests" / "cassettes" / "tag.yaml"
    cassette.parent.mkdir(parents=True)
    cassette.write_text(CASSETTE)
    (root / "NOTES.txt").write_text("we call https://api.aftership.com/v4 here\n")
    _git(root, "add", "tests/cassettes/tag.yaml", "NOTES.txt")
    third = subprocess.run(["git", "commit", "-m", "cassette"], cwd=root, env=env, capture_output=True, text=True,
                           timeout=600)
    output = third.stdout + third.stderr
    assert third.returncode != 0 and "files were modified by this hook" in output and "E001" not in output, output
    assert "uri: https://api.aftership.com/tracking/2025-01/trackings/t1" in cassette.read_text()


CASSETTE = """interactions:
- request:
    body: null
    headers:
      aftership-api-key:
      - k
    method: GET
    uri: https://api.aftership.com/v4/trackings/t1
  response:
    body:
      string: '{"meta": {"code": 200}, "data": {"tracking": {"id": "t1", "tag": "Delivered"}}}'
    headers: {}
    status:
      code: 200
      message: OK
version: 1
"""
