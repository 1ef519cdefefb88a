"""A file the codemod cannot write is reported and the run goes on."""

from __future__ import annotations

import errno

from click.testing import CliRunner

import migrator.atomic
from migrator.cli import main

V4 = 'URL = "https://api.aftership.com/v4/trackings"\n'


def test_unwritable_file_is_an_error_and_the_others_are_rewritten(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(V4)
    (tmp_path / "b.py").write_text(V4)
    real = migrator.atomic.write_bytes_atomic

    def write(path, data, expected=None):
        if str(path).endswith("a.py"):  # as a read-only folder or a full disk would
            raise PermissionError(errno.EACCES, "Permission denied")
        real(path, data, expected)

    monkeypatch.setattr(migrator.atomic, "write_bytes_atomic", write)
    result = CliRunner().invoke(main, ["rewrite", "--jobs", "1", str(tmp_path)])
    assert result.exit_code == 2
    assert "a.py: error: cannot write: Permission denied" in result.output
    assert (tmp_path / "a.py").read_text() == V4
    assert "tracking/2025-01" in (tmp_path / "b.py").read_text()
