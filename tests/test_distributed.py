"""The translator as a pure function on a distributed engine: Dask bag, local scheduler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrator.api import convert_line

ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "json" / "archives" / "trackings.with-bad-line.jsonl"


def test_dask_bag_matches_the_serial_translation(tmp_path):
    bag = pytest.importorskip("dask.bag", reason="dask is an optional extra")
    lines = [line for line in ARCHIVE.read_text().splitlines() if line.strip()]
    serial = [convert_line(line) for line in lines]
    results = bag.from_sequence(lines, npartitions=3).map(convert_line).compute(scheduler="processes")
    assert results == serial
    # Translated documents, one bad line kept verbatim and reported with its reason.
    failed = [entry for _, entry in results if entry and entry["status"] == "failed"]
    assert len(failed) == 1 and "invalid JSON" in failed[0]["errors"][0]
    converted = [json.loads(text) for text, entry in results if not entry or entry["status"] != "failed"]
    assert all("tracking" not in doc["data"] for doc in converted)
    # The README's recipe: write translated lines out with the bag itself.
    bag.from_sequence(lines, npartitions=2).map(convert_line).pluck(0).to_textfiles(str(tmp_path / "*.jsonl"))
    written = [line for part in sorted(tmp_path.glob("*.jsonl")) for line in part.read_text().splitlines()]
    assert written == [text for text, _ in serial]


def readme_block(heading: str, language: str = "python") -> str:
    """The first fenced block of `language` under a README heading."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text.split(f"\n{heading}\n", 1)[1]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_readme_dask_script_runs_and_names_each_part_and_line(tmp_path):
    import gzip
    import subprocess
    import sys

    pytest.importorskip("dask.bag", reason="dask is an optional extra")
    lines = ARCHIVE.read_text().splitlines(keepends=True)
    (tmp_path / "archive").mkdir()
    parts = [lines[:3], lines[3:]]  # the bad line (3) in the first part
    for number, part in enumerate(parts):
        with gzip.open(tmp_path / "archive" / f"part-{number:04d}.jsonl.gz", "wt", encoding="utf-8") as handle:
            handle.writelines(part)
    script = tmp_path / "translate_archive.py"
    script.write_text(readme_block("## Archives larger than one machine"))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    failed = [entry for entry in entries if entry["status"] == "failed"]
    assert [(entry["document"], entry["line"]) for entry in failed] == [("archive/part-0000.jsonl.gz:3", 3)]
    # Every other entry names its part and its line within it, as the CLI's report does.
    for entry in entries:
        part, line = entry["document"].rsplit(":", 1)
        assert int(line) == entry["line"] and 1 <= entry["line"] <= len(parts[int(part[-13:-9])])
    for number, part in enumerate(parts):
        with gzip.open(tmp_path / "archive-2025-01" / f"part-{number:04d}.jsonl.gz", "rt", encoding="utf-8") as handle:
            written = handle.read().splitlines()
        assert len(written) == len(part)
        for line, original in zip(written, part):
            if original.rstrip("\n") == line:  # written as it was: the line that failed
                continue
            assert "tracking" not in json.loads(line)["data"]


def test_a_part_is_read_and_written_as_the_cli_reads_and_writes_an_archive(tmp_path):
    """A byte that is not UTF-8 fails its own line only, and a raw CR inside a line does not cut
    it (sources.open_text); the output is what `translate` writes for the same file."""
    import gzip
    from click.testing import CliRunner

    from migrator.cli import main
    from migrator.distributed import convert_part

    good = ARCHIVE.read_bytes().splitlines(keepends=True)[0]
    cr_inside = good.replace(b'"tracking_number":', b'"title": "a\rb", "tracking_number":', 1)
    data = good + b'{"title": "caf\xe9"}\n' + cr_inside
    (tmp_path / "in").mkdir()
    with gzip.open(tmp_path / "in" / "part-0000.jsonl.gz", "wb") as handle:
        handle.write(data)
    entries = convert_part(str(tmp_path / "in" / "part-0000.jsonl.gz"), str(tmp_path / "out"))
    # Line 3 fails whole (a raw CR is no JSON either), rather than being cut in two at the CR.
    assert [(entry["line"], entry["errors"][0][:12]) for entry in entries if entry["status"] == "failed"] == [
        (2, "byte 0xe9 is"), (3, "invalid JSON")]
    CliRunner().invoke(main, ["translate", "-q", str(tmp_path / "in" / "part-0000.jsonl.gz"),
                              "-o", str(tmp_path / "cli.jsonl.gz")])
    with gzip.open(tmp_path / "out" / "part-0000.jsonl.gz") as ours, gzip.open(tmp_path / "cli.jsonl.gz") as cli:
        assert ours.read() == cli.read()
