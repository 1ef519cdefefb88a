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
