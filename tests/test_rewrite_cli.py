"""`aftership-migrate rewrite`: in place, --diff, --check, --select/--ignore, stdin, output formats,
--add-todo, skipped files, atomic writes. Through click's CliRunner, and once as a real process."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, console_script
from migrator.cli import main
from _codemod import json_rows

FIXTURES = REPO / "fixtures" / "code"
# Cases where every change is fixable in a safe run (no .findings file): a second run is clean.
FIXABLE = ("httpx_clients", "aiohttp_session", "urllib_request")
# A case whose safe run leaves findings (removed endpoints).
WITH_FINDINGS = "endpoints_removed"
OLD_MTIME = 1_600_000_000  # 2020-09-13: anything the run writes gets a newer one


def rewrite(*args, input=None):
    return CliRunner().invoke(main, ["rewrite", *map(str, args)], input=input, catch_exceptions=False)


def fixture(name: str, suffix: str = ".before.py") -> bytes:
    return (FIXTURES / f"{name}{suffix}").read_bytes()


def expected_findings(name: str) -> list[tuple[int, str]]:
    path = FIXTURES / f"{name}.findings"
    if not path.exists():
        return []
    return sorted((int(n), c) for n, c in (line.split() for line in path.read_text().splitlines() if line.strip()))


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A small project: fixable files, one with findings, a look-alike and an unrelated module."""
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    for name in FIXABLE:
        (root / "pkg" / f"{name}.py").write_bytes(fixture(name))
    (root / "pkg" / "endpoints.py").write_bytes(fixture(WITH_FINDINGS))
    (root / "pkg" / "links.py").write_bytes(fixture("lookalike_track_page_links"))
    (root / "pkg" / "util.py").write_text("def add(a, b):\n    return a + b\n")
    for path in root.rglob("*.py"):
        os.utime(path, (OLD_MTIME, OLD_MTIME))
    monkeypatch.chdir(tmp_path)
    return root


def fixable_tree(tmp_path: Path) -> Path:
    root = tmp_path / "fixable"
    root.mkdir()
    for name in FIXABLE:
        (root / f"{name}.py").write_bytes(fixture(name))
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}


# --------------------------------------------------------------------------- in place

def test_in_place_rewrite_then_clean_second_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = fixable_tree(tmp_path)
    first = rewrite(root)
    assert first.exit_code == 1, first.output
    for name in FIXABLE:
        assert (root / f"{name}.py").read_bytes() == fixture(name, ".after.py")
    assert f"{len(FIXABLE)} files scanned, {len(FIXABLE)} with AfterShip code, {len(FIXABLE)} changed" in first.stderr
    second = rewrite(root)
    assert second.exit_code == 0, second.output
    assert second.stdout == ""
    assert "0 changed" in second.stderr


def test_in_place_with_findings_left_exits_1_twice(project):
    target = project / "pkg" / "endpoints.py"
    first = rewrite(target)
    assert first.exit_code == 1
    assert target.read_bytes() == fixture(WITH_FINDINGS, ".after.py")
    second = rewrite(target)
    assert second.exit_code == 1, "findings remain, so the second run still fails"
    assert target.read_bytes() == fixture(WITH_FINDINGS, ".after.py")
    assert "0 changed" in second.stderr
    lines = [line for line in second.stdout.splitlines() if line]
    assert [(int(m.group(1)), m.group(3)) for m in
            (re.match(r".*endpoints\.py:(\d+):(\d+): (AS\d{3}) ", line) for line in lines)] == \
        expected_findings(WITH_FINDINGS)


def test_finding_lines_are_ruff_style_with_the_guide_section(project):
    result = rewrite(project / "pkg" / "endpoints.py", "--check")
    line = next(l for l in result.stdout.splitlines() if " AS203 " in l)
    assert re.fullmatch(r".*endpoints\.py:31:12: AS203 .+ \(guide §2\)", line), line


