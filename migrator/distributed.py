"""Archives larger than one machine: the translator as functions a distributed engine maps.

An archive split in parts (`part-0000.jsonl.gz`, ...) is translated part by part, each part by
one task, so every report entry names its part and its line, as the CLI's do. Dask's bag and
Spark's RDD call the same function:

    dask.bag.from_sequence(parts, npartitions=len(parts)).map(convert_part, out_folder)
    spark.sparkContext.parallelize(parts, len(parts)).map(lambda part: convert_part(part, out_folder))

Parts are read and written through fsspec when it is installed (Dask brings it: `s3://...`
paths work), through the local file system otherwise; `.gz` parts are read and written gzipped.
"""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


@contextmanager
def _read(path: str) -> Iterator[IO[str]]:
    """A part as the CLI reads its inputs (sources.open_text: gzip by suffix, lines cut at LF
    only, a byte that is not UTF-8 kept for the one line holding it); remote through fsspec."""
    from migrator.payload.sources import TEXT, open_text

    if "://" not in path:
        with open_text(path) as handle:
            yield handle
        return
    import fsspec

    with fsspec.open(path, "rb", compression="infer") as raw, io.TextIOWrapper(raw, **TEXT) as handle:
        yield handle


@contextmanager
def _write(path: str) -> Iterator[IO[str]]:
    """A part's output as the CLI writes its outputs (run._destination: atomically, so a task
    retried after a failure starts over; gzip by suffix); remote through fsspec."""
    if "://" not in path:
        from migrator.payload.run import _destination

        with _destination(Path(path), None) as handle:
            yield handle
        return
    import fsspec

    with fsspec.open(path, "wb", compression="infer") as raw, \
            io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="") as handle:
        yield handle


def output_path(part: str, out_folder: str) -> str:
    """Where the translation of `part` goes: the same file name in `out_folder`."""
    name = part.rstrip("/").rsplit("/", 1)[-1]
    return f"{out_folder.rstrip('/')}/{name}" if "://" in out_folder else os.path.join(out_folder, name)


def convert_part(part: str, out_folder: str, kind: str | None = None, strict: bool = False) -> list[dict]:
    """Translate one JSONL part (gzipped or not) into `out_folder`, line for line (a line that
    fails is written as it was); returns its report entries, each with the part's path and the
    line's number."""
    from migrator.payload.run import Options, convert_record, translator_for
    from migrator.payload.sources import line_record

    options = Options(kind=kind, strict=strict, report=True)
    translator = translator_for(options)
    entries = []
    with _read(part) as source, _write(output_path(part, out_folder)) as target:
        for number, line in enumerate(source, start=1):
            newline = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""  # kept
            outcome = convert_record(translator, options, line_record(part, number, line), "lines")
            target.write(outcome.text + newline)
            if outcome.entry is not None:
                entries.append(outcome.entry)
    return entries
