"""How findings and diffs are shown: text (ruff style), JSON, or GitHub annotations."""

from __future__ import annotations

import json
from typing import IO, Iterable


def finding_line(path: str, finding, fmt: str, fixed: bool = False) -> str:
    """One finding (or, with --show-fixes, one fix) in the chosen format."""
    if fmt == "github":
        message = f"{finding.message} ({finding.guide})".replace("%", "%25").replace("\n", "%0A")
        level = "notice" if fixed else "warning"
        return f"::{level} file={path},line={finding.line},col={finding.column},title={finding.code}::{message}"
    return f"{path}:{finding.line}:{finding.column}: {finding.code} {finding.message} ({finding.guide})"


def findings_json(findings_by_path: Iterable[tuple[str, list]],
                  edits_by_path: Iterable[tuple[str, list]] = ()) -> str:
    """Findings (`"fixed": false`) and, with --show-fixes, fixes (`"fixed": true`), in path order."""
    rows = [{"path": path, **f.as_dict(), "fixed": False} for path, findings in findings_by_path for f in findings]
    rows += [{"path": path, **e.as_dict(), "fixed": True} for path, edits in edits_by_path for e in edits]
    rows.sort(key=lambda r: (r["path"], r["line"], r["column"], r["code"]))
    return json.dumps(rows, indent=2)


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
