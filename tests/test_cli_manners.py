"""The CLI in CI and on a terminal (issue 11, points 2, 3 and 7): no green run on a missing
path, every file --check would change named, colours and progress as terminal users expect."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from migrator.cli import main, use_color
from migrator.codemod.output import Progress

V4 = 'URL = "https://api.aftership.com/v4/trackings"\n'


def invoke(*args, env=None):
    return CliRunner().invoke(main, [*map(str, args)], env=env)


@pytest.mark.parametrize("command", [["rewrite", "--check"], ["translate"]])
def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path, command):
    result = invoke(*command, tmp_path / "no-such-folder")
    assert result.exit_code == 2 and "no such file or directory" in result.output


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_must_be_at_least_one(tmp_path, jobs):
    (tmp_path / "a.py").write_text(V4)
    assert invoke("rewrite", "--check", "--jobs", jobs, tmp_path).exit_code == 2
    assert invoke("translate", "--jobs", jobs, tmp_path).exit_code == 2


def test_check_names_every_file_it_would_rewrite(tmp_path):
    (tmp_path / "a.py").write_text(V4)
    text = invoke("rewrite", "--check", tmp_path / "a.py")
    assert text.exit_code == 1 and f"would rewrite {tmp_path / 'a.py'}" in text.output
    github = invoke("rewrite", "--check", "--output-format", "github", tmp_path / "a.py")
    assert f"::error file={tmp_path / 'a.py'},title=aftership-migrate::would be rewritten (AS101 x1)" in github.output
    assert (tmp_path / "a.py").read_text() == V4


@pytest.mark.parametrize(("option", "env", "tty", "expected"), [
    ("auto", {}, True, True), ("auto", {}, False, False), ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"FORCE_COLOR": "1"}, False, True), ("auto", {"TERM": "dumb"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True), ("never", {"FORCE_COLOR": "1"}, True, False),
])
def test_colour_follows_the_conventions(monkeypatch, option, env, tty, expected):
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = io.StringIO()
    stream.isatty = lambda: tty
    assert use_color(option, stream) is expected


def test_the_progress_bar_is_cleared_before_a_line_is_printed():
    stream = io.StringIO()
    stream.isatty = lambda: True
    bar = Progress(40, stream, enabled=True)
    bar.step()
    bar.clear()
    assert stream.getvalue().endswith("\r" + " " * 60 + "\r")
    bar.clear()  # nothing shown: nothing written
    assert stream.getvalue().count("\r" + " " * 60 + "\r") == 1


@pytest.mark.parametrize(("text", "starts"), [
    ('{\n    "tracking": {\n        "tracking_number": "1",\n        "title": "t"\n    }\n}\n', '{\n    "tracking_number"'),
    ('{\n\t"tracking": {\n\t\t"tracking_number": "1",\n\t\t"title": "t"\n\t}\n}\n', '{\n\t"tracking_number"'),
    ('{"tracking": {"tracking_number": "1", "title": "t"}}\n', '{"tracking_number":"1"'),
])
def test_a_translated_document_keeps_its_indentation_style(tmp_path, text, starts):
    source = tmp_path / "in.json"
    source.write_text(text)
    result = invoke("translate", "-q", source)
    assert result.exit_code == 0 and result.stdout.startswith(starts)


def test_in_place_leaves_an_unchanged_or_failed_document_untouched_and_o_copies_it(tmp_path):
    current = tmp_path / "current.json"
    current.write_text('{"tracking_number": "1", "title": "t", "customers": []}\n')
    failed = tmp_path / "failed.json"
    failed.write_text('{"meta": {"code": 200}, "data": {"mystery": 1}}\n')  # no known body
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (current, failed)}
    invoke("translate", "--in-place", "--kind", "create-tracking-request", current)
    invoke("translate", "--in-place", failed)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (current, failed)} == before
    out = tmp_path / "out.json"
    assert invoke("translate", failed, "-o", out).exit_code == 1
    assert out.read_text() == failed.read_text()


def test_translate_exclude_leaves_matching_files_out(tmp_path):
    (tmp_path / "in" / "cache").mkdir(parents=True)
    for name in ("keep.json", "cache/skip.json"):
        (tmp_path / "in" / name).write_text('{"tracking": {"tracking_number": "1", "title": "t"}}')
    result = invoke("translate", tmp_path / "in", "-o", tmp_path / "out", "--exclude", "cache/")
    assert result.exit_code == 0 and "1 documents in 1 files" in result.output
    assert (tmp_path / "out" / "keep.json").exists() and not (tmp_path / "out" / "cache").exists()


def test_diff_and_json_output_exclude_each_other(tmp_path):
    (tmp_path / "a.py").write_text(V4)
    result = invoke("rewrite", "--diff", "--output-format", "json", tmp_path / "a.py")
    assert result.exit_code == 2 and "exclude each other" in result.output


@pytest.mark.parametrize(("fmt", "expected"), [
    ("text", ":2:1: E001 not checked: does not parse"),
    ("github", ",line=2,title=E001::not checked: does not parse"),
])
def test_an_aftership_file_that_does_not_parse_fails_check(tmp_path, fmt, expected):
    path = tmp_path / "py2.py"
    path.write_text('import requests\nprint "https://api.aftership.com/v4/trackings"\n')
    result = invoke("rewrite", "--check", "--output-format", fmt, path)
    assert result.exit_code == 2 and expected in result.output
    plain = invoke("rewrite", path)  # without --check it is listed and skipped, as before
    assert plain.exit_code == 0 and "py2.py: skipped: does not parse" in plain.output


def test_an_unread_file_is_a_row_of_the_json_output(tmp_path):
    import json

    path = tmp_path / "py2.py"
    path.write_text('import requests\nprint "https://api.aftership.com/v4/trackings"\n')
    result = CliRunner().invoke(main, ["rewrite", "--check", "--output-format", "json", str(path)])
    [record] = json.loads(result.stdout)["files"]
    assert result.exit_code == 2 and record["status"] == "not checked"
    assert [(r["code"], r["line"]) for r in record["findings"]] == [("E001", 2)]


def test_stdin_filename_names_the_code_and_finds_its_configuration(tmp_path, monkeypatch):
    project = tmp_path / "shop"
    (project / "vendor").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.aftership-migrate]\nexclude = ["vendor/"]\nignore = ["AS102"]\n')
    monkeypatch.chdir(tmp_path)
    code = 'import requests\nrequests.get("https://api.aftership.com/v4/trackings", headers={"aftership-api-key": k})\n'
    named = CliRunner().invoke(main, ["rewrite", "-", "--stdin-filename", "shop/client.py"], input=code)
    assert named.exit_code == 1 and "tracking/2025-01" in named.stdout
    assert '"aftership-api-key"' in named.stdout  # AS102 ignored by the project's configuration
    diff = CliRunner().invoke(main, ["rewrite", "-", "--diff", "--stdin-filename", "shop/client.py"], input=code)
    assert "--- a/shop/client.py" in diff.stdout
    excluded = CliRunner().invoke(main, ["rewrite", "-", "--stdin-filename", "shop/vendor/x.py"], input=code)
    assert excluded.exit_code == 0 and excluded.stdout == code
    assert invoke("rewrite", tmp_path, "--stdin-filename", "x.py").exit_code == 2


@pytest.mark.parametrize("parallel", [False, True])
def test_in_place_leaves_a_jsonl_or_array_file_with_nothing_to_translate_untouched(tmp_path, monkeypatch, parallel):
    from migrator.payload import run as archive_run

    if parallel:
        monkeypatch.setattr(archive_run, "PARALLEL_BYTES", 1)
    lines = tmp_path / "current.jsonl"
    lines.write_text('{"meta": {"code": 200}, "data": {"id": "x", "tracking_number": "1"}}\n\nnot json\n')
    array = tmp_path / "current.json"
    array.write_text('[\n    {"meta": {"code": 200}, "data": {"id": "x", "tracking_number": "1"}}\n]\n')
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in (lines, array)}
    invoke("translate", "--in-place", "--jobs", "2", lines, array)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in (lines, array)} == before
    v4 = tmp_path / "v4.jsonl"
    v4.write_text('{"meta": {"code": 200}, "data": {"tracking": {"tracking_number": "1"}}}\n')
    assert invoke("translate", "--in-place", v4).exit_code == 0 and '"tracking"' not in v4.read_text()


SLUG_CALL = ('import requests\nAPI = "https://api.aftership.com/tracking/2025-01"\n\n\ndef get(slug, number):\n'
             '    return requests.get(f"{API}/trackings/{slug}/{number}"){comment}\n')


@pytest.mark.parametrize(("comment", "reported"), [
    ("", True),
    ("  # noqa: AS201", False),
    ("  # noqa: E501, AS201", False),
    ("  # NOQA:AS201", False),
    ("  # noqa: AS202", True),  # another code
    ("  # noqa", True),  # a bare noqa was written for another linter
    ("  # noqa: E501", True),
    ("  # aftership-migrate: ignore[AS201]", False),
])
def test_noqa_with_this_tools_code_silences_the_finding(tmp_path, comment, reported):
    path = tmp_path / "client.py"
    path.write_text(SLUG_CALL.replace("{comment}", comment))
    result = invoke("rewrite", "--check", path)
    assert ("AS201" in result.output) is reported
    assert result.exit_code == (1 if reported else 0), result.output


def test_todo_markers_acknowledge_findings_only_when_asked(tmp_path):
    path = tmp_path / "client.py"
    path.write_text(SLUG_CALL.replace("{comment}", ""))
    assert invoke("rewrite", "--add-todo", path).exit_code == 1
    marked = path.read_text()
    assert "# TODO(aftership-migrate): AS201" in marked
    assert invoke("rewrite", "--check", path).exit_code == 1  # a TODO is work left
    accepted = invoke("rewrite", "--check", "--accept-todos", path)
    assert accepted.exit_code == 0 and "AS201" not in accepted.output, accepted.output
    (tmp_path / "pyproject.toml").write_text("[tool.aftership-migrate]\naccept-todos = true\n")
    assert invoke("rewrite", "--check", path).exit_code == 0
    # A marker for another rule acknowledges nothing here.
    path.write_text(marked.replace("AS201", "AS202", 1))
    assert invoke("rewrite", "--check", path).exit_code == 1
    assert path.read_text() == marked.replace("AS201", "AS202", 1)


RESPONSE = {"meta": {"code": 200}, "data": {"tracking": {"id": "abc", "slug": "ups", "origin_country_iso3": "USA"}}}


@pytest.mark.parametrize("indent", [None, 2, 4, "\t"])
@pytest.mark.parametrize("shape", ["document", "array"])
def test_output_keeps_the_inputs_indentation_from_files_and_stdin(tmp_path, indent, shape):
    import json

    value = RESPONSE if shape == "document" else [RESPONSE, RESPONSE]
    text = json.dumps(value, indent=indent, separators=(",", ":") if indent is None else None) + "\n"
    source = tmp_path / "in.json"
    source.write_text(text)
    from_file = invoke("translate", "-q", source)
    from_stdin = CliRunner().invoke(main, ["translate", "-q", "--kind", "tracking-response", "-"], input=text)
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0, from_file.output + from_stdin.output
    assert from_file.stdout == from_stdin.stdout
    out = from_file.stdout
    translated = json.loads(out)
    assert "origin_country_region" in json.dumps(translated)
    lines = out.rstrip("\n").split("\n")
    if indent is None:
        assert len(lines) == 1
    else:
        unit = indent if isinstance(indent, str) else " " * indent
        assert lines[1].startswith(unit) and not lines[1][len(unit)].isspace(), lines[:3]
