"""The archive converter: files and directories in, translated files (or stdout) out.

Every body is translated independently. A body that cannot be read, recognised, translated or
validated is reported with its place; inside a JSONL file or an array it is written back
unchanged, so the output loses no data and lines stay aligned with the input; a file holding
one failed body is not written. The run goes on. Large JSONL inputs are translated by worker
processes, in chunks written back in input order.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import shutil
import sys
import tempfile
import zlib
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, Iterator

from migrator.atomic import NotWritten, atomic_writer
from migrator.payload import jsonlib
from migrator.payload.engine import Refused, Translator
from migrator.payload.kinds import Ambiguous, Unrecognised
from migrator.payload.pathkinds import PathKinds
from migrator.payload.sources import (
    Layout, MalformedInput, Record, is_json_input, line_record, line_record_bytes, open_text, read_records,
)

PARALLEL_BYTES = 16 << 20  # below this a pool costs more than it saves
RANGE_BYTES = 4 << 20  # a worker's share of a plain JSONL file at a time
BATCH_BYTES = 1 << 20  # a gzip archive's decompressed text sent to a worker at a time (4 MB: a page fault every 4 KB in each)
WRITE_BUFFER = 1 << 20
WARM_BYTES = 1 << 20  # the longest first line translated before the workers start
SPOOL_BUFFER = 1 << 16  # a worker's writes: small enough to stay in the caches


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

    def count(self, outcome: "Outcome") -> None:
        status = outcome.status  # one test a status: getattr/setattr by name cost more, once a document
        if status == "converted":
            self.converted += 1
        elif status == "unchanged":
            self.unchanged += 1
        elif status == "failed":
            self.failed += 1
        else:
            return  # a blank JSONL line, written back to keep the lines aligned: no document
        by_rule = self.by_rule
        for rule_action in outcome.counts:  # Counter.update's Mapping test costs more than the counting
            by_rule[rule_action] += 1

    def merge(self, other: "Summary") -> None:
        """Add the document counts of `other` (a worker's chunk)."""
        self.converted += other.converted
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.by_rule.update(other.by_rule)

    def as_dict(self) -> dict:
        """The report's `summary` object."""
        return {"documents": self.documents, "converted": self.converted, "unchanged": self.unchanged,
                "failed": self.failed,
                "by_rule": [{"rule": r, "action": a, "count": n} for (r, a), n in sorted(self.by_rule.items())]}

    def lines(self) -> list[str]:
        out = [f"{self.documents} documents in {self.files} files: {self.converted} converted, "
               f"{self.unchanged} unchanged, {self.failed} failed"]
        for (rule, action), count in sorted(self.by_rule.items()):
            out.append(f"  {rule} {action}: {count}")
        return out


@dataclass(frozen=True)
class Options:
    kind: str | None = None
    strict: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    report: bool = False  # build report entries (only when a --report file is written)


@dataclass(slots=True)  # one per document: slots make it cheaper to build
class Outcome:
    """What one record became: the text to write, its status and what to report."""

    text: str | bytes  # bytes when the record was read as bytes
    status: str  # converted | unchanged | failed
    entry: dict | None = None
    counts: list = field(default_factory=list)
    messages: list = field(default_factory=list)


class ReportWriter:
    """Streams the --report JSON: one entry per document that lost, changed or failed anything."""

    def __init__(self, handle: IO[str] | None) -> None:
        self.handle = handle
        self.count = 0
        if handle:
            handle.write('{"documents": [')

    def add(self, entry: dict | str) -> None:
        """One entry, or its text as `entry_text` made it (in a worker)."""
        if not self.handle:
            return
        self.handle.write(("," if self.count else "") + "\n  " + (entry if isinstance(entry, str) else entry_text(entry)))
        self.count += 1

    def close(self, summary: Summary) -> None:
        if not self.handle:
            return
        self.handle.write("\n],\n\"summary\": " + json.dumps(summary.as_dict()) + "}\n")


def entry_text(entry: dict) -> str:
    """A report entry as strict JSON whatever its values hold: a lone surrogate escaped, a value
    too deep to write replaced by a note saying so (the entry keeps its place and path)."""
    try:
        return jsonlib.strict_dumps(entry, default=str)
    except (RecursionError, ValueError):
        entry = {**entry, "events": [{**event, "value": "(too deeply nested to be written in the report)"}
                                     for event in entry.get("events", ())]}
        return jsonlib.strict_dumps(entry, default=str)


def _dumps(document: Any, layout: Layout, raw: str | bytes | None = None) -> str | bytes:
    """A translated body as its layout writes it; a whole document in the style of its input
    (one line stays one line, four spaces or a tab stay so); a line read as bytes, as bytes."""
    if layout == "lines":
        return jsonlib.compact_bytes(document) if isinstance(raw, bytes) else jsonlib.dumps_line(document)
    if raw is not None:  # a document, or an element of an array (in its array's style)
        indent = jsonlib.indent_of(_dedent(raw) if layout == "array" else raw)
        return jsonlib.dumps_line(document) if indent is None else jsonlib.dumps_pretty(document, indent)
    return jsonlib.dumps_pretty(document)


def convert_record(translator: Translator, options: Options, record: Record, layout: Layout) -> Outcome:
    """Translate one record (a pure function of its input, so workers can run it).

    The record's `raw` text is what a failed body is written back as; report entries are
    built only when `options.report` asks for them.
    """
    if record.blank or record.empty_array:  # kept in the output, but no document
        return Outcome(_as_read(record), "blank")
    if record.error:
        return failed_outcome(record, record.error)
    try:
        return _converted(translator, options, record, layout)
    except RecursionError:
        return failed_outcome(record, "nested too deeply to be translated")
    except Exception as error:  # noqa: BLE001 - one body's failure, whatever it is, must not stop the run
        return failed_outcome(record, f"internal error while translating: {type(error).__name__}: {error}")


def _converted(translator: Translator, options: Options, record: Record, layout: Layout) -> Outcome:
    try:
        result = translator.translate(record.document, options.kind)
    except Ambiguous as error:
        return failed_outcome(record, f"ambiguous: {error}")
    except Unrecognised as error:
        return failed_outcome(record, f"unrecognised: {error}")
    except Refused as error:
        return failed_outcome(record, f"refused: {error}", rule=error.rule)
    errors = result.errors
    if options.strict and result.lossy_events:
        errors = errors + [f"--strict: {e.rule} {e.action} {e.path}" for e in result.lossy_events]
    status = "failed" if errors else "converted" if result.applied else "unchanged"
    entry = None
    if options.report and (errors or result.events):
        entry = {**_place(record), "kind": result.kind, "version": result.version, "status": status}
        if len(result.kinds) > 1:  # the shape fit several kinds, which all gave this body
            entry["kinds"] = list(result.kinds)
        if result.events:
            entry["events"] = [e.as_dict() for e in result.events]
        if errors:
            entry["errors"] = errors
    if errors:
        # Nothing of a failed body is written, so its events are listed but not counted.
        messages = [_error_line(record, message) for message in errors[:5]]
        return Outcome(_as_read(record), status, entry, [], messages)
    # An unchanged JSONL line is written back byte for byte; documents are re-encoded.
    keep = not result.applied and layout == "lines" and record.raw is not None
    text = record.raw if keep else _dumps(result.document, layout, record.raw)
    events = result.events
    return Outcome(text, status, entry, list(map(_RULE_ACTION, events)) if events else [])


_RULE_ACTION = attrgetter("rule", "action")  # an event's (rule, action), what the summary counts


def _as_read(record: Record) -> str | bytes:
    """The record's text as it was read (bytes for a line read as bytes), to write it back."""
    return record.raw if record.raw is not None else ""


def _place(record: Record) -> dict:
    """Where a record sits, for the report: document, and line or index."""
    place = {"document": record.location}
    if record.line is not None:
        place["line"] = record.line
    if record.index is not None:
        place["index"] = record.index
    return place


def failed_outcome(record: Record, message: str, rule: str | None = None) -> Outcome:
    """A record that could not be translated: reported, and written back as it was."""
    entry = {**_place(record), "status": "failed", "errors": [message]}
    if rule:
        entry["rule"] = rule
    return Outcome(_as_read(record), "failed", entry, [],
                   [_error_line(record, f"{rule} {message}" if rule else message)])


def _error_line(record: Record, message: str) -> str:
    return f"{record.location}: error: {message}"


class Sink:
    """Writes the records of one input in its own layout: a document, lines, or top-level
    values one after another (an array's elements inside their array, any other value whole)."""

    def __init__(self, handle: IO[str], layout: Layout) -> None:
        self.handle, self.layout, self.count = handle, layout, 0
        self.part: int | None = None
        self.in_array = False
        self.unit: str | None = "  "  # the array's indentation, as its first element had it (None: one line)

    def write(self, text: str, record: Record | None = None) -> None:
        if self.layout != "array":
            self.handle.write(text + "\n")
            return
        if record is None or record.part != self.part:
            self._close_part()
            self.part, self.in_array, self.count = (record.part, record.in_array, 0) if record else (0, True, 0)
            self.unit = record.indent if record is not None and not record.empty_array else "  "
        if record is not None and record.empty_array:
            return
        if self.in_array and self.unit is None:  # `[{...},{...}]` stays on one line
            self.handle.write(("[" if not self.count else ",") + text)
        elif self.in_array:
            # Lines end at "\n" only: str.splitlines would also cut at U+2028 and U+0085 inside strings.
            indented = "\n".join(self.unit + line for line in _dedent(text).split("\n"))
            self.handle.write(("[\n" if not self.count else ",\n") + indented)
        else:
            self.handle.write(text)
        self.count += 1

    def _close_part(self) -> None:
        if self.part is None:
            return
        if self.in_array:
            self.handle.write(("]\n" if self.unit is None else "\n]\n") if self.count else "[]\n")
        else:
            self.handle.write("\n")

    def close(self) -> None:
        if self.layout == "array":
            if self.part is None:
                self.handle.write("[]\n")
            self._close_part()


def _dedent(element: str) -> str:
    """An array element's source text without the indentation it had inside its array."""
    lines = element.split("\n")
    if len(lines) < 2:
        return element
    depth = len(lines[-1]) - len(lines[-1].lstrip())
    return "\n".join([lines[0], *(line[depth:] if line[:depth].isspace() else line for line in lines[1:])])


def expand(paths: list[str], exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(file, path relative to its root) for each input; directories are walked for JSON files;
    files matching the gitignore-style `exclude` patterns (from the working directory) left out."""
    excluded = _exclusion(exclude)
    out = []
    for given in paths:
        root = Path(given)
        if given != "-" and root.is_dir():
            for file in sorted(p for p in root.rglob("*") if p.is_file() and is_json_input(p)):
                if not excluded(str(file)):
                    out.append((str(file), str(file.relative_to(root))))
        elif given == "-" or not excluded(given):
            out.append((given, Path(given).name if given != "-" else "-"))
    return out


def _exclusion(patterns: tuple[str, ...]):
    if not patterns:
        return lambda path: False
    from migrator.codemod.discovery import PathFilter

    return PathFilter(patterns).excluded


class WriteError(OSError):
    """Writing an output failed (disk full, no permission): told apart from a failed read."""


class _Writes:
    """The output stream, its write errors raised as WriteError naming the file."""

    def __init__(self, text: IO[str], target: Path) -> None:
        self.text, self.target = text, target
        self.buffer = text.buffer
        self.discard = False  # set by the caller: drop the output, keep the input (_keep_input_if)

    def write(self, data: str) -> int:
        try:
            return self.text.write(data)
        except OSError as error:
            raise WriteError(f"cannot write {self.target}: {error.strerror or error}") from error

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.text.flush()
        except OSError as error:
            raise WriteError(f"cannot write {self.target}: {error.strerror or error}") from error


def _keep_input_if(handle, nothing_converted: bool) -> None:
    """--in-place over a file none of whose bodies changed: the input stays as it is (not
    re-encoded, not re-indented, its inode and times kept); the output written is dropped."""
    if nothing_converted and isinstance(handle, _Writes):
        handle.discard = True


class _Discarded(Exception):
    """Raised inside the atomic writer to drop its temporary file instead of renaming it."""


@contextmanager
def _destination(target: Path | None, stdout: IO[str], expected: os.stat_result | None = None) -> Iterator[IO[str]]:
    """`expected`: the stat of the input, when the output replaces it (--in-place)."""
    if target is None:
        yield stdout
        return
    from_body = False
    try:
        with atomic_writer(target, "wb", expected) as raw:
            binary = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if target.name.endswith(".gz") else raw
            # A large buffer: with the default 8 KB an archive took one write call per 8 KB (strace).
            # surrogateescape: a line that failed for a byte that is not UTF-8 is written back as it was.
            text = io.TextIOWrapper(io.BufferedWriter(binary, WRITE_BUFFER), encoding="utf-8",
                                    errors="surrogateescape", newline="")
            writes = _Writes(text, target)
            try:
                yield writes
            except BaseException:
                from_body = True
                raise
            if writes.discard:
                text.detach()
                raise _Discarded
            text.flush()
            text.detach().detach()
            if binary is not raw:
                binary.close()
    except _Discarded:
        return
    except (NotWritten, WriteError):
        raise
    except OSError as error:
        if from_body:
            raise  # the input's (a read error): the caller says so
        raise WriteError(f"cannot write {target}: {error.strerror or error}") from error


# Worker processes: one translator per process, built on first use.
_WORKER: dict = {}


@dataclass
class Chunk:
    """Outcomes of a run of lines, tallied: what a worker sends back. The output lines go to a
    spool file the worker writes, so only the tally crosses processes. The worker numbers the
    lines from `first_line` (1 for a byte range, whose place in the file it does not know);
    the main process renumbers what it reports (`relabelled`)."""

    summary: Summary
    first_line: int
    lines: int = 0
    # (line number, report entry as JSON text: an entry's values may nest deeper than pickle can follow)
    entries: list = field(default_factory=list)
    messages: list = field(default_factory=list)  # (line number, message)
    spooled: str | None = None  # the file holding the output lines

    def write_to(self, handle: IO[str], buffer: bytearray) -> None:
        """Copy the spooled lines to `handle` through `buffer`, one the caller keeps for every
        chunk: a fresh megabyte a read (shutil.copyfileobj) cost a page fault every 4 KB, a
        twentieth of a run's CPU on this virtual machine."""
        with open(self.spooled, "rb", buffering=0) as part:
            target = getattr(handle, "buffer", None)
            if target is None:  # a text-only stream (tests' StringIO)
                handle.write(part.read().decode("utf-8"))
            else:
                handle.flush()  # keep the order of what the text layer still holds
                view = memoryview(buffer)
                try:
                    while size := part.readinto(buffer):
                        target.write(view[:size])
                except OSError as error:  # the spool was read; the output is what failed
                    raise WriteError(f"cannot write {getattr(handle, 'target', 'the output')}: "
                                     f"{error.strerror or error}") from error
                finally:
                    view.release()
        os.unlink(self.spooled)

    def add(self, outcome: Outcome, line: int) -> None:
        self.summary.count(outcome)
        if outcome.entry is not None:
            self.entries.append((line, entry_text(outcome.entry)))
        if outcome.messages:
            self.messages.extend((line, message) for message in outcome.messages)

    def relabelled(self, name: str, first_line: int) -> tuple[list[str], list[str]]:
        """The entries and messages, their line numbers counted from `first_line`: where the
        chunk's first line is in its file."""
        shift = first_line - self.first_line
        if not shift:
            return [text for _, text in self.entries], [text for _, text in self.messages]
        return ([_relabel_entry(text, name, line, line + shift) for line, text in self.entries],
                [_relabel_message(text, name, line, line + shift) for line, text in self.messages])


def _relabel_message(text: str, name: str, line: int, new: int) -> str:
    """A message about line `line` of `name` (which it starts with: `_error_line`), about line `new`."""
    return f"{name}:{new}{text[len(f'{name}:{line}'):]}"


def _relabel_entry(text: str, name: str, line: int, new: int) -> str:
    """A report entry about line `line` of `name`, about line `new`: entry_text writes the place
    first ({"document": "name:line", "line": line, ...}), escaping non-ASCII or not."""
    for ascii_only in (False, True):
        place = json.dumps({"document": f"{name}:{line}", "line": line}, ensure_ascii=ascii_only)[:-1]
        if text.startswith(place):
            moved = json.dumps({"document": f"{name}:{new}", "line": new}, ensure_ascii=ascii_only)[:-1]
            return moved + text[len(place):]
    raise ValueError(f"a report entry of {name} that does not start with its place: {text[:80]}")


def translator_for(options: Options) -> Translator:
    """The translator for `options`, built once per process (workers, the CLI, the API); one
    serves every kind (a file's kind from the `kinds` table changes its options, not its rules)."""
    rules = (options.select, options.ignore)
    if rules not in _WORKER:
        _WORKER[rules] = _translator(options)
    return _WORKER[rules]


def _convert_lines(options: Options, name: str, first_line: int, lines: list, spool: str) -> Chunk:
    """Translate consecutive JSONL lines (bytes, or text from a gzip batch) into a spool file."""
    translator = translator_for(options)
    chunk = Chunk(Summary(), first_line, len(lines))
    read = line_record_bytes if lines and isinstance(lines[0], bytes) else line_record
    fd, chunk.spooled = tempfile.mkstemp(suffix=".jsonl", dir=spool)
    # Each line written as it is made: holding a range's output until the end cost a third of
    # the time of a line (memory the caches no longer hold).
    with open(fd, "wb", buffering=SPOOL_BUFFER) as handle:
        write = handle.write
        for number, line in enumerate(lines, start=first_line):
            outcome = convert_record(translator, options, read(name, number, line), "lines")
            chunk.add(outcome, number)
            text = outcome.text
            write(text if type(text) is bytes else text.encode("utf-8", "surrogateescape"))
            write(b"\n")
    return chunk


def _worker_block(options: Options, name: str, block: bytes, first: bool, spool: str) -> Chunk:
    """Translate a run of whole lines decompressed from a gzip archive (`first`: its start),
    numbered from 1."""
    return _convert_lines(options, name, 1, _split_lines(block, first), spool)


def _worker_range(options: Options, path: str, start: int, length: int, spool: str) -> Chunk:
    """Translate the lines in bytes [start, start + length) of a plain JSONL file, numbered from 1:
    where they are in the file is counted by the main process as chunks come back in order,
    instead of reading the whole file first to count its lines."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(length)
    return _convert_lines(options, path, 1, _split_lines(data, first=start == 0), spool)


def _split_lines(data: bytes, first: bool = True) -> list[bytes]:
    """The lines of a run of whole lines as the serial reader sees them: ended by LF only (a raw
    CR, U+2028 or U+0085 inside a line does not cut it), kept as bytes (a line that is not UTF-8
    fails alone, as it was); the file's BOM dropped, as its utf-8-sig decoding does."""
    if first and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()  # after the last LF
    return lines


def _range_size(path: str, jobs: int) -> int:
    """About RANGE_BYTES, so that the ranges come in whole rounds of `jobs`: no worker sits idle
    while another translates the last range alone."""
    total = os.path.getsize(path)
    rounds = max(1, -(-total // (RANGE_BYTES * jobs)))
    return max(1, -(-total // (rounds * jobs)))


def _line_ranges(path: str, size: int) -> Iterator[tuple[int, int]]:
    """(start byte, length) of consecutive runs of whole lines, about `size` bytes each; only
    the line each cut falls in is read."""
    with open(path, "rb") as handle:
        total = os.fstat(handle.fileno()).st_size
        start = 0
        while start < total:
            end = start + size
            if end < total:
                handle.seek(end)
                end += len(handle.readline())  # finish the line the cut falls in
            end = min(end, total)
            yield start, end - start
            start = end


def _translator(options: Options) -> Translator:
    from migrator.catalogue import load_catalogue

    catalogue = load_catalogue()
    return Translator(catalogue, catalogue.select(options.select, options.ignore))


class ArchiveConverter:
    """Translates many inputs to their destinations and keeps the tally."""

    def __init__(self, options: Options, report: ReportWriter, jobs: int | None = None,
                 exclude: tuple[str, ...] = (), kinds: PathKinds | None = None) -> None:
        self.exclude = exclude
        self.kinds = kinds  # the `kinds` table: a file's kind unless options.kind (--kind) gives one
        self.options, self.report = options, report
        self.stderr = sys.stderr
        self.written: set[Path] = set()
        self.translator = translator_for(options)
        self.jobs = jobs or os.cpu_count() or 1
        self.summary = Summary()
        self._copy_buffer: bytearray | None = None  # spooled chunks are copied out through it

    def run(self, inputs: list[str], output: str | None, in_place: bool, stdout: IO[str]) -> Summary:
        files = expand(inputs, self.exclude)
        many = len(files) > 1 or any(p != "-" and Path(p).is_dir() for p in inputs)
        for source, relative in files:
            if in_place and source != "-":
                target: Path | None = Path(source)
            elif output and output != "-":
                out = Path(output)
                target = out / relative if (many or out.is_dir()) else out
            else:
                target = None
            if target is not None and target.resolve() in self.written:
                self.apply(failed_outcome(Record(source),
                                   f"{target} was already written by another input of this run; not overwritten"))
                continue
            if target is not None:
                self.written.add(target.resolve())
            self.convert_file(source, target, stdout)
        return self.summary

    def apply(self, outcome: Outcome) -> str:
        """Count and report one outcome; return its text for the sink."""
        self.summary.count(outcome)
        self._tell(([outcome.entry] if outcome.entry is not None else []), outcome.messages)
        return outcome.text

    def take(self, chunk: Chunk, name: str, first_line: int) -> None:
        """Count and report the outcomes of a chunk whose first line is `first_line` of `name`
        (its text is written by the caller)."""
        self.summary.merge(chunk.summary)
        self._tell(*chunk.relabelled(name, first_line))

    def _tell(self, entries: list, messages: list) -> None:
        for entry in entries:
            self.report.add(entry)
        for message in messages:
            self.stderr.write(message + "\n")

    def options_for(self, source: str) -> Options:
        """The options of one input: its kind from the `kinds` table, unless --kind gave one."""
        kind = self.kinds.kind_for(source) if self.kinds and self.options.kind is None else None
        return self.options if kind is None else replace(self.options, kind=kind)

    def convert_file(self, source: str, target: Path | None, stdout: IO[str]) -> None:
        self.summary.files += 1
        options = self.options_for(source)
        try:
            stream = open_text(source)
            # Replacing the input: it must be as it was when read, or it is left alone.
            expected = os.stat(source) if target is not None and source != "-" and _same_file(source, target) else None
        except OSError as error:
            self.apply(failed_outcome(Record(source), f"cannot read: {error.strerror or error}"))
            return
        try:
            with stream:
                layout, records = read_records(source, stream)
                if layout == "document":
                    self._convert_single(records, target, stdout, expected, source, options)
                elif layout == "lines" and self._parallel(source):
                    converted = self.summary.converted
                    with _destination(target, stdout, expected) as handle:
                        self._convert_lines_parallel(source, handle, options)
                        _keep_input_if(handle, expected is not None and self.summary.converted == converted)
                else:
                    converted = self.summary.converted
                    with _destination(target, stdout, expected) as handle:
                        sink = Sink(handle, layout)
                        for record in records:
                            sink.write(self.apply(convert_record(self.translator, options, record, layout)),
                                       record)
                        sink.close()
                        _keep_input_if(handle, expected is not None and self.summary.converted == converted)
        except MalformedInput as error:
            self.apply(failed_outcome(Record(source), f"{error}; nothing was written for this file"))
        except UnicodeDecodeError as error:
            self.apply(failed_outcome(Record(source), f"not UTF-8 text: {error.reason} at byte {error.start}"))
        except BrokenPipeError:
            raise  # the reader of our output went away: not a problem of this input
        except NotWritten as error:
            self.apply(failed_outcome(Record(source), str(error)))
        except WriteError as error:
            self.apply(failed_outcome(Record(source), f"{error}; nothing was written for this file"))
        except (OSError, EOFError, zlib.error) as error:  # a truncated or corrupt gzip member, a read error
            self.apply(failed_outcome(Record(source), f"cannot read: {error}; nothing was written for this file"))

    def _parallel(self, source: str) -> bool:
        return self.jobs > 1 and source != "-" and _text_size(source) >= PARALLEL_BYTES

    def _convert_single(self, records: Iterator[Record], target: Path | None, stdout: IO[str],
                        expected: os.stat_result | None = None, source: str = "-",
                        options: Options | None = None) -> None:
        record = next(records)
        outcome = convert_record(self.translator, options or self.options, record, "document")
        text = self.apply(outcome)
        if target is not None and outcome.status != "converted":
            # Failed or already 2025-01: --in-place leaves the file as it is, -o gets it unchanged
            # (an output folder holds every input, as a JSONL output holds every line).
            if expected is None and record.raw is not None:
                if source != "-" and source.endswith(".gz") == target.name.endswith(".gz"):
                    with atomic_writer(target, "wb") as copy, open(source, "rb") as original:
                        shutil.copyfileobj(original, copy)  # byte for byte: BOM, line ends and all
                else:
                    with _destination(target, stdout) as handle:
                        handle.write(record.raw + "\n")
            return
        with _destination(target, stdout, expected) as handle:
            Sink(handle, "document").write(text)

    def _convert_lines_parallel(self, source: str, handle: IO[str], options: Options | None = None) -> None:
        """Workers read their own byte ranges of a plain file (blocks of lines for gzip) and
        write their output to spool files, which are copied out in input order with a bounded
        number in flight. Spooling keeps the main process, which shares the cores, nearly idle:
        sending the text back through the pool's pipe cost it a tenth of the run."""
        from migrator.processes import spool_folder, worker_pool

        options = options or self.options
        self._warm(source, options)
        pending: deque = deque()
        with worker_pool(self.jobs) as pool, spool_folder() as spool, _cancelled_on_error(pool):
            if source.endswith(".gz"):
                jobs = (pool.submit(_worker_block, options, source, block, first, spool)
                        for first, block in _gzip_blocks(source))
            else:
                jobs = (pool.submit(_worker_range, options, source, start, length, spool)
                        for start, length in _line_ranges(source, _range_size(source, self.jobs)))
            line = 1  # the number of the next chunk's first line
            for future in jobs:
                pending.append(future)
                if len(pending) >= 2 * self.jobs:  # bounded: memory stays flat on any archive size
                    line = self._drain(pending.popleft(), handle, source, line)
            while pending:
                line = self._drain(pending.popleft(), handle, source, line)

    def _warm(self, source: str, options: Options) -> None:
        """Translate the file's first line (and drop the result) before the workers fork: what
        that builds, its kind's generated plan and schema check, they inherit instead of each
        building it (30 ms a worker)."""
        opener = gzip.open if source.endswith(".gz") else open
        try:
            with opener(source, "rb") as handle:
                first = handle.readline(WARM_BYTES)
        except (OSError, EOFError, zlib.error):
            return  # the run itself meets the error where it lies, and says so
        if first.endswith(b"\n"):  # a whole line: a longer one is not worth reading for this
            convert_record(self.translator, options, line_record_bytes(source, 1, first), "lines")

    def _drain(self, future, handle: IO[str], source: str, line: int) -> int:
        """Report and write out the next chunk, which starts at `line`; the line after it."""
        chunk: Chunk = future.result()
        self.take(chunk, source, line)
        if self._copy_buffer is None:
            self._copy_buffer = bytearray(WRITE_BUFFER)
        chunk.write_to(handle, self._copy_buffer)
        return line + chunk.lines


@contextmanager
def _cancelled_on_error(pool) -> Iterator[None]:
    """A run stopped (Ctrl-C, SIGTERM, a failed write) drops the chunks not yet started, so the
    pool's exit waits only for those in hand."""
    try:
        yield
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _text_size(path: str) -> int:
    """The size of a file's text: a gzip file's as its trailer states it (the last member's,
    modulo 4 GiB: never less than the compressed size is taken), a plain file's own."""
    size = os.path.getsize(path)
    if not path.endswith(".gz") or size < 18:
        return size
    with open(path, "rb") as handle:
        handle.seek(-4, os.SEEK_END)
        stated = int.from_bytes(handle.read(4), "little")
    return max(size, stated)


def _same_file(source: str, target: Path) -> bool:
    try:
        return os.path.samefile(source, target)
    except OSError:
        return False


def _gzip_blocks(path: str) -> Iterator[tuple[bool, bytes]]:
    """(whether it is the file's start, about BATCH_BYTES of whole lines) of a gzip archive, as
    decompressed bytes: the main process only inflates and cuts; the workers split, decode and
    number (a line's text, pickled in lists, cost the main process a microsecond a line)."""
    with gzip.open(path, "rb") as handle:
        first = True
        while True:
            block = handle.read(BATCH_BYTES)
            if not block:
                return
            if len(block) == BATCH_BYTES:
                block += handle.readline()  # finish the line the block cut
            yield first, block
            first = False
