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

import gzip
import io
import os
from contextlib import contextmanager
from typing import IO, Iterator


@contextmanager
def _open(path: str, mode: str) -> Iterator[IO[str]]:
    """A text stream on `path` (local or, with fsspec, remote), gzip by suffix."""
    if "://" in path:
        import fsspec

        with fsspec.open(path, mode, compression="infer", encoding="utf-8", newline="") as handle:
            yield handle
    elif mode == "r":
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            yield handle
    else:  # a local part is written atomically: a task retried after a failure starts over
        from migrator.atomic import atomic_writer

        with atomic_writer(path, "wb") as raw:
            binary = gzip.GzipFile(fileobj=raw, mode="wb") if path.endswith(".gz") else raw
            handle = io.TextIOWrapper(binary, encoding="utf-8", newline="")
            yield handle
            handle.flush()
            handle.detach()  # the writer closes (and renames) the file itself
            if binary is not raw:
                binary.close()  # the gzip trailer; `raw` stays open


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
    with _open(part, "r") as source, _open(output_path(part, out_folder), "w") as target:
        for number, line in enumerate(source, start=1):
            newline = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
            outcome = convert_record(translator, options, line_record(part, number, line), "lines")
            target.write(outcome.text + newline)
            if outcome.entry is not None:
                entries.append(outcome.entry)
    return entries
