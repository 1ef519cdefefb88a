"""AS109: dependency files move from the legacy SDKs to aftership-tracking-sdk, only once no code
imports a legacy SDK (issue 12, point 4)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.codemod import requirements
from migrator.rules.legacy_sdks import LEGACY_REQUIREMENT

NEW = "aftership-tracking-sdk>=5.0.1,<6"


@pytest.mark.parametrize(("name", "before", "after"), [
    ("requirements.txt", "requests\naftership==1.4.1  # the SDK\n", f"requests\n{NEW}  # the SDK\n"),
    ("requirements-dev.txt", "pyaftership>=21 ; python_version >= '3.9'\r\n",
     f"{NEW}; python_version >= '3.9'\r\n"),
    ("requirements/base.txt", "aftership\npyaftership\n", f"{NEW}\n"),  # one requirement, not two
    ("requirements.txt", f"{NEW}\naftership==1.4.1\n", f"{NEW}\n"),  # already there: the old line goes
    ("pyproject.toml", '[project]\ndependencies = [\n    "requests",\n    "aftership>=1.0",\n]\n',
     f'[project]\ndependencies = [\n    "requests",\n    "{NEW}",\n]\n'),
    ("pyproject.toml", '[project.optional-dependencies]\nha = ["pyaftership==23.1.0", "x"]\n',
     f'[project.optional-dependencies]\nha = ["{NEW}", "x"]\n'),
    ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.10"\naftership = "^1.4"  # sdk\n',
     '[tool.poetry.dependencies]\npython = "^3.10"\naftership-tracking-sdk = ">=5.0.1,<6"  # sdk\n'),
    ("setup.cfg", "[options]\ninstall_requires =\n    requests\n    aftership>=1.0\n",
     f"[options]\ninstall_requires =\n    requests\n    {NEW}\n"),
    ("setup.cfg", "[options.extras_require]\nha = pyaftership\n", f"[options.extras_require]\nha = {NEW}\n"),
])
def test_requirements_are_replaced(name, before, after):
    result = rewrite_dependencies(name, before.encode(), [])
    assert result.new_source.decode() == after and not result.findings
    assert rewrite_dependencies(name, result.new_source, []).new_source == result.new_source  # a second run


def rewrite_dependencies(name: str, source: bytes, importers: list[str]):
    return requirements.rewrite_dependencies(name, source, importers, LEGACY_REQUIREMENT)


@pytest.mark.parametrize(("name", "text"), [
    ("requirements.txt", "aftership==1.4.1\n"),
    ("requirements.txt", "-e git+https://github.com/AfterShip/aftership-sdk-python#egg=aftership\n"),
    ("requirements.txt", "aftership @ https://example.com/aftership-1.4.1.tar.gz\n"),
    ("pyproject.toml", '[tool.poetry.dependencies]\npyaftership = {git = "https://github.com/x/pyaftership"}\n'),
])
def test_what_cannot_be_replaced_is_reported_and_kept(name, text):
    importers = ["shop/client.py:3"] if text == "aftership==1.4.1\n" else []
    result = rewrite_dependencies(name, text.encode(), importers)
    assert result.new_source == text.encode() and [f.code for f in result.findings] == ["AS109"]
    assert not importers or "shop/client.py:3" in result.findings[0].message


def test_other_packages_and_comments_are_left_alone():
    text = b"# we used aftership once\naftership-tracking-sdk==5.0.1\nmy-aftership-helpers==2\n"
    result = rewrite_dependencies("requirements.txt", text, [])
    assert result.new_source == text and not result.findings and not result.edits


def project(tmp_path, code: str):
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("aftership==1.4.1\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "client.py").write_text(code)
    return tmp_path


def test_a_run_on_the_requirements_file_alone_knows_the_code_still_imports_the_sdk(tmp_path, monkeypatch):
    root = project(tmp_path, "import aftership\n\naftership.api_key = 'k'\n")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["rewrite", "requirements.txt"])  # pre-commit: the staged file only
    assert result.exit_code == 1 and "still imported at shop/client.py" in result.output
    assert (root / "requirements.txt").read_text() == "aftership==1.4.1\n"


def test_once_the_code_has_moved_the_requirement_follows(tmp_path, monkeypatch):
    root = project(tmp_path, "import tracking\n\nclient = tracking.Client(tracking.Configuration(api_key='k'))\n")
    monkeypatch.chdir(root)
    check = CliRunner().invoke(main, ["rewrite", "--check", "."])
    assert check.exit_code == 1 and "would rewrite requirements.txt" in check.output
    assert CliRunner().invoke(main, ["rewrite", "."]).exit_code == 1
    assert (root / "requirements.txt").read_text() == f"{NEW}\n"
    assert CliRunner().invoke(main, ["rewrite", "--check", "."]).exit_code == 0


def test_one_run_moves_the_code_and_then_the_requirement(tmp_path, monkeypatch):
    root = project(tmp_path, "import aftership\n\n\ndef tag(tid):\n"
                             "    return aftership.tracking.get_tracking(tracking_id=tid)['tracking']['tag']\n")
    monkeypatch.chdir(root)
    check = CliRunner().invoke(main, ["rewrite", "--check", "."])
    assert "would rewrite requirements.txt" in check.output and "would rewrite shop/client.py" in check.output
    assert CliRunner().invoke(main, ["rewrite", "."]).exit_code == 1
    assert (root / "requirements.txt").read_text() == f"{NEW}\n"
    assert "import aftership" not in (root / "shop" / "client.py").read_text()
    assert CliRunner().invoke(main, ["rewrite", "--check", "."]).exit_code == 0


@pytest.mark.parametrize(("text", "after"), [
    ("\ufeffaftership==1.4.1\n", f"\ufeff{NEW}\n"),  # a BOM is kept, and does not hide the line
    ("\ufeff[project]\ndependencies = [\"aftership\"]\n", f"\ufeff[project]\ndependencies = [\"{NEW}\"]\n"),
    ("# \u2028 odd\x0c comment\naftership\n", f"# \u2028 odd\x0c comment\n{NEW}\n"),  # lines as editors count
])
def test_odd_files_are_read_as_editors_show_them(text, after):
    name = "pyproject.toml" if "[project]" in text else "requirements.txt"
    result = rewrite_dependencies(name, text.encode(), [])
    assert result.new_source.decode() == after
    assert [edit.line for edit in result.edits] == [after.count("\n") if name == "requirements.txt" else 2]


@pytest.mark.parametrize("text", [
    "aftership==1.4.1 \\\n    --hash=sha256:0123\n",  # pip-compile --generate-hashes
    "aftership==1.4.1 --hash=sha256:0123\n",
])
def test_hashed_requirements_are_reported_not_broken(text):
    result = rewrite_dependencies("requirements.txt", text.encode(), [])
    assert result.new_source == text.encode() and [f.code for f in result.findings] == ["AS109"]


def test_the_requirement_stays_when_the_code_that_needed_it_could_not_be_written(tmp_path, monkeypatch):
    """A code file with another hard link is left alone (renaming over it would split the links):
    the requirement it still needs must stay too."""
    import os

    root = project(tmp_path, "import aftership\n\n\ndef tag(tid):\n"
                             "    return aftership.tracking.get_tracking(tracking_id=tid)['tracking']['tag']\n")
    os.link(root / "shop" / "client.py", tmp_path / "client-link.py")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["rewrite", "."])
    assert "hard links" in result.output and "requirements.txt: skipped" in result.output
    assert (root / "requirements.txt").read_text() == "aftership==1.4.1\n"
