"""Dependency files that name the legacy SDKs (`aftership`, `pyaftership`): `requirements*.txt`,
`pyproject.toml` (PEP 621 dependencies and extras, Poetry) and `setup.cfg`.

A requirement on a legacy SDK becomes `aftership-tracking-sdk>=5.0.1,<6` (its environment marker
kept), but only once no Python file of the project imports the legacy package any more: before
that, the new requirement alone would break those imports, so the line is reported with the
first file still importing it. A requirement the tool cannot judge (a URL, an editable install,
a path) is reported. Files are edited line by line, so formatting and comments stay.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from migrator.codemod.sites import Finding

LEGACY = frozenset({"aftership", "pyaftership"})
NEW_NAME = "aftership-tracking-sdk"
NEW_SPEC = ">=5.0.1,<6"
# The key under which a run hands a dependency file the files that still import a legacy SDK.
LEGACY_IMPORTERS = "legacy-sdk-importers:"


def is_dependency_file(name: str) -> bool:
    """requirements*.txt (and any .txt in a `requirements/` folder), pyproject.toml, setup.cfg."""
    base = os.path.basename(name)
    if base in ("pyproject.toml", "setup.cfg"):
        return True
    return base.endswith(".txt") and (base.startswith("requirements")
                                      or os.path.basename(os.path.dirname(name)) == "requirements")


# A requirement: its name, then extras, version specifiers, marker or URL (PEP 508).
_REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*"
                          r"(?P<rest>[^;]*?)\s*(?P<marker>;.*)?$")
# Lines as editors count them: str.splitlines would also cut at form feeds and U+2028.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_QUOTED = re.compile(r"""(?P<quote>["'])(?P<text>[^"'\n]*)(?P=quote)""")
_TABLE = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*(#.*)?$")
_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_POETRY_KEY = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Za-z0-9._-]+)(?P<space>\s*=\s*)(?P<value>.*?)(?P<end>\s*(#.*)?)$")


def legacy_requirement(text: str) -> str | None:
    """The legacy package a requirement string names (None for any other requirement)."""
    match = _REQUIREMENT.match(text.strip())
    return match.group("name") if match and _normalised(match.group("name")) in LEGACY else None


def replacement(text: str) -> str:
    """The requirement on the official SDK that replaces `text`, its environment marker kept."""
    marker = _REQUIREMENT.match(text.strip()).group("marker") or ""
    return f"{NEW_NAME}{NEW_SPEC}{'; ' + marker[1:].strip() if marker else ''}"


def judged(text: str) -> bool:
    """Whether the tool can replace the requirement (a URL or a path it cannot judge)."""
    return "@" not in _REQUIREMENT.match(text.strip()).group("rest") and "://" not in text


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Result:
    new_source: bytes
    findings: list[Finding] = field(default_factory=list)
    edits: list[Finding] = field(default_factory=list)


def rewrite_dependencies(name: str, source: bytes, importers: list[str], rule) -> Result:
    """The file with each legacy requirement replaced (none while `importers`, the files still
    importing a legacy SDK, is not empty), and what was done or left, as `rule` (AS109) says."""
    text = source.decode("utf-8", errors="surrogateescape")
    bom = "\ufeff" if text.startswith("\ufeff") else ""  # written back as it was, not read as text
    text = text[len(bom):]
    lines = _LINES.findall(text)
    base = os.path.basename(name)
    has_new = _normalised(NEW_NAME) in {_normalised(m.group("name")) for m in _REQUIREMENT_NAMES.finditer(text)}
    result = Result(source)
    editor = _Editor(importers, has_new, result, rule)
    if base == "pyproject.toml":
        out = _pyproject(lines, editor)
    elif base == "setup.cfg":
        out = _setup_cfg(lines, editor)
    else:
        out = [editor.plain(number, line) for number, line in enumerate(lines, 1)]
    result.new_source = (bom + "".join(line for line in out if line is not None)).encode("utf-8", errors="surrogateescape")
    return result


_REQUIREMENT_NAMES = re.compile(r"(?m)(?:^|[\"'\s])(?P<name>aftership-tracking-sdk|aftership_tracking_sdk)\b")


class _Editor:
    """Decides each requirement on a legacy SDK: replaced, dropped (the new SDK is already
    required), or reported."""

    def __init__(self, importers: list[str], has_new: bool, result: Result, rule) -> None:
        from migrator.codemod.ruleset import guide_ref

        self.importers, self.has_new, self.result = importers, has_new, result
        self.code, self.guide = rule.code, guide_ref(rule)

    def requirement(self, number: int, column: int, text: str) -> str | None:
        """The new text of one requirement string on a legacy SDK; None to drop it; `text` itself
        when it is left (and reported). Not called for other requirements."""
        legacy = legacy_requirement(text)
        if not judged(text):
            self._report(number, column, f"`{text.strip()}` installs the legacy SDK from a URL: "
                                         f"require {NEW_NAME}{NEW_SPEC} instead (not judged by the tool)")
            return text
        if self.importers:
            self._report(number, column, f"`{text.strip()}` is the legacy SDK: it becomes {NEW_NAME}{NEW_SPEC} once "
                                         f"no code imports {legacy} (still imported at {self.importers[0]})")
            return text
        self.result.edits.append(Finding(number, column, self.code, f"fixed: {legacy} becomes {NEW_NAME}{NEW_SPEC}",
                                         self.guide))
        if self.has_new:
            return None  # required already (or by the line before): a second requirement would clash
        self.has_new = True
        return text.replace(text.strip(), replacement(text.strip()))

    def _report(self, number: int, column: int, message: str) -> None:
        self.result.findings.append(Finding(number, column, self.code, message, self.guide))

    def plain(self, number: int, line: str) -> str | None:
        """A line of a requirements file (or a setup.cfg continuation line)."""
        body, newline = _split_newline(line)
        content = body.split(" #", 1)[0] if " #" in body else ("" if body.lstrip().startswith("#") else body)
        stripped = content.strip()
        if stripped.startswith(("-e ", "--editable")) and any(p in stripped for p in LEGACY):
            if re.search(r"[#&]egg=(py)?aftership\b", stripped):
                self._report(number, 1, f"`{stripped}` installs the legacy SDK in editable mode: "
                                        f"require {NEW_NAME}{NEW_SPEC} instead (not judged by the tool)")
            return line
        match = _REQUIREMENT.match(stripped) if stripped and not stripped.startswith("-") else None
        if match is None or _normalised(match.group("name")) not in LEGACY:
            return line
        column = len(body) - len(body.lstrip()) + 1
        if " -" in stripped or stripped.endswith("\\"):  # pip options: hashes, a continued line
            self._report(number, column, f"`{stripped}` pins the legacy SDK with pip options (hashes?): lock "
                                         f"{NEW_NAME}{NEW_SPEC} again instead (not judged by the tool)")
            return line
        new = self.requirement(number, column, stripped)
        if new is None:
            return None
        return body.replace(stripped, new, 1) + newline


def _split_newline(line: str) -> tuple[str, str]:
    stripped = line.rstrip("\r\n")
    return stripped, line[len(stripped):]


def _pyproject(lines: list[str], editor: _Editor) -> list[str | None]:
    """Quoted requirements in [project] dependencies and [project.optional-dependencies] arrays,
    and keys of [tool.poetry.*dependencies] tables."""
    out: list[str | None] = []
    table, in_array = "", False
    for number, line in enumerate(lines, 1):
        header = _TABLE.match(line)
        if header and not in_array:
            table = header.group("name").strip()
            out.append(line)
            continue
        body, newline = _split_newline(line)
        poetry = table.startswith("tool.poetry") and table.endswith("dependencies")
        if poetry:
            out.append(_poetry_line(number, body, newline, editor))
            continue
        starts = table == "project" and re.match(r"^\s*dependencies\s*=", body) or table == "project.optional-dependencies"
        if starts or in_array:
            if "[" in body.split("#", 1)[0] and not in_array:
                in_array = True
            out.append(_quoted_requirements(number, body, newline, editor))
            if "]" in body.split("#", 1)[0].split("=", 1)[-1] and in_array:
                in_array = False
            continue
        out.append(line)
    return out


def _quoted_requirements(number: int, body: str, newline: str, editor: _Editor) -> str | None:
    """A line holding quoted requirement strings: each on a legacy SDK is decided by `editor`."""
    pieces, at, dropped = [], 0, False
    code = body.split("#", 1)[0]
    for match in _QUOTED.finditer(code):
        requirement = _REQUIREMENT.match(match.group("text").strip())
        if requirement is None or _normalised(requirement.group("name")) not in LEGACY:
            continue
        new = editor.requirement(number, match.start() + 1, match.group("text"))
        pieces.append(body[at:match.start()])
        if new is None:  # drop the string and the comma after it
            dropped = True
            rest = body[match.end():]
            at = match.end() + (len(rest) - len(rest.lstrip(" ,")) if rest.lstrip().startswith(",") else 0)
            continue
        pieces.append(f"{match.group('quote')}{new}{match.group('quote')}")
        at = match.end()
    if not pieces:
        return body + newline
    text = "".join(pieces) + body[at:]
    if dropped and not text.strip(" ,"):
        return None  # the line held only that requirement
    return text + newline


def _poetry_line(number: int, body: str, newline: str, editor: _Editor) -> str | None:
    match = _POETRY_KEY.match(body)
    if match is None or _normalised(match.group("name")) not in LEGACY:
        return body + newline
    value = match.group("value").strip()
    if not re.fullmatch(r"""(["'])[^"']*\1""", value):  # a table: git, path, extras ...
        editor._report(number, len(match.group("indent")) + 1,
                       f"`{body.strip()}` is the legacy SDK: require {NEW_NAME} = \"{NEW_SPEC}\" instead "
                       f"(not judged by the tool)")
        return body + newline
    new = editor.requirement(number, len(match.group("indent")) + 1, match.group("name"))
    if new is None:
        return None
    if new == match.group("name"):  # left and reported
        return body + newline
    return f"{match.group('indent')}{NEW_NAME}{match.group('space')}\"{NEW_SPEC}\"{match.group('end')}{newline}"


def _setup_cfg(lines: list[str], editor: _Editor) -> list[str | None]:
    """install_requires / extras_require / tests_require values of [options] sections: a
    requirement per line, on the key's line or indented below it."""
    out: list[str | None] = []
    section, in_key = "", False
    for number, line in enumerate(lines, 1):
        header = _SECTION.match(line)
        if header:
            section, in_key = header.group("name").strip(), False
            out.append(line)
            continue
        body, newline = _split_newline(line)
        if section.startswith("options"):
            key = re.match(r"^(?P<key>[A-Za-z_][\w-]*)\s*[=:]\s*(?P<value>.*)$", body)
            if key and not body[:1].isspace():
                in_key = key.group("key") in ("install_requires", "tests_require") or section == "options.extras_require"
                value = key.group("value")
                if in_key and value.strip():
                    head = body[:len(body) - len(value)]
                    rewritten = editor.plain(number, value + newline)
                    out.append(None if rewritten is None else head + rewritten)
                    continue
                out.append(line)
                continue
            if in_key and body[:1].isspace():
                out.append(editor.plain(number, line))
                continue
            in_key = in_key and not body.strip() == ""
        out.append(line)
    return out
