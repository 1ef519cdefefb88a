"""One batch of rows translated: a pure function of its input, so worker processes can run it.

A row is translated as translate translates a whole `.json` document (convert_record): a text
or json column keeps its compact or indented layout; what comes back is plain data (report
entries as JSON text), cheap to send between processes.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from migrator.payload.run import Options, Outcome, convert_record, entry_text, failed_outcome, translator_for
from migrator.payload.sources import Record, parse_body, unreadable_reason


class RowResult(NamedTuple):
    key: Any
    status: str  # converted | unchanged | failed
    text: str  # the translation (converted), else "": the row stays as read, and a worker need not send it back
    entry: str | None  # the report entry, as JSON text
    counts: list  # (rule, action) of each event, counted once the row is written
    messages: list

    def outcome(self) -> Outcome:
        """As translate's tally and report take it."""
        return Outcome(self.text, self.status, self.entry, self.counts, self.messages)


def convert_rows(options: Options, label: str, key_label: str, rows: list[tuple[Any, str]]) -> list[RowResult]:
    translator = translator_for(options)
    results = []
    for key, text in rows:
        location = place(label, key_label, key)
        try:
            record = Record(location, parse_body(text), raw=text)
        except ValueError as error:
            record = Record(location, error=unreadable_reason(error), raw=text)
        outcome = convert_record(translator, options, record, "document")
        outcome.text = in_layout_of(outcome.text, text) if outcome.status == "converted" else ""
        results.append(result(key, label, outcome))
    return results


def failure(label: str, key_label: str, key: Any, message: str) -> RowResult:
    """A row that could not be written (changed twice by another writer, refused by the database)."""
    return result(key, label, failed_outcome(Record(place(label, key_label, key)), message))


def result(key: Any, label: str, outcome: Outcome) -> RowResult:
    entry = None
    if outcome.entry is not None:  # an entry names the table.column and the row's key (a file's, its line)
        rest = {name: value for name, value in outcome.entry.items() if name != "document"}
        entry = entry_text({"document": label, "key": key, **rest})
    return RowResult(key, outcome.status, outcome.text, entry, outcome.counts, outcome.messages)


def place(label: str, key_label: str, key: Any) -> str:
    """`webhooks.payload id=42`: where a row is, in messages."""
    return f"{label} {key_label}={key!r}"


def in_layout_of(text: str, raw: str) -> str:
    """A translation written as its original was: CRLF line ends kept, and the whitespace after
    the value (a pretty document's final newline). Indentation is kept by convert_record."""
    if "\r" in raw and "\r\n" in raw:  # a one-character search first: ten times quicker on a line without
        text = text.replace("\n", "\r\n")  # JSON text holds no raw newline inside a string
    return text + raw[len(raw.rstrip()):]