def test_untouched_files_keep_bytes_and_mtime_and_no_temp_files_are_left(project):
    before = snapshot(project)
    result = rewrite(project)
    assert result.exit_code == 1
    after = snapshot(project)
    assert set(after) == set(before), "a temporary file was left behind (or a file vanished)"
    assert not [p for p in project.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    for rel in ("pkg/links.py", "pkg/util.py"):
        assert after[rel] == before[rel]
    for name in FIXABLE:
        rel = f"pkg/{name}.py"
        assert after[rel][0] == fixture(name, ".after.py")
        assert after[rel][1] > before[rel][1]


def test_atomic_write_keeps_the_file_mode(project):
    target = project / "pkg" / "httpx_clients.py"
    target.chmod(0o640)
    assert rewrite(target).exit_code == 1
    assert target.read_bytes() == fixture("httpx_clients", ".after.py")
    assert target.stat().st_mode & 0o777 == 0o640


def test_unparseable_file_is_listed_as_skipped_and_others_are_still_rewritten(project):
    legacy = project / "pkg" / "legacy.py"
    legacy.write_bytes(fixture("py2_legacy"))
    result = rewrite(project)
    assert result.exit_code == 1
    assert re.search(r"legacy\.py: skipped: does not parse", result.stderr), result.stderr
    assert legacy.read_bytes() == fixture("py2_legacy")
    assert (project / "pkg" / "httpx_clients.py").read_bytes() == fixture("httpx_clients", ".after.py")
    assert re.search(r"\b1 skipped\b", result.stderr)


# --------------------------------------------------------------------------- --diff / --check

def test_diff_writes_nothing_and_prints_a_unified_diff(project):
    before = snapshot(project)
    result = rewrite(project, "--diff")
    assert result.exit_code == 1
    assert snapshot(project) == before
    out = result.stdout
    assert re.search(r"^--- a/.*pkg/httpx_clients\.py$", out, re.M)
    assert re.search(r"^\+\+\+ b/.*pkg/httpx_clients\.py$", out, re.M)
    assert re.search(r"^@@ -\d+,\d+ \+\d+,\d+ @@", out, re.M)
    assert '-AFTERSHIP = "https://api.aftership.com/v4"\n' in out
    assert '+AFTERSHIP = "https://api.aftership.com/tracking/2025-01"\n' in out
    assert "links.py" not in out and "util.py" not in out
    assert "\x1b[" not in out, "no colours when stdout is not a terminal"


def test_diff_applies_back_to_the_after_file(tmp_path, monkeypatch):
    if shutil.which("patch") is None:
        pytest.skip("no patch(1)")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "client.py").write_bytes(fixture("requests_functions"))
    result = rewrite("client.py", "--diff")
    subprocess.run(["patch", "-p1", "-s"], input=result.stdout.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "client.py").read_bytes() == fixture("requests_functions", ".after.py")


def test_check_writes_nothing_and_exits_1(project):
    before = snapshot(project)
    result = rewrite(project, "--check")
    assert result.exit_code == 1
    assert snapshot(project) == before
    assert "---" not in result.stdout


