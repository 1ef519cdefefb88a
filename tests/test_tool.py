"""The tool around the engines: configuration, exit codes, README, Python API, packaging."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.catalogue import load_catalogue
from migrator.cli import main
from migrator.docs import with_rules_table

REPO = Path(__file__).resolve().parents[1]
V4_SOURCE = 'import requests\nURL = "https://api.aftership.com/v4/trackings"\nH = {"aftership-api-key": "k"}\n'
V4_FIXED = 'import requests\nURL = "https://api.aftership.com/tracking/2025-01/trackings"\nH = {"as-api-key": "k"}\n'


def run(args, **kwargs):
    return CliRunner().invoke(main, args, catch_exceptions=False, **kwargs)


def test_readme_opens_with_exactly_two_commands():
    text = (REPO / "README.md").read_text()
    head = text.split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", head, re.S)
    assert len(blocks) == 2
    assert "pip install ." in blocks[0] and "aftership-migrate" in blocks[0]
    assert "pytest" in blocks[1]


def test_readme_rules_table_is_current():
    readme = (REPO / "README.md").read_text()
    assert with_rules_table(readme, load_catalogue()) == readme, "regenerate: python -m migrator.docs README.md"


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    command = re.findall(r"```sh\n(.*?)\n```", readme, re.S)[1].split("&&")[-1].strip()
    assert command in (REPO / ".ci" / "run").read_text()


def test_wheel_has_no_top_level_rules_module(tmp_path):
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(tmp_path), str(REPO)], check=True, cwd=tmp_path)
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    tops = {name.split("/")[0] for name in names}
    assert "rules" not in tops and "migrator" in tops
    assert "migrator/rules/tracking_fields.py" in names
    assert any(name.startswith("migrator/schemas/2025-01/") for name in names)


def test_exit_zero_when_nothing_to_do(tmp_path):
    (tmp_path / "plain.py").write_text("print('hello')\n")
    assert run(["rewrite", str(tmp_path)]).exit_code == 0


def test_exit_one_when_changed_then_zero(tmp_path):
    source = tmp_path / "client.py"
    source.write_text(V4_SOURCE)
    assert run(["rewrite", str(tmp_path)]).exit_code == 1
    assert source.read_text() == V4_FIXED
    assert run(["rewrite", str(tmp_path)]).exit_code == 0


def test_exit_two_on_usage_errors(tmp_path):
    assert run(["rewrite", "--select", "XX9", str(tmp_path)]).exit_code == 2
    assert run(["translate", "--kind", "nope", str(tmp_path)]).exit_code == 2


def test_internal_error_in_one_file_names_it_and_others_go_on(tmp_path, monkeypatch):
    import migrator.codemod.engine as engine

    real = engine.rewrite_source

    def flaky(source, *args, **kwargs):
        if b"BOOM" in source:
            raise RuntimeError("simulated bug")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(engine, "rewrite_source", flaky)
    (tmp_path / "a.py").write_text(V4_SOURCE + "# BOOM\n")
    (tmp_path / "b.py").write_text(V4_SOURCE)
    result = run(["rewrite", "--jobs", "1", str(tmp_path)])
    assert result.exit_code == 2
    assert "a.py: error: internal error: RuntimeError: simulated bug" in result.output
    assert (tmp_path / "b.py").read_text() == V4_FIXED


def test_config_select_and_flag_override(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.aftership-migrate]\nselect = ["AS102"]\n')
    source = tmp_path / "client.py"
    source.write_text(V4_SOURCE)
    run(["rewrite", str(tmp_path)])
    assert '"https://api.aftership.com/v4/trackings"' in source.read_text()
    assert '"as-api-key"' in source.read_text()
    run(["rewrite", "--select", "AS101", str(tmp_path)])
    assert source.read_text() == V4_FIXED


def test_config_unknown_key_is_an_error_naming_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.aftership-migrate]\nselct = ["AS1"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run(["rewrite", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown key 'selct'" in result.output


def test_config_exclude_applies_to_walked_and_named_files(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.aftership-migrate]\nexclude = ["legacy/"]\n')
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "old.py").write_text(V4_SOURCE)
    assert run(["rewrite", str(tmp_path)]).exit_code == 0
    assert (legacy / "old.py").read_text() == V4_SOURCE


def test_gitignore_and_virtualenvs_are_skipped(tmp_path):
    (tmp_path / ".gitignore").write_text("generated/\n")
    for folder in ("generated", "venv2"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.py").write_text(V4_SOURCE)
    (tmp_path / "venv2" / "pyvenv.cfg").write_text("home = /usr\n")
    assert run(["rewrite", str(tmp_path)]).exit_code == 0


def test_a_repository_inside_an_ignored_folder_is_walked(tmp_path):
    """The outer checkout ignores `vendor/`, but the root given is a repository of its own."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("vendor/\n")
    project = tmp_path / "vendor" / "shop"
    (project / ".git").mkdir(parents=True)
    (project / "client.py").write_text(V4_SOURCE)
    assert run(["rewrite", str(tmp_path / "vendor")]).exit_code == 0  # not a repository: ignored
    assert (project / "client.py").read_text() == V4_SOURCE
    assert run(["rewrite", str(project)]).exit_code == 1
    assert (project / "client.py").read_text() == V4_FIXED


