"""`aftership-migrate translate`: inputs, outputs, layouts, reports and exit statuses."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import shutil
import subprocess
import tempfile

import pytest
from click.testing import CliRunner

from conftest import ARCHIVES, FIXTURES, console_script, load_json
from migrator.cli import main
from migrator.payload.engine import Translator

TRANSLATOR = Translator()
AMBIGUOUS = {"tracking": {"tracking_number": "1", "slug": "dhl"}}
BAD_LINES = ARCHIVES / "trackings.with-bad-line.jsonl"


def translate_cli(*args, input=None):
    return CliRunner().invoke(main, ["translate", *map(str, args)], input=input, catch_exceptions=False)


def expected(document, kind=None):
    return TRANSLATOR.translate(copy.deepcopy(document), kind).document


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_report(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------ single documents

def test_json_file_to_stdout():
    source = FIXTURES / "v4" / "tracking-response.get.json"
    result = translate_cli(source)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected(load_json(source))
    assert "1 documents in 1 files: 1 converted, 0 unchanged, 0 failed" in result.stderr


def test_quiet_prints_no_summary():
    result = translate_cli("-q", FIXTURES / "v4" / "tracking.bare.json")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["legacy_id"] == "etrzq5u65lpie0wn0mzebvhy"


def test_output_file(tmp_path):
    source = FIXTURES / "v4" / "create-tracking-request.json"
    target = tmp_path / "out.json"
    before = sha256(source)
    result = translate_cli(source, "-o", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8")) == expected(load_json(source))
    assert sha256(source) == before


def test_directory_is_mirrored(tmp_path):
    source = tmp_path / "in"
    (source / "responses").mkdir(parents=True)
    (source / "archives" / "2024").mkdir(parents=True)
    shutil.copy(FIXTURES / "v4" / "tracking-response.get.json", source / "responses" / "get.json")
    shutil.copy(FIXTURES / "v4" / "predict-batch-request.json", source / "edd.json")
    shutil.copy(ARCHIVES / "trackings.jsonl", source / "archives" / "2024" / "trackings.jsonl")
    shutil.copy(ARCHIVES / "webhooks.jsonl.gz", source / "archives" / "webhooks.jsonl.gz")
    (source / "notes.txt").write_text("not JSON\n")
    out = tmp_path / "out"

    result = translate_cli("-q", source, "-o", out)

    assert result.exit_code == 0, result.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["archives/2024/trackings.jsonl", "archives/webhooks.jsonl.gz", "edd.json",
                       "responses/get.json"]
    assert load_json(out / "responses" / "get.json") == expected(load_json(FIXTURES / "v4" / "tracking-response.get.json"))
    assert load_json(out / "edd.json") == expected(load_json(FIXTURES / "v4" / "predict-batch-request.json"))
    lines = (out / "archives" / "2024" / "trackings.jsonl").read_text(encoding="utf-8").splitlines()
    originals = (ARCHIVES / "trackings.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [expected(json.loads(o)) for o in originals]


# ---------------------------------------------------------------------------------- JSONL

def test_jsonl_with_a_bad_line(tmp_path):
    target = tmp_path / "out.jsonl"
    report = tmp_path / "report.json"
    raw = BAD_LINES.read_text(encoding="utf-8").splitlines()
    assert raw[3] == "" and len(raw) == 5  # line 4 is blank

    result = translate_cli(BAD_LINES, "-o", target, "--report", report)

    assert result.exit_code == 1
    assert "4 documents in 1 files: 3 converted, 0 unchanged, 1 failed" in result.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and lines[3] == ""  # the blank line kept: output line N is input line N
    assert lines[2] == raw[2]  # the bad line, unchanged, still third
    for line, original in zip([lines[0], lines[1], lines[4]], [raw[0], raw[1], raw[4]]):
        assert json.loads(line) == expected(json.loads(original))
        assert "\n" not in line and ": " not in line[:40]  # compact JSONL
    failed = [d for d in read_report(report)["documents"] if d["status"] == "failed"]
    assert len(failed) == 1
    assert failed[0]["line"] == 3
    assert failed[0]["document"] == f"{BAD_LINES}:3"
    assert "invalid JSON" in failed[0]["errors"][0]


def test_per_document_errors_reach_the_current_stderr():
    result = translate_cli(BAD_LINES)
    assert f"{BAD_LINES}:3: error: invalid JSON" in result.stderr


def test_parallel_jsonl_matches_the_serial_run(tmp_path, monkeypatch):
    import migrator.payload.run as run

    source = tmp_path / "in.jsonl"
    # Several batches, with the bad and blank lines in the middle of the file.
    good = (ARCHIVES / "trackings.jsonl").read_text(encoding="utf-8")
    # Line and paragraph separators are legal unescaped in JSON strings: not line breaks.
    separators = json.dumps({"tracking": {"title": "Mug\u2028two\u0085three", "emails": ["a@b.c"]}},
                            ensure_ascii=False) + "\n"
    source.write_text(good + BAD_LINES.read_text(encoding="utf-8") + "\n" + separators + good, encoding="utf-8")
    monkeypatch.setattr(run, "BATCH_BYTES", 3000)  # gzip input: blocks cut mid-line
    monkeypatch.setattr(run, "RANGE_BYTES", 3000)  # plain input: byte ranges cut mid-line
    serial = translate_cli("--jobs", "1", source, "-o", tmp_path / "serial.jsonl", "--report", tmp_path / "s.json")
    monkeypatch.setattr(run, "PARALLEL_BYTES", 0)
    parallel = translate_cli("--jobs", "2", source, "-o", tmp_path / "parallel.jsonl",
                             "--report", tmp_path / "p.json")
    assert serial.exit_code == parallel.exit_code == 1
    assert (tmp_path / "parallel.jsonl").read_bytes() == (tmp_path / "serial.jsonl").read_bytes()
    assert read_report(tmp_path / "p.json") == read_report(tmp_path / "s.json")
    failed = [d for d in read_report(tmp_path / "p.json")["documents"] if d["status"] == "failed"]
    assert [d["line"] for d in failed] == [15]  # 12 lines, then the bad file's line 3
    # Workers spool their output to files; to stdout too, and nothing is left behind.
    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_root))
    to_stdout = translate_cli("--jobs", "2", source)
    assert to_stdout.stdout_bytes == (tmp_path / "serial.jsonl").read_bytes()
    assert list(spool_root.iterdir()) == []
    packed = tmp_path / "in.jsonl.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    zipped = translate_cli("--jobs", "2", packed, "-o", tmp_path / "parallel.jsonl.gz")
    assert zipped.exit_code == 1
    assert gzip.decompress((tmp_path / "parallel.jsonl.gz").read_bytes()) == (tmp_path / "serial.jsonl").read_bytes()


def test_a_gzip_archive_is_as_large_as_its_text(tmp_path, monkeypatch):
    """Workers are started for a gzip archive whose text is large, however small it compresses."""
    import migrator.payload.run as run

    text = (ARCHIVES / "trackings.jsonl").read_bytes() * 40
    packed = tmp_path / "in.jsonl.gz"
    packed.write_bytes(gzip.compress(text))
    assert packed.stat().st_size < len(text) // 10 and run._text_size(str(packed)) == len(text)
    plain = tmp_path / "in.jsonl"
    plain.write_bytes(text)
    assert run._text_size(str(plain)) == len(text)
    monkeypatch.setattr(run, "PARALLEL_BYTES", len(text))
    assert run.ArchiveConverter(run.Options(), run.ReportWriter(None), jobs=2)._parallel(str(packed))


def test_gzip_jsonl_in_and_out(tmp_path):
    source = ARCHIVES / "webhooks.jsonl.gz"
    target = tmp_path / "webhooks.2025-01.jsonl.gz"
    result = translate_cli(source, "-o", target)
    assert result.exit_code == 0, result.stderr
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        originals = [json.loads(line) for line in handle if line.strip()]
    with gzip.open(target, "rt", encoding="utf-8") as handle:
        converted = [json.loads(line) for line in handle]
    assert len(converted) == len(originals) == 4
    assert converted == [expected(o) for o in originals]
    assert all("origin_country_iso3" not in c["msg"] for c in converted)


def test_jsonl_to_stdout_keeps_one_line_per_document():
    result = translate_cli(ARCHIVES / "trackings.jsonl")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    originals = (ARCHIVES / "trackings.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(originals) == 12
    assert [json.loads(line) for line in lines] == [expected(json.loads(o)) for o in originals]


# ---------------------------------------------------------------------------------- arrays

def test_json_array_stays_an_array(tmp_path):
    source = ARCHIVES / "mixed.json"
    target = tmp_path / "mixed.json"
    report = tmp_path / "report.json"
    result = translate_cli(source, "-o", target, "--report", report)
    assert result.exit_code == 0, result.stderr
    converted = load_json(target)
    originals = load_json(source)
    assert isinstance(converted, list) and len(converted) == len(originals) == 6
    assert converted == [expected(o) for o in originals]
    indexes = {d["index"] for d in read_report(report)["documents"]}
    assert indexes <= set(range(6)) and 0 in indexes
    # Exactly the elements that lost or changed a value have an entry, under their own index.
    assert indexes == {i for i, o in enumerate(originals) if TRANSLATOR.translate(copy.deepcopy(o)).events}


# ----------------------------------------------------------------------------------- stdin

def test_stdin_single_document():
    document = load_json(FIXTURES / "v4" / "webhook.tracking_update.json")
    result = translate_cli("-", input=json.dumps(document))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected(document)


def test_stdin_jsonl():
    text = (ARCHIVES / "trackings.jsonl").read_text(encoding="utf-8")
    result = translate_cli("-", input=text)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line) for line in lines] == [expected(json.loads(o)) for o in text.splitlines()]


# ------------------------------------------------------------------------------- --kind

def test_ambiguous_body_is_refused_without_kind(tmp_path):
    report = tmp_path / "report.json"
    result = translate_cli("-", "--report", report, input=json.dumps(AMBIGUOUS))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == AMBIGUOUS  # written back unchanged
    (entry,) = read_report(report)["documents"]
    assert entry["status"] == "failed"
    assert "ambiguous" in entry["errors"][0] and "--kind" in entry["errors"][0]


@pytest.mark.parametrize("kind, translated", [
    ("create-tracking-request", {"tracking_number": "1", "slug": "dhl"}),
    ("detect-courier-request", {"tracking_number": "1", "slug": ["dhl"]}),
])
def test_kind_forces_the_kind(kind, translated):
    result = translate_cli("--kind", kind, "-", input=json.dumps(AMBIGUOUS))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == translated


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_code_is_a_usage_error_not_an_emptied_body(option):
    # `--select XYZ` once selected no rule, and AS900 then dropped every field of every body.
    result = translate_cli(option, "XYZ", ARCHIVES / "trackings.jsonl")
    assert result.exit_code == 2
    assert "XYZ" in result.stderr
    assert result.stdout == ""


def test_unknown_kind_is_a_usage_error():
    result = translate_cli("--kind", "no-such-kind", "-", input="{}")
    assert result.exit_code == 2


# ------------------------------------------------------------------------------ --report

def test_report_lists_documents_rules_and_paths(tmp_path):
    report = tmp_path / "report.json"
    result = translate_cli(BAD_LINES, "-o", tmp_path / "out.jsonl", "--report", report)
    assert result.exit_code == 1
    data = read_report(report)
    assert set(data) == {"documents", "summary"}
    by_line = {d["line"]: d for d in data["documents"]}
    assert set(by_line) == {1, 2, 3, 5}
    second = by_line[2]
    assert second["kind"] == "tracking-response" and second["version"] == "v4"
    assert second["status"] == "converted"
    events = {(e["rule"], e["action"], e["path"]) for e in second["events"]}
    assert ("AS301", "coerced", "$.data.tracking.checkpoints[0].coordinates") in events
    assert ("AS309", "approximated", "$.data.tracking.delivery_time") in events
    for entry in data["documents"]:
        for event in entry.get("events", ()):
            assert event["rule"].startswith("AS") and event["path"].startswith("$.")
            assert event["message"]
    summary = data["summary"]
    assert summary["documents"] == 4 and summary["converted"] == 3 and summary["failed"] == 1
    assert summary["unchanged"] == 0
    assert {"rule": "AS321", "action": "dropped", "count": 3} in summary["by_rule"]


# ------------------------------------------------------------------------------ --strict

def test_strict_fails_a_lossy_body(tmp_path):
    source = FIXTURES / "v4" / "tracking.bare.json"
    lenient = translate_cli(source, "-o", tmp_path / "lenient.json")
    assert lenient.exit_code == 0
    report = tmp_path / "report.json"
    strict = translate_cli("--strict", source, "-o", tmp_path / "strict.json", "--report", report)
    assert strict.exit_code == 1
    # Written unchanged: an output holds every input, translated or as it was (and reported).
    assert (tmp_path / "strict.json").read_text().rstrip("\n") == source.read_text().rstrip("\r\n")
    (entry,) = read_report(report)["documents"]
    assert entry["status"] == "failed"
    assert any(e.startswith("--strict: AS321 dropped $.last_updated_at") for e in entry["errors"])


def test_strict_passes_a_body_that_loses_nothing(tmp_path):
    result = translate_cli("--strict", FIXTURES / "v4" / "courier-list-response.json")
    assert result.exit_code == 0, result.stderr


def test_strict_keeps_lossy_jsonl_lines_unchanged(tmp_path):
    target = tmp_path / "out.jsonl"
    result = translate_cli("--strict", "-q", ARCHIVES / "trackings.jsonl", "-o", target)
    assert result.exit_code == 1
    originals = (ARCHIVES / "trackings.jsonl").read_text(encoding="utf-8").splitlines()
    assert target.read_text(encoding="utf-8").splitlines() == originals  # every line is lossy


# ----------------------------------------------------------------- failures of one body

def test_unrecognised_document(tmp_path):
    report = tmp_path / "report.json"
    result = translate_cli(ARCHIVES / "unrecognised.json", "-o", tmp_path / "out.json", "--report", report)
    assert result.exit_code == 1
    assert "0 converted, 0 unchanged, 1 failed" in result.stderr
    (entry,) = read_report(report)["documents"]
    assert entry["document"] == str(ARCHIVES / "unrecognised.json")
    assert entry["errors"][0].startswith("unrecognised: ")


def test_refused_notification_body_names_the_replacement(tmp_path):
    report = tmp_path / "report.json"
    source = FIXTURES / "v4" / "notification-request.add.json"
    result = translate_cli(source, "--report", report)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == load_json(source)
    (entry,) = read_report(report)["documents"]
    assert entry["rule"] == "AS203"
    assert "PUT /trackings/{id} with `customers`" in entry["errors"][0]


def test_refused_last_checkpoint_body(tmp_path):
    report = tmp_path / "report.json"
    result = translate_cli(FIXTURES / "v4" / "last-checkpoint-response.json", "--report", report)
    assert result.exit_code == 1
    (entry,) = read_report(report)["documents"]
    assert entry["rule"] == "AS202"
    assert "GET /trackings/{id}" in entry["errors"][0]


def test_missing_input_is_a_usage_error(tmp_path):
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["translate", str(tmp_path / "nope.json"), "--report", str(report)])
    assert result.exit_code == 2 and "no such file or directory" in result.output
    assert not report.exists()


def test_unreadable_input_fails_and_the_run_goes_on(tmp_path):
    unreadable, good = tmp_path / "in" / "dangling.json", tmp_path / "in" / "good.json"
    unreadable.parent.mkdir()
    unreadable.symlink_to(tmp_path / "gone.json")  # named, there, and not readable
    good.write_text('{"tracking": {"tracking_number": "1", "title": "t"}}')
    report = tmp_path / "report.json"
    result = translate_cli(unreadable, good, "-o", tmp_path / "out", "--report", report)
    assert result.exit_code == 1
    (entry,) = [d for d in read_report(report)["documents"] if d["status"] == "failed"]
    assert entry["errors"][0].startswith("cannot read")


# ---------------------------------------------------------------------------- --in-place

def test_in_place_rewrites_and_default_leaves_input_alone(tmp_path):
    source = tmp_path / "bare.json"
    shutil.copy(FIXTURES / "v4" / "tracking.bare.json", source)
    original = load_json(source)
    before = sha256(source)

    to_stdout = translate_cli(source)
    assert to_stdout.exit_code == 0
    assert sha256(source) == before  # without --in-place the input is byte-identical

    in_place = translate_cli("--in-place", source)
    assert in_place.exit_code == 0
    assert in_place.stdout == ""
    assert sha256(source) != before
    assert load_json(source) == expected(original) == json.loads(to_stdout.stdout)
    assert [p.name for p in tmp_path.iterdir()] == ["bare.json"]  # no temporary file left


def test_in_place_jsonl_gz(tmp_path):
    source = tmp_path / "webhooks.jsonl.gz"
    shutil.copy(ARCHIVES / "webhooks.jsonl.gz", source)
    result = translate_cli("--in-place", "-q", source)
    assert result.exit_code == 0
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) == 4 and all("customers" in line["msg"] for line in lines)


@pytest.mark.parametrize("args", [["--in-place", "-o", "x.json", "in.json"], ["--in-place", "-"]])
def test_in_place_usage_errors(args):
    result = CliRunner().invoke(main, ["translate", *args], input="{}")
    assert result.exit_code == 2
    assert "--in-place" in result.stderr


# -------------------------------------------------------------------- 2025-01 passthrough

def test_2025_01_document_passes_through(tmp_path):
    source = FIXTURES / "2025-01" / "predict-batch-request.json"
    target = tmp_path / "out.json"
    result = translate_cli(source, "-o", target)
    assert result.exit_code == 0
    assert "0 converted, 1 unchanged, 0 failed" in result.stderr
    assert load_json(target) == load_json(source)


def _write_jsonl(path, documents):
    # json.dumps defaults (", " and ": " separators, \\u escapes): not how the tool writes.
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")


def test_unchanged_jsonl_lines_are_byte_identical(tmp_path):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(source, [load_json(FIXTURES / "2025-01" / "predict-batch-request.json"),
                          {"reason": "DELIVERED", "event_datetime": "2024-06-01T10:00:00+02:00"},
                          load_json(FIXTURES / "v4" / "error-response.401.json")])
    result = translate_cli(source, "-o", target)
    assert result.exit_code == 0, result.stderr
    assert "0 converted, 3 unchanged" in result.stderr
    assert target.read_bytes() == source.read_bytes()


def test_2025_01_tracking_jsonl_lines_are_byte_identical(tmp_path):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(source, [load_json(FIXTURES / "2025-01" / "tracking-response.json"),
                          load_json(FIXTURES / "2025-01" / "webhook.tracking_update.json")])
    result = translate_cli(source, "-o", target)
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == source.read_bytes()


# ------------------------------------------------------------ the installed console script

def test_console_script_end_to_end(tmp_path):
    script = console_script()
    out, report = tmp_path / "out", tmp_path / "report.json"
    good = FIXTURES / "v4" / "tracking-response.get.json"
    refused = FIXTURES / "v4" / "notification-request.add.json"
    completed = subprocess.run(
        [str(script), "translate", str(good), str(BAD_LINES), str(refused), "-o", str(out),
         "--report", str(report)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert completed.returncode == 1
    assert f"{BAD_LINES}:3: error: invalid JSON" in completed.stderr
    assert f"{refused}: error: AS203 refused" in completed.stderr
    assert "PUT /trackings/{id} with `customers`" in completed.stderr
    assert "6 documents in 3 files: 4 converted, 0 unchanged, 2 failed" in completed.stderr
    assert load_json(out / good.name) == expected(load_json(good))
    assert len((out / BAD_LINES.name).read_text(encoding="utf-8").splitlines()) == 5  # the blank line kept
    assert (out / refused.name).read_text().rstrip("\n") == refused.read_text().rstrip("\r\n")  # as it was
    assert read_report(report)["summary"]["failed"] == 2


# ------------------------------------------------------------------------ inputs are never outputs

@pytest.mark.parametrize("option", ["--report", "-o"])
def test_an_output_or_report_naming_an_input_is_refused_before_anything_is_written(tmp_path, option):
    """`--report` (or `-o`) given an input's path would replace the input: refused, exit 2, the
    input byte for byte as it was, no report or output written."""
    source = tmp_path / "orders.jsonl"
    shutil.copyfile(BAD_LINES, source)
    before = sha256(source)
    extra = ["-o", tmp_path / "out.jsonl"] if option == "--report" else []
    result = CliRunner().invoke(main, ["translate", str(source), option, str(source), *map(str, extra)])
    assert result.exit_code == 2 and "would overwrite the input" in result.output
    assert sha256(source) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.jsonl"]


def test_a_report_inside_an_input_folder_is_refused(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copyfile(BAD_LINES, folder / "orders.jsonl")
    result = CliRunner().invoke(main, ["translate", str(folder), "-o", str(tmp_path / "out"),
                                       "--report", str(folder / "report.json")])
    assert result.exit_code == 2 and "lies in the input folder" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["orders.jsonl"]