def test_check_on_a_migrated_tree_exits_0(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in FIXABLE:
        (tmp_path / f"{name}.py").write_bytes(fixture(name, ".after.py"))
    (tmp_path / "util.py").write_text("x = 1\n")
    result = rewrite(tmp_path, "--check")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


# --------------------------------------------------------------------------- --select / --ignore

def test_select_applies_only_the_chosen_rules(project):
    target = project / "pkg" / "httpx_clients.py"
    result = rewrite(target, "--select", "AS101")
    assert result.exit_code == 1
    text = target.read_text()
    assert "https://api.aftership.com/tracking/2025-01" in text
    assert '"aftership-api-key"' in text and '"as-api-key"' not in text
    assert '["data"]["tracking"]' in text, "AS402 was not selected"


def test_select_takes_prefixes_and_commas(project):
    target = project / "pkg" / "httpx_clients.py"
    assert rewrite(target, "--select", "AS101,AS102", "--select", "AS4").exit_code == 1
    text = target.read_text()
    assert '"as-api-key"' in text and '["data"]["tracking"]' not in text
    assert 'c["service_from_country_iso3"]' in text, "AS501 was not selected"


def test_ignore_skips_the_chosen_rules(project):
    target = project / "pkg" / "httpx_clients.py"
    assert rewrite(target, "--ignore", "AS102").exit_code == 1
    text = target.read_text()
    assert '"aftership-api-key"' in text
    assert "https://api.aftership.com/tracking/2025-01" in text
    assert 'c["service_from_country_regions"]' in text


def test_ignore_silences_findings(project):
    target = project / "pkg" / "endpoints.py"
    result = rewrite(target, "--check", "--ignore", "AS2")
    assert result.exit_code == 1  # still changes to make
    assert " AS20" not in result.stdout
    assert rewrite(target, "--check", "--select", "AS2").stdout.count(" AS20") == len(expected_findings(WITH_FINDINGS))


def test_unknown_rule_code_is_a_usage_error(project):
    result = CliRunner().invoke(main, ["rewrite", str(project), "--select", "XYZ"])
    assert result.exit_code == 2
    assert "XYZ" in result.stderr


def test_a_code_of_the_right_form_that_names_no_rule_is_a_usage_error(project):
    before = {p: p.read_bytes() for p in project.rglob("*.py")}
    result = CliRunner().invoke(main, ["rewrite", str(project), "--ignore", "AS999"])
    assert result.exit_code == 2
    assert "AS999" in result.stderr
    assert {p: p.read_bytes() for p in project.rglob("*.py")} == before


# --------------------------------------------------------------------------- stdin

def test_stdin_to_stdout():
    result = rewrite("-", input=fixture("requests_functions"))
    assert result.exit_code == 1
    assert result.stdout_bytes == fixture("requests_functions", ".after.py")
    assert re.search(r"^-:21:\d+: AS307 ", result.stderr, re.M), result.stderr


def test_stdin_with_unsafe_fixes():
    result = rewrite("-", "--unsafe-fixes", input=fixture("requests_functions"))
    assert result.stdout_bytes == fixture("requests_functions", ".after-unsafe.py")
    assert " AS307 " not in result.stderr


def test_stdin_already_migrated_exits_0():
    source = fixture("httpx_clients", ".after.py")
    result = rewrite("-", input=source)
    assert result.exit_code == 0
    assert result.stdout_bytes == source


def test_stdin_check_writes_nothing():
    source = fixture("httpx_clients")
    result = rewrite("-", "--check", input=source)
    assert result.exit_code == 1
    assert result.stdout_bytes == b""


def test_stdin_keeps_crlf_and_bom():
    for name in ("crlf_endings", "utf8_bom", "latin1_cookie"):
        assert rewrite("-", input=fixture(name)).stdout_bytes == fixture(name, ".after.py"), name


def test_stdin_unparseable_is_echoed_and_reported():
    source = fixture("py2_legacy")
    result = rewrite("-", input=source)
    assert result.stdout_bytes == source
    assert "-: skipped: does not parse" in result.stderr


def test_stdin_cannot_be_mixed_with_paths(project):
    result = CliRunner().invoke(main, ["rewrite", "-", str(project)], input=b"")
    assert result.exit_code == 2


def test_stdin_diff_prints_a_diff():
    result = rewrite("-", "--diff", input=fixture("httpx_clients"))
    assert result.exit_code == 1
    assert re.search(r"^@@ ", result.stdout, re.M)
    assert '+AFTERSHIP = "https://api.aftership.com/tracking/2025-01"\n' in result.stdout


def test_stdin_json_findings():
    result = rewrite("-", "--output-format", "json", input=fixture(WITH_FINDINGS))
    rows = [row for row in json_rows(result.stderr) if not row["fixed"]]
    assert sorted((r["line"], r["code"]) for r in rows) == expected_findings(WITH_FINDINGS)


# --------------------------------------------------------------------------- output formats

def test_json_output(project):
    result = rewrite(project, "--check", "--output-format", "json")
    assert result.exit_code == 1
    rows = [row for row in json_rows(result.stdout) if not row["fixed"]]
    assert {Path(r["path"]).name for r in rows} == {"endpoints.py"}
    assert sorted((r["line"], r["code"]) for r in rows) == expected_findings(WITH_FINDINGS)
    for row in rows:
        assert set(row) >= {"path", "line", "column", "code", "message", "guide"}
        assert row["guide"].startswith("guide §")


def test_json_output_is_an_empty_list_when_clean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_bytes(fixture("httpx_clients", ".after.py"))
    result = rewrite(tmp_path, "--check", "--output-format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["files"] == []


def test_github_output(project):
    result = rewrite(project, "--check", "--output-format", "github")
    lines = [l for l in result.stdout.splitlines() if l and not l.startswith("::error ")]
    assert len(lines) == len(expected_findings(WITH_FINDINGS))
    rewrites = [l for l in result.stdout.splitlines() if l.startswith("::error ")]
    assert rewrites and all(re.fullmatch(r"::error file=.*\.py,title=aftership-migrate::would be rewritten "
                                         r"\(.+\); run aftership-migrate rewrite", l) for l in rewrites)
    for line in lines:
        assert re.fullmatch(r"::warning file=.*endpoints\.py,line=\d+,col=\d+,title=AS\d{3}::.+", line), line
    assert any(",line=31,col=12,title=AS203::" in l for l in lines)


# --------------------------------------------------------------------------- --add-todo

def test_add_todo_adds_each_marker_once(project):
    target = project / "pkg" / "endpoints.py"
    first = rewrite(target, "--add-todo")
    assert first.exit_code == 1
    text = target.read_text()
    for code in ("AS201", "AS202", "AS203"):
        assert f"# TODO(aftership-migrate): {code}" in text
    markers = text.count("# TODO(aftership-migrate):")
    assert markers == len(set(expected_findings(WITH_FINDINGS)))  # one per statement and rule
    # The marker sits on its own line right above the statement it is about.
    lines = text.splitlines()
    index = next(i for i, l in enumerate(lines) if "TODO(aftership-migrate): AS203" in l)
    assert "/notifications/" in lines[index + 1]
    assert lines[index].startswith("    # ")

    second = rewrite(target, "--add-todo")
    assert second.exit_code == 1, "the findings are still there"
    assert target.read_text() == text, "a second --add-todo run must not add markers again"
    assert "0 changed" in second.stderr


def test_add_todo_on_a_file_that_needs_no_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "hook.py"
    target.write_text('def hook(request):\n    sig = request.headers["aftership-hmac-sha256"]\n')
    assert rewrite(target, "--add-todo").exit_code == 1
    text = target.read_text()
    assert text.count("# TODO(aftership-migrate): AS104") == 1
    assert rewrite(target, "--add-todo").exit_code == 1
    assert target.read_text() == text


# --------------------------------------------------------------------------- a real process

def test_console_script_end_to_end(tmp_path):
    script = console_script()
    root = fixable_tree(tmp_path)
    (root / "legacy.py").write_bytes(fixture("py2_legacy"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    first = subprocess.run([str(script), "rewrite", str(root)], capture_output=True, cwd=tmp_path, env=env,
                           timeout=120)
    assert first.returncode == 1, first.stderr.decode()
    for name in FIXABLE:
        assert (root / f"{name}.py").read_bytes() == fixture(name, ".after.py")
    assert b"legacy.py: skipped: does not parse" in first.stderr
    second = subprocess.run([str(script), "rewrite", str(root)], capture_output=True, cwd=tmp_path, env=env,
                            timeout=120)
    assert second.returncode == 0, second.stderr.decode()
    assert second.stdout == b""
    piped = subprocess.run([str(script), "rewrite", "-"], input=fixture("crlf_endings"), capture_output=True,
                           cwd=tmp_path, env=env, timeout=120)
    assert piped.returncode == 1
    assert piped.stdout == fixture("crlf_endings", ".after.py")


# --------------------------------------------------------------------------- --show-fixes

def test_show_fixes_says_why_each_changed_line_changed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "client.py").write_text(
        'import requests\nAPI = "https://api.aftership.com/v4"\n\n\ndef get(tid):\n'
        '    return requests.get(f"{API}/trackings/{tid}").json()["data"]["tracking"]["origin_country_iso3"]\n')
    result = rewrite(tmp_path, "--check", "--show-fixes", "--output-format", "json")
    rows = json_rows(result.stdout)
    assert sorted((r["line"], r["code"], r["fixed"]) for r in rows) == [(2, "AS101", True), (6, "AS311", True),
                                                                        (6, "AS402", True)]
    assert all(r["message"].startswith("fixed: ") for r in rows)
    text = rewrite(tmp_path, "--check", "--show-fixes").stdout
    assert "client.py:2:7: AS101 fixed: The v4 base URL becomes" in text
    assert "fixed" not in rewrite(tmp_path, "--check").stdout  # findings only by default
