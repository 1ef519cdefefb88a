"""Rewrites keep files as they were (issue 10, points 6 and 7): symlinks, hard links, mode,
owner, group; a file changed or deleted during the run is left alone; odd trees and configs
give messages, not tracebacks; newer syntax than the interpreter's is rewritten; the tool's own
package is never touched."""

from __future__ import annotations

import os
import stat
import sys

import pytest
from click.testing import CliRunner

import migrator
import migrator.atomic
from migrator.cli import main

V4 = 'import requests\nrequests.get("https://api.aftership.com/v4/trackings")\n'


def rewrite(*args, cwd=None):
    return CliRunner().invoke(main, ["rewrite", "--jobs", "1", *map(str, args)], catch_exceptions=False)


def migrated(path) -> bool:
    return "tracking/2025-01" in path.read_text()


def test_a_symlink_in_a_tree_stays_a_link_and_its_target_is_rewritten_once(tmp_path):
    (tmp_path / "real.py").write_text(V4)
    (tmp_path / "link.py").symlink_to("real.py")
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "self").symlink_to("..", target_is_directory=True)  # a loop: no traceback
    (tmp_path / "dangling.py").symlink_to("nowhere.py")
    result = rewrite(tmp_path)
    assert result.exit_code == 1, result.output
    assert "1 changed" in result.output
    assert os.path.islink(tmp_path / "link.py") and os.readlink(tmp_path / "link.py") == "real.py"
    assert migrated(tmp_path / "real.py")


def test_a_symlink_named_explicitly_writes_through_only_inside_the_given_paths(tmp_path, monkeypatch):
    inside, outside = tmp_path / "project", tmp_path / "elsewhere"
    inside.mkdir(), outside.mkdir()
    (inside / "real.py").write_text(V4)
    (inside / "link.py").symlink_to("real.py")
    (outside / "theirs.py").write_text(V4)
    (inside / "out.py").symlink_to(outside / "theirs.py")
    monkeypatch.chdir(inside)
    result = rewrite("link.py", "out.py")
    assert os.path.islink(inside / "link.py") and migrated(inside / "real.py")
    assert "out.py: skipped: a symlink to" in result.output and not migrated(outside / "theirs.py")


def test_a_hard_linked_file_is_left_alone_and_said_so(tmp_path):
    (tmp_path / "a.py").write_text(V4)
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    result = rewrite(tmp_path / "a.py")
    assert "a.py: skipped:" in result.output and "2 hard links" in result.output
    assert (tmp_path / "a.py").read_text() == V4 and os.stat(tmp_path / "a.py").st_nlink == 2


def test_mode_owner_and_group_are_kept(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(V4)
    os.chmod(path, 0o640)
    owner = None
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # only root can give a file to someone else
        owner = (12345, 54321)
        os.chown(path, *owner)
    assert rewrite(path).exit_code == 1
    assert migrated(path)
    info = os.stat(path)
    assert stat.S_IMODE(info.st_mode) == 0o640
    if owner is not None:
        assert (info.st_uid, info.st_gid) == owner


@pytest.mark.parametrize("meddle", ["edit", "delete"])
def test_a_file_changed_or_deleted_during_the_run_is_left_alone(tmp_path, monkeypatch, meddle):
    path = tmp_path / "a.py"
    path.write_text(V4)
    real = migrator.atomic.write_bytes_atomic

    def write(target, data, expected=None):
        if meddle == "edit":
            path.write_text(V4 + "# edited by someone meanwhile\n")
        else:
            path.unlink()
        return real(target, data, expected)

    monkeypatch.setattr(migrator.atomic, "write_bytes_atomic", write)
    result = rewrite(path)
    assert "a.py: skipped:" in result.output
    if meddle == "edit":
        assert "changed during the run" in result.output and path.read_text().endswith("meanwhile\n")
    else:
        assert "deleted during the run" in result.output and not path.exists()


def test_leftovers_of_a_killed_run_are_removed_by_the_next(tmp_path):
    (tmp_path / "a.py").write_text(V4)
    dead = tmp_path / f".a.py.x1y2{migrator.atomic.TEMP_MARK}999999999.tmp"  # no such process
    alive = tmp_path / f".a.py.x3y4{migrator.atomic.TEMP_MARK}{os.getppid()}.tmp"
    dead.write_text("half"), alive.write_text("in use")
    assert rewrite(tmp_path / "a.py").exit_code == 1
    assert not dead.exists() and alive.exists()


def test_translate_in_place_leaves_an_input_changed_meanwhile(tmp_path, monkeypatch):
    from migrator.payload import run as archive_run

    path = tmp_path / "t.jsonl"
    path.write_text('{"meta":{"code":200},"data":{"tracking":{"tracking_number":"1"}}}\n')
    real = archive_run.convert_record

    def convert(*args):
        if not path.read_text().endswith('"meanwhile"}\n'):
            with open(path, "a") as handle:
                handle.write('{"appended":"meanwhile"}\n')
        return real(*args)

    monkeypatch.setattr(archive_run, "convert_record", convert)
    result = CliRunner().invoke(main, ["translate", "--in-place", str(path)], catch_exceptions=False)
    assert result.exit_code == 1 and "changed during the run: left alone" in result.output
    assert path.read_text().endswith('{"appended":"meanwhile"}\n')


@pytest.mark.parametrize("text", ["[tool]\naftership-migrate = 5\n", "[tool.aftership-migrate\n",
                                  "[tool.aftership-migrate]\nselect = 5\n"])
def test_a_malformed_configuration_is_a_message(tmp_path, monkeypatch, text):
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "a.py").write_text(V4)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["rewrite", "a.py"])
    assert result.exit_code == 2 and "pyproject.toml" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the host reads this syntax itself")
