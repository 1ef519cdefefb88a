"""The archive converter: files and directories in, translated files (or stdout) out.

Every body is translated independently. A body that cannot be read, recognised, translated or
validated is reported with its place and written back unchanged, so an output file never
loses data and JSONL lines stay aligned with the input; the run goes on.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator

from migrator.atomic import atomic_writer
from migrator.payload.engine import Refused, Translator
from migrator.payload.kinds import Unrecognised
from migrator.payload.sources import Layout, Record, is_json_input, open_text, read_records


@dataclass
class Summary:
    converted: int = 0
    unchanged: int = 0
    failed: int = 0
    files: int = 0
    by_rule: Counter = field(default_factory=Counter)  # (rule, action) -> count

    @property
    def documents(self) -> int:
        return self.converted + self.unchanged + self.failed

    def lines(self) -> list[str]:
        out = [f"{self.documents} documents in {self.files} files: {self.converted} converted, "
               f"{self.unchanged} unchanged, {self.failed} failed"]
        for (rule, action), count in sorted(self.by_rule.items()):
            out.append(f"  {rule} {action}: {count}")
        return out


@dataclass
class Options:
    kind: str | None = None
    strict: bool = False


class ReportWriter:
    """Streams the --report JSON: one entry per document that lost, changed or failed anything."""

    def __init__(self, handle: IO[str] | None) -> None:
        self.handle = handle
        self.count = 0
        if handle:
            handle.write('{"documents": [')

    def add(self, entry: dict) -> None:
        if not self.handle:
            return
        self.handle.write(("," if self.count else "") + "\n  " + json.dumps(entry, ensure_ascii=False, default=str))
        self.count += 1

    def close(self, summary: Summary) -> None:
        if not self.handle:
            return
        totals = {"documents": summary.documents, "converted": summary.converted,
                  "unchanged": summary.unchanged, "failed": summary.failed,
                  "by_rule": [{"rule": r, "action": a, "count": n} for (r, a), n in sorted(summary.by_rule.items())]}
        self.handle.write("\n],\n\"summary\": " + json.dumps(totals) + "}\n")


def _dumps(document: Any, layout: Layout) -> str:
    if layout == "lines":
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(document, ensure_ascii=False, indent=2)


class Sink:
    """Writes the records of one input in its own layout: a document, an array, or lines."""

    def __init__(self, handle: IO[str], layout: Layout) -> None:
        self.handle, self.layout, self.count = handle, layout, 0

    def write(self, text: str) -> None:
        if self.layout == "lines":
            self.handle.write(text + "\n")
        elif self.layout == "array":
            indented = "\n".join("  " + line for line in text.splitlines())
            self.handle.write(("[\n" if not self.count else ",\n") + indented)
        else:
            self.handle.write(text + "\n")
        self.count += 1

    def close(self) -> None:
        if self.layout == "array":
            self.handle.write("\n]\n" if self.count else "[]\n")


def expand(paths: list[str]) -> list[tuple[str, str]]:
    """(file, path relative to its root) for each input; directories are walked for JSON files."""
    out = []
    for given in paths:
        root = Path(given)
        if given != "-" and root.is_dir():
            for file in sorted(p for p in root.rglob("*") if p.is_file() and is_json_input(p)):
                out.append((str(file), str(file.relative_to(root))))
        else:
            out.append((given, Path(given).name if given != "-" else "-"))
    return out


@contextmanager
def _destination(source: str, target: Path | None, stdout: IO[str]) -> Iterator[IO[str]]:
    if target is None:
        yield stdout
        return
    with atomic_writer(target, "wb") as raw:
        binary = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if target.name.endswith(".gz") else raw
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        yield text
        text.flush()
        text.detach()
        if binary is not raw:
            binary.close()


class ArchiveConverter:
    """Translates many inputs to their destinations and keeps the tally."""

    def __init__(self, translator: Translator, options: Options, report: ReportWriter,
                 stderr: IO[str] = sys.stderr) -> None:
        self.translator, self.options, self.report, self.stderr = translator, options, report, stderr
        self.summary = Summary()

    def run(self, inputs: list[str], output: str | None, in_place: bool, stdout: IO[str]) -> Summary:
        files = expand(inputs)
        many = len(files) > 1 or any(p != "-" and Path(p).is_dir() for p in inputs)
        for source, relative in files:
            if in_place and source != "-":
                target: Path | None = Path(source)
            elif output and output != "-":
                out = Path(output)
                target = out / relative if (many or out.is_dir()) else out
            else:
                target = None
            self.convert_file(source, target, stdout)
        return self.summary

    def convert_file(self, source: str, target: Path | None, stdout: IO[str]) -> None:
        self.summary.files += 1
        try:
            stream = open_text(source)
        except OSError as error:
            self._fail(Record(source, error=f"cannot read: {error.strerror or error}"))
            return
        with stream:
            try:
                layout, records = read_records(source, stream)
                if layout == "document":
                    self._convert_single(records, target, stdout)
                    return
                with _destination(source, target, stdout) as handle:
                    sink = Sink(handle, layout)
                    for record in records:
                        sink.write(self._convert(record, layout))
                    sink.close()
            except UnicodeDecodeError as error:
                self._fail(Record(source, error=f"not UTF-8 text: {error.reason} at byte {error.start}"))

    def _convert_single(self, records: Iterator[Record], target: Path | None, stdout: IO[str]) -> None:
        record = next(records)
        before = self.summary.failed
        text = self._convert(record, "document")
        if self.summary.failed > before and target is not None:
            return  # a lone body that failed: nothing worth writing
        with _destination(record.location, target, stdout) as handle:
            Sink(handle, "document").write(text)

    def _convert(self, record: Record, layout: Layout) -> str:
        """The text to write for one record: its translation, or its original when it failed."""
        if record.error:
            self._fail(record)
            return record.raw if record.raw is not None else ""
        original = _dumps(record.document, layout) if record.raw is None else record.raw
        try:
            result = self.translator.translate(record.document, self.options.kind)
        except (Unrecognised, Refused) as error:
            rule = getattr(error, "rule", None)
            self._fail(record, f"{'refused' if rule else 'unrecognised'}: {error}", rule)
            return original
        errors = list(result.errors)
        if self.options.strict and result.lossy_events:
            errors += [f"--strict: {e.rule} {e.action} {e.path}" for e in result.lossy_events]
        entry = {"document": record.location, "kind": result.kind, "version": result.version}
        if record.line is not None:
            entry["line"] = record.line
        if record.index is not None:
            entry["index"] = record.index
        if result.events:
            entry["events"] = [e.as_dict() for e in result.events]
        for event in result.events:
            self.summary.by_rule[(event.rule, event.action)] += 1
        if errors:
            entry["status"], entry["errors"] = "failed", errors
            self.summary.failed += 1
            self.report.add(entry)
            for message in errors[:5]:
                self.stderr.write(f"{record.location}: error: {message}\n")
            return original
        entry["status"] = "converted" if result.changed else "unchanged"
        if result.changed:
            self.summary.converted += 1
        else:
            self.summary.unchanged += 1
        if result.events:
            self.report.add(entry)
        return _dumps(result.document, layout) if result.changed or record.raw is None else record.raw

    def _fail(self, record: Record, message: str | None = None, rule: str | None = None) -> None:
        message = message or record.error or "failed"
        self.summary.failed += 1
        self.stderr.write(f"{record.location}: error: {(rule + ' ') if rule else ''}{message}\n")
        entry = {"document": record.location, "status": "failed", "errors": [message]}
        if rule:
            entry["rule"] = rule
        if record.line is not None:
            entry["line"] = record.line
        self.report.add(entry)