def test_binary_and_undecodable_files_are_listed_not_crashed_on(tmp_path):
    (tmp_path / "bin.py").write_bytes(b"\x00\x01aftership")
    (tmp_path / "latin.py").write_bytes(b'x = "caf\xe9 api.aftership.com/v4"\n')
    (tmp_path / "ok.py").write_text(V4_SOURCE)
    result = run(["rewrite", str(tmp_path)])
    assert "bin.py: skipped: binary file" in result.output
    assert "latin.py: skipped: not valid text" in result.output
    assert (tmp_path / "ok.py").read_text() == V4_FIXED


def test_python_api():
    from migrator.api import convert_line, rewrite_code, translate_document

    result = rewrite_code(V4_SOURCE)
    assert result.changed and result.code == V4_FIXED and result.findings == []
    body = {"tracking": {"title": "Mug", "emails": ["a@b.c"]}}
    translation = translate_document(body)
    assert translation.document == {"title": "Mug", "customers": [{"email": "a@b.c"}]}
    assert body == {"tracking": {"title": "Mug", "emails": ["a@b.c"]}}  # input untouched
    line, entry = convert_line(json.dumps({"tracking": {"title": "Mug", "ios": ["t"]}}))
    assert json.loads(line) == {"title": "Mug"} and entry["events"][0]["rule"] == "AS321"


def test_rules_command_lists_and_explains():
    listing = run(["rules"]).output
    assert all(rule.code in listing for rule in load_catalogue())
    explained = run(["rules", "AS307"]).output
    assert "§5.7" in explained and "before" in explained and "after" in explained
    assert run(["rules", "AS999"]).exit_code == 2


def test_escapes_and_raw_strings_are_kept():
    from migrator.api import rewrite_code

    source = ('X = \'BASE = "https://api.aftership.com/v4"\\n\'\n'
              'Y = r"https://api.aftership.com/v4\\d"\n'
              'H = {"aftership-api-key": 1}\n')
    result = rewrite_code(source)
    assert result.code == ('X = \'BASE = "https://api.aftership.com/tracking/2025-01"\\n\'\n'
                           'Y = r"https://api.aftership.com/tracking/2025-01\\d"\n'
                           'H = {"as-api-key": 1}\n')


def test_readme_lists_every_kind():
    from migrator.payload.kinds import KINDS

    readme = (REPO / "README.md").read_text()
    assert all(f"`{kind}`" in readme for kind in KINDS)


def test_api_rejects_a_rule_code_that_names_no_rule():
    from migrator.api import rewrite_code

    with pytest.raises(ValueError, match="AS999"):
        rewrite_code(V4_SOURCE, select=["AS999"])


def test_a_run_over_files_without_aftership_code_does_not_import_libcst(tmp_path):
    """Start-up is what a pre-commit hook pays on every commit: libcst costs ~0.2 s to import."""
    import subprocess
    import sys

    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("import os\nx = 1\n")
    probe = ("import sys\nfrom migrator.cli import main\n"
             "try:\n    main(['rewrite', *sys.argv[1:]])\nexcept SystemExit:\n    pass\n"
             "print('libcst' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "a.py"), str(tmp_path / "b.py")],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr
