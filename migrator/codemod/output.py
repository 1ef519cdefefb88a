"""How findings and diffs are shown: text (ruff style), JSON, or GitHub annotations."""

from __future__ import annotations

import json
from typing import IO


def finding_line(path: str, finding, fmt: str, fixed: bool = False) -> str:
    """One finding (or, with --show-fixes, one fix) in the chosen format."""
    if fmt == "github":
        message = f"{finding.message} ({finding.guide})".replace("%", "%25").replace("\n", "%0A")
        level = "notice" if fixed else "warning"
        return f"::{level} file={path},line={finding.line},col={finding.column},title={finding.code}::{message}"
    return f"{path}:{finding.line}:{finding.column}: {finding.code} {finding.message} ({finding.guide})"


class JsonReport:
    """`--output-format json`: one document on stdout, a record per file with something to say:
    its status, each edit (rule code, line, column) and each finding; then the run's summary.
    Positions are those of the file as it is on disk after the run (the new file once written)."""

    VERSION = 2  # 1 was a flat list of rows

    def __init__(self) -> None:
        self.files: list[dict] = []

    def add(self, report, status: str) -> None:
        record = {"path": report.path, "status": status,
                  "edits": [_position(edit) for edit in report.edits],
                  "findings": [finding.as_dict() for finding in report.findings]}
        if report.reason and status not in ("changed", "would change", "unchanged"):
            record["reason"] = report.reason
        self.files.append(record)

    def dumps(self, counts: dict | None = None, fixes: dict | None = None, findings: dict | None = None) -> str:
        self.files.sort(key=lambda record: record["path"])
        document: dict = {"version": self.VERSION, "files": self.files}
        if counts is not None:
            document["summary"] = {**counts, "fixed": dict(sorted((fixes or {}).items())),
                                   "reported": dict(sorted((findings or {}).items()))}
        return json.dumps(document, indent=2)


def _position(edit) -> dict:
    """An edit as JSON: where, and which rule (its message is the rule's title)."""
    return {"code": edit.code, "line": edit.line, "column": edit.column, "message": edit.message}


def unified_diff(path: str, old: bytes, new: bytes, color: bool = False) -> str:
    import difflib

    old_text = old.decode("utf-8", errors="replace").splitlines(keepends=True)
    new_text = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old_text, new_text, fromfile=f"a/{path.lstrip('/')}",
                                 tofile=f"b/{path.lstrip('/')}")
    out = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        if color:
            if line.startswith("+") and not line.startswith("+++"):
                line = f"\x1b[32m{line.rstrip(chr(10))}\x1b[0m\n"
            elif line.startswith("-") and not line.startswith("---"):
                line = f"\x1b[31m{line.rstrip(chr(10))}\x1b[0m\n"
            elif line.startswith("@@"):
                line = f"\x1b[36m{line.rstrip(chr(10))}\x1b[0m\n"
        out.append(line)
    return "".join(out)


def write_summary(stream: IO[str], counts: dict, fixes: dict, findings: dict, seconds: float) -> None:
    stream.write(
        f"{counts.get('scanned', 0)} files scanned, {counts.get('candidates', 0)} with AfterShip code, "
        f"{counts.get('changed', 0)} changed, {counts.get('skipped', 0)} skipped, "
        f"{counts.get('error', 0)} errors in {seconds:.2f}s\n")
    for code in sorted(set(fixes) | set(findings)):
        stream.write(f"  {code}: {fixes.get(code, 0)} fixed, {findings.get(code, 0)} reported\n")


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and for runs worth watching."""

    def __init__(self, total: int, stream: IO[str], enabled: bool) -> None:
        self.total, self.stream, self.done = total, stream, 0
        self.enabled = enabled and total >= 20 and stream.isatty()
        self.shown = False

    def step(self) -> None:
        self.done += 1
        if self.enabled:
            filled = 30 * self.done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} files")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        """Wipe the bar, so that a line printed next (to either stream) starts at its beginning;
        the next step draws it again."""
        if self.enabled and self.shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()
            self.shown = False

    def close(self) -> None:
        self.clear()
