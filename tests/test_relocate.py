"""After a write, findings name lines of the new file (issue 11, point 3)."""

from __future__ import annotations

from click.testing import CliRunner

from migrator.cli import main
from migrator.codemod.findings import Finding
from migrator.codemod.relocate import relocate


def at(line: int, column: int, code: str = "AS201") -> Finding:
    return Finding(line, column, code, "m", "guide §2")


def test_unchanged_lines_follow_the_lines_added_or_removed_above():
    old = b"a = 1\nb = {\n    'tracking': 1,\n}\nc = get(slug, number)\n"
    new = b"a = 1\nb = 1\nc = get(slug, number)\n"
    assert relocate([at(5, 5)], old, new) == [at(3, 5)]


def test_a_site_on_an_edited_line_is_found_by_its_text():
    old = b'r = get(f"{API}/trackings/{slug}/{number}", headers={"aftership-api-key": K})\n'
    new = (b'i = lookup(slug, number)\n'
           b'r = get(f"{API}/trackings/{slug}/{number}", headers={"as-api-key": K})\n')
    moved = relocate([at(1, 9), at(1, 55, "AS102")], old, new)
    assert [(f.line, f.column) for f in moved] == [(2, 9), (2, 55)]
    assert new.splitlines()[1][8:].startswith(b'f"{API}')


def test_crlf_lines_count_as_libcst_counts_them():
    old = b"x = 1\r\ny = {'tracking': 2}\r\nz = 3\r\n"
    new = b"x = 1\r\n\r\ny = 2\r\nz = 3\r\n"
    assert relocate([at(3, 1)], old, new) == [at(4, 1)]


CLIENT = '''import requests

API = "https://api.aftership.com/v4"


def create(number):
    body = {
        "tracking": {
            "tracking_number": number,
        }
    }
    requests.post(f"{API}/trackings", json=body)


def by_number(slug, number):
    return requests.get(f"{API}/trackings/{slug}/{number}")
'''


def test_after_a_write_findings_point_at_the_new_file(tmp_path):
    path = tmp_path / "client.py"
    path.write_text(CLIENT)
    checked = CliRunner().invoke(main, ["rewrite", "--check", str(path)])
    assert f"{path}:16:12: AS201" in checked.output  # --check: the file as it is
    written = CliRunner().invoke(main, ["rewrite", str(path)])
    line = next(number for number, text in enumerate(path.read_text().splitlines(), 1) if "{slug}/{number}" in text)
    assert line < 16 and f"{path}:{line}:12: AS201" in written.output, written.output
    again = CliRunner().invoke(main, ["rewrite", "--check", str(path)])
    assert f"{path}:{line}:12: AS201" in again.output