def test_syntax_newer_than_the_interpreter_is_rewritten(tmp_path):
    path = tmp_path / "new.py"
    path.write_text('type Key = str\nx = f"{"a"}"\n' + V4)
    result = rewrite(path)
    assert result.exit_code == 1, result.output
    assert migrated(path) and path.read_text().startswith("type Key = str\n")


def test_the_tools_own_package_is_never_rewritten(tmp_path):
    package = os.path.dirname(migrator.__file__)
    before = {name: open(os.path.join(package, name), "rb").read() for name in os.listdir(package)
              if name.endswith(".py")}
    result = rewrite(package, os.path.join(package, "catalogue.py"))
    assert "0 files scanned" in result.output
    assert all(open(os.path.join(package, name), "rb").read() == data for name, data in before.items())


@pytest.mark.parametrize("flags", [["--add-todo"], ["--unsafe-fixes", "--add-todo"]])
def test_a_second_rewrite_changes_nothing(tmp_path, flags):
    """Idempotence over every code fixture and behaviour client (issue 10 point 4): a fix is
    never reported again by its rule, so no TODO is added the second time."""
    import shutil

    from conftest import REPO

    for name in ("code", "clients"):
        shutil.copytree(REPO / "fixtures" / name, tmp_path / name)
    CliRunner().invoke(main, ["rewrite", "-q", *flags, str(tmp_path)], catch_exceptions=False)
    first = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    CliRunner().invoke(main, ["rewrite", "-q", *flags, str(tmp_path)], catch_exceptions=False)
    changed = sorted(str(p.relative_to(tmp_path)) for p, data in first.items() if p.read_bytes() != data)
    assert changed == []


def test_a_suppression_comment_after_a_form_feed_covers_its_own_line(tmp_path):
    path = tmp_path / "ff.py"
    path.write_text('import requests\n\x0c\nAPI = "https://api.aftership.com/v4"  # aftership-migrate: ignore[AS101]\n'
                    'requests.get(API + "/trackings", headers={"aftership-api-key": "k"})\n')
    result = rewrite("--check", path)
    assert "AS101" not in result.output


def test_a_file_over_the_size_limit_is_skipped_and_listed(tmp_path):
    path = tmp_path / "generated.py"
    path.write_text(V4 + "DATA = [\n" + '    {"origin_country_iso3": "USA"},\n' * 4_000 + "]\n")  # 140 KB
    result = rewrite("--max-file-size", "0.1", path)
    assert "generated.py: skipped:" in result.output and "over --max-file-size 0.1 MB" in result.output
    assert path.read_text().startswith(V4)
    assert rewrite("--max-file-size", "0", "--check", path).exit_code == 1  # no limit: read, and found


def test_translate_names_a_failed_write_as_a_write(tmp_path, monkeypatch):
    import contextlib
    import errno
    import io

    from migrator.payload import run as archive_run

    class FullDisk(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive_run, "atomic_writer", lambda *args: contextlib.nullcontext(FullDisk()))
    source, target = tmp_path / "t.jsonl", tmp_path / "out.jsonl"
    source.write_text('{"meta":{"code":200},"data":{"tracking":{"tracking_number":"1"}}}\n')
    result = CliRunner().invoke(main, ["translate", str(source), "-o", str(target)], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"cannot write {target}: No space left on device" in result.output


def test_the_rule_catalogue_is_never_rewritten():
    import importlib.util

    folder = list(importlib.util.find_spec("migrator.rules").submodule_search_locations)[0]
    result = rewrite("--check", folder, os.path.join(folder, "envelopes.py"))
    assert "0 files scanned" in result.output


def test_a_walk_removes_what_killed_runs_left_even_where_it_writes_nothing(tmp_path):
    (tmp_path / "plain.py").write_text("x = 1\n")
    dead = tmp_path / f".plain.py.x1y2{migrator.atomic.TEMP_MARK}999999999.tmp"
    dead.write_text("half")
    rewrite("--check", tmp_path)
    assert not dead.exists()


def test_a_pyproject_whose_tool_is_no_table_is_not_ours_to_judge(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("tool = 3\n")
    (tmp_path / "a.py").write_text(V4)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["rewrite", "--check", "a.py"])
    assert result.exit_code == 1 and "would rewrite a.py" in result.output  # no configuration, no traceback
