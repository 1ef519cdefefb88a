"""The rewrite of one test data file, and which files are test data (the hook the codemod's
runner calls, as it calls `codemod.requirements` for dependency files).

Test data files: YAML cassettes anywhere (vcrpy's cassette folder is the project's choice), JSON
files under a folder named fixtures, tests, test, testdata, test_data or *cassettes* (at any
depth), and JSON files a test names in a string literal (`open("data/tracking.json")`,
`Path(__file__).parent / "tracking.json"`). A byte test picks the ones that may hold AfterShip
data before anything is parsed; the rest are never read as data.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass, field

from migrator.codemod.sites import Finding
from migrator.datafiles.ruleset import DataRules, Said
from migrator.datafiles.spans import Text, Unreadable

YAML_SUFFIXES = (".yaml", ".yml")
DATA_SUFFIXES = (".json", *YAML_SUFFIXES)
TEST_FOLDERS = frozenset({"fixtures", "tests", "test", "testdata", "test_data"})
# The key under which a run tells a data file that the project names AfterShip elsewhere.
NAMES_AFTERSHIP = "project-names-aftership:"


def is_data_file(path: str) -> bool:
    """A file this hook reads (by its suffix): JSON or YAML."""
    return path.lower().endswith(DATA_SUFFIXES)


def in_test_folder(path: str) -> bool:
    """Whether a folder of `path` is a tests or fixtures folder (any depth)."""
    folders = os.path.dirname(os.path.normpath(path)).lower().replace("\\", "/").split("/")
    return any(folder in TEST_FOLDERS or "cassette" in folder for folder in folders)


def is_test_code(path: str) -> bool:
    """A Python file of a test suite: in a tests folder, or named test_*.py, *_test.py, conftest.py."""
    base = os.path.basename(path)
    return base.endswith(".py") and (in_test_folder(path) or base.startswith("test_") or base.endswith("_test.py")
                                     or base == "conftest.py")


def read_eagerly(path: str) -> bool:
    """Whether discovery's data file is read at once: a YAML file, or JSON in a tests folder (other
    JSON files are read only when a test names them)."""
    return path.lower().endswith(YAML_SUFFIXES) or in_test_folder(path)


_JSON_LITERAL = re.compile(rb"""["']([^"'\r\n]{1,300}?\.json)["']""", re.IGNORECASE)


def json_names(source: bytes) -> set[str]:
    """The `.json` file names a test's string literals hold, as relative paths ("data/t.json")."""
    return {os.path.normpath(match.group(1).decode("utf-8", "replace")).replace("\\", "/").lstrip("./")
            for match in _JSON_LITERAL.finditer(source)}


def named_by(path: str, names: set[str]) -> bool:
    """Whether a literal of `names` is the end of `path` (whole path components)."""
    parts = os.path.normpath(path).replace("\\", "/").split("/")
    return any("/".join(parts[i:]) in names for i in range(len(parts)))


_FIXTURE_KEYS = (b'"tracking_number"', b'"trackings"', b'"couriers"', b'"estimated_delivery_dates"', b'"msg"',
                 b'"tracking"', b'"notification"', b'"checkpoint"')


def may_hold_aftership_data(path: str, data: bytes) -> bool:
    """The byte test: a cassette naming AfterShip's host, or JSON holding AfterShip's keys."""
    if b"nteractions" in data and b"api.aftership.com" in data.lower():
        return True
    return path.lower().endswith(".json") and any(key in data for key in _FIXTURE_KEYS)


@dataclass
class DataResult:
    new_source: bytes
    findings: list[Finding] = field(default_factory=list)
    edits: list[Finding] = field(default_factory=list)
    fixes: dict[str, int] = field(default_factory=dict)
    status: str = "unchanged"  # unchanged | changed | skipped | error
    reason: str = ""
    unread_line: int = 0  # skipped because it cannot be read: where (1-based)


def rewrite_data_file(path: str, source: bytes, rules: DataRules, names_aftership: bool = False,
                      kind: str | None = None) -> DataResult:
    """The new bytes of one cassette or JSON fixture and what the rewrite says; never raises.
    `kind`: a JSON fixture's kind by the configuration's `kinds` table (the user's word for it)."""
    try:
        return _rewrite(path, source, rules, names_aftership, kind)
    except Exception as error:  # noqa: BLE001 - one file's bug must not stop the run
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        return DataResult(source, status="error", reason=f"internal error: {detail}")


_BOM = "\ufeff"


def _rewrite(path: str, source: bytes, rules: DataRules, names_aftership: bool, kind: str | None) -> DataResult:
    from migrator.datafiles.cassettes import CassetteRewrite, interactions_of
    from migrator.datafiles.spans import read_json, read_yaml

    try:
        decoded = source.decode("utf-8")
    except UnicodeDecodeError as error:
        line = source.count(b"\n", 0, error.start) + 1
        return DataResult(source, status="skipped", reason=f"not UTF-8 text (byte {error.start + 1})", unread_line=line)
    bom = _BOM if decoded.startswith(_BOM) else ""  # written back as it was, not read as text
    text = decoded[len(bom):]
    is_yaml = path.lower().endswith(YAML_SUFFIXES)
    try:
        tree = read_yaml(text) if is_yaml else read_json(text)
    except Unreadable as error:
        if is_yaml or b"nteractions" in source:  # a cassette naming AfterShip that cannot be read
            return DataResult(source, status="skipped", reason=f"cannot read the cassette: {error}",
                              unread_line=error.line)
        return DataResult(source)  # no JSON: no AfterShip body either
    said = Said(Text(text), rules)
    interactions = interactions_of(tree)
    if interactions is not None:
        rewrite = CassetteRewrite(said)
        rewrite.run(interactions)
        new_text = _written(text, tree, list(rewrite.changes.values()), is_yaml) if rewrite.changes else text
    elif is_yaml:
        return DataResult(source)
    else:
        new_text = _fixture(text, tree, said, names_aftership, kind)
    new_source = (bom + new_text).encode("utf-8") if new_text != text else source
    return DataResult(new_source, said.findings, said.edits, dict(said.fixes),
                      "changed" if new_source != source else "unchanged")


def _fixture(text: str, tree, said: Said, names_aftership: bool, kind: str | None) -> str:
    from migrator.datafiles.fixtures import rewrite_fixture
    from migrator.payload.sources import parse_body

    try:
        document = parse_body(text)  # exact numbers, each key once: as `translate` reads it
    except ValueError:
        return text
    new = rewrite_fixture(text, document, tree, said, names_aftership, kind)
    return text if new is None else new


def _written(text: str, tree, changes: list, is_yaml: bool) -> str:
    """The text with each changed scalar replaced, checked by reading it back: every value is the
    one intended and nothing else moved (else the scalars are written again on one line each,
    which is valid anywhere, and checked again)."""
    from migrator.datafiles.spans import plain, read_json, read_yaml, render_json, render_yaml, splice

    expected = plain(tree, {id(scalar): value for scalar, value in changes})
    allow_unicode = not text.isascii()
    for one_line in (False, True):
        if is_yaml:
            replacements = [(scalar, render_yaml(scalar, value, text[scalar.start:scalar.end], allow_unicode, one_line))
                            for scalar, value in changes]
        else:
            replacements = [(scalar, render_json(value, text.isascii())) for scalar, value in changes]
        new_text = splice(text, replacements)
        try:
            if plain(read_yaml(new_text) if is_yaml else read_json(new_text)) == expected:
                return new_text
        except Unreadable:
            pass
    raise RuntimeError("the rewritten cassette does not read back as intended; left as it was")
