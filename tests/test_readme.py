"""Every command and block of the README, run (issue 11, point 4): what it shows is what the tool
does, and its examples lead to a green `--check` once the work is done. The pre-commit block is
run by test_precommit.py, the Dask script by test_distributed.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.api import rewrite_code, translate_document
from _codemod import json_rows

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
TOOL = str(Path(sys.executable).with_name("aftership-migrate"))


def all_blocks(text: str = README) -> list[tuple[str, str, str]]:
    """(section heading, language, text) of every fenced block, in order; a block indented in a
    list item is read without its indentation."""
    found, current, opened, heading, indent = [], [], None, "", 0
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            heading = line[3:].strip()
        if line.lstrip().startswith("```"):
            if opened is None:
                opened, current, indent = line.strip()[3:], [], len(line) - len(line.lstrip())
            else:
                found.append((heading, opened, "".join(current)))
                opened = None
        elif opened is not None:
            current.append(line[indent:] if not indent or line[:indent].isspace() else line.lstrip(" "))
    return found


def blocks(language: str, text: str = README) -> list[str]:
    """The fenced blocks of `language` ("" for a bare fence), in order."""
    return [block for _, fence, block in all_blocks(text) if fence == language]


# Every block of the README and the test that runs it: a block added without a test fails below.
RUN_BY = {
    ("", "sh"): "test_the_first_command_shows_the_bundled_example, test_ci_runs_the_readme_test_command",
    ("Code: before and after", "python"): "test_code_before_and_after",
    ("Code: before and after", ""): "test_the_finding_shown_is_the_one_printed",
    ("JSON: before and after", "json"): "test_json_before_and_after",
    ("Migrating a deployment, in order", "python"): "test_the_webhook_bridge",
    ("Configuration", "toml"): "test_the_configuration_and_silencing_lead_to_a_green_check, "
                               "test_the_configuration_kinds_table_decides_what_translate_could_not",
    ("Silencing a finding", "python"): "test_silencing_block",
    ("pre-commit and CI", "yaml"): "test_precommit.py::test_the_readme_snippet_works_in_a_commit_of_one_staged_file",
    ("Archives larger than one machine", "python"): "test_distributed.py::test_the_readme_dask_script_runs_...",
    ("Stored JSON in databases", "sh"): "test_translate_db.py::test_the_readme_database_commands_run",
    ("Python API", "python"): "test_python_api_block",
    ("Code on the legacy SDKs", "python"): "test_legacy_sdk_before_and_after",
    ("Migrating your tests", "python"): "test_mock_before_and_after",
    ("Migrating your tests", "yaml"): "test_the_cassette_before_and_after",
    ("Rules", ""): "none needed: the rules table is generated (test_readme_rules_table_is_current)",
}


def test_every_block_is_run_by_a_test():
    unknown = {(heading, fence) for heading, fence, _ in all_blocks()} - RUN_BY.keys()
    assert not unknown, f"README blocks no test runs: {sorted(unknown)}"


def test_the_webhook_bridge():
    namespace: dict = {}
    exec(blocks("python", section("Migrating a deployment, in order"))[0], namespace)  # noqa: S102
    v4 = json.loads((REPO / "fixtures" / "json" / "v4" / "webhook.tracking_update.json").read_text())
    bridged = namespace["delivery_body"]({}, v4)
    assert bridged != v4 and "tracking" not in json.dumps(bridged["msg"])[:20]
    assert namespace["delivery_body"]({"as-webhook-version": "2025-01"}, bridged) is bridged


def section(heading: str) -> str:
    return README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def tool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([TOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_first_command_shows_the_bundled_example():
    first = blocks("sh")[0]
    commands = [part.strip() for chunk in first.split("&&") for part in chunk.split(";")]
    ours = [command.split() for command in commands if command.startswith("aftership-migrate ")]
    assert len(ours) == 2
    diff = tool(*ours[0][1:], cwd=REPO)
    assert diff.returncode == 1 and "+++ b/fixtures/example/shop_client.py" in diff.stdout, diff.stderr
    translated = tool(*ours[1][1:], cwd=REPO)
    assert translated.returncode in (0, 1), translated.stderr
    documents = [json.loads(line) for line in translated.stdout.splitlines() if line]
    assert len(documents) == 2 and not any("tracking" in document.get("data", document) for document in documents)


def test_code_before_and_after():
    before, after = blocks("python", section("Code: before and after"))
    result = rewrite_code(before, unsafe_fixes=False)
    strip = lambda code: "\n".join(line for line in code.splitlines() if not line.startswith("# "))  # noqa: E731
    assert strip(result.code) == strip(after)


def test_the_finding_shown_is_the_one_printed():
    shown = blocks("", section("Code: before and after"))[0].strip()
    done = tool("rewrite", "--check", "shop_client.py", cwd=REPO / "fixtures" / "example")
    assert shown in done.stdout.splitlines(), done.stdout


def test_json_before_and_after():
    before, after = blocks("json", section("JSON: before and after"))
    assert translate_document(json.loads(before)).document == json.loads(after)


def test_python_api_block():
    source = (REPO / "fixtures" / "example" / "shop_client.py").read_text()
    body = json.loads((REPO / "fixtures" / "example" / "orders-v4.jsonl").read_text().splitlines()[0])
    namespace = {"source": source, "body": body}
    exec(blocks("python", section("Python API"))[0], namespace)  # noqa: S102 - the README's own code
    assert namespace["result"].changed and namespace["translation"].kind


@pytest.fixture
def finished_project(tmp_path) -> Path:
    """The bundled example after the work: the README's configuration, `rewrite --unsafe-fixes`,
    and each remaining finding silenced at its line with the README's own comment form."""
    root = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "example", root)
    (root / "tests" / "fixtures").mkdir(parents=True)  # a JSON fixture, for the README's translate command
    shutil.copy(REPO / "fixtures" / "json" / "v4" / "webhook.tracking_update.json", root / "tests" / "fixtures")
    (root / "pyproject.toml").write_text(blocks("toml", section("Configuration"))[0])
    assert tool("rewrite", "--unsafe-fixes", ".", cwd=root).returncode == 1
    left = [row for row in json_rows(tool("rewrite", "--check", "--output-format", "json", ".", cwd=root).stdout)
            if not row["fixed"]]
    for path in {row["path"] for row in left}:
        lines = (root / path).read_text().splitlines(keepends=True)
        for row in left:
            if row["path"] == path:
                number = row["line"] - 1
                lines[number] = lines[number].rstrip("\n") + f"  # noqa: {row['code']}\n"
        (root / path).write_text("".join(lines))
    return root


def test_the_configuration_and_silencing_lead_to_a_green_check(finished_project):
    done = tool("rewrite", "--check", ".", cwd=finished_project)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_configuration_kinds_table_decides_what_translate_could_not(tmp_path):
    """The README's `kinds` line: a stored detect request under its path is translated as one;
    the same body elsewhere fits create and detect, which differ on its slug, and fails."""
    from migrator.config import load_config

    (tmp_path / "pyproject.toml").write_text(blocks("toml", section("Configuration"))[0])
    ((pattern, kind),) = load_config([str(tmp_path)]).kinds
    mapped = tmp_path / pattern.replace("**", "2024-06") / "requests.jsonl"
    mapped.parent.mkdir(parents=True)
    body = '{"tracking": {"tracking_number": "1Z999AA10123456784", "slug": "ups,fedex"}}\n'
    mapped.write_text(body)
    (tmp_path / "other.jsonl").write_text(body)
    done = tool("translate", "-q", str(mapped.relative_to(tmp_path)), cwd=tmp_path)
    assert done.returncode == 0 and kind == "detect-courier-request", done.stderr
    assert json.loads(done.stdout) == {"tracking_number": "1Z999AA10123456784", "slug": ["ups", "fedex"]}
    refused = tool("translate", "-q", "other.jsonl", cwd=tmp_path)
    assert refused.returncode == 1 and "ambiguous" in refused.stderr and "`$.slug`" in refused.stderr


def test_every_inline_command_runs(finished_project):
    """`aftership-migrate ...` in the README's text; a synopsis (PATH..., INPUT...) is not a command."""
    commands = sorted(set(re.findall(r"`(aftership-migrate [^`]*)`", README)))
    runnable = [command for command in commands if not re.search(r"\b[A-Z]{3,}\b|\.\.\.|\[", command)]
    assert "aftership-migrate rewrite --check --output-format github ." in runnable
    for command in runnable:
        done = tool(*command.split()[1:], cwd=finished_project)
        if command == "aftership-migrate translate":
            assert done.returncode == 2 and "Missing argument" in done.stderr  # shown as a command name
        else:
            assert done.returncode == 0, (command, done.stdout, done.stderr)


def test_silencing_block(tmp_path):
    lines = blocks("python", section("Silencing a finding"))[0].splitlines()
    code = 'import requests\nAPI = "https://api.aftership.com/tracking/2025-01"\nslug = number = "x"\n'
    (tmp_path / "a.py").write_text(code + "\n".join(lines[:2]) + "\n")
    assert tool("rewrite", "--check", "a.py", cwd=tmp_path).returncode == 0
    unsilenced = code + 'r = requests.get(f"{API}/trackings/{slug}/{number}")\n'
    (tmp_path / "a.py").write_text(unsilenced)
    assert tool("rewrite", "--check", "a.py", cwd=tmp_path).returncode == 1
    file_level = lines[2].split("(")[0].rstrip()
    assert file_level == "# aftership-migrate: ignore-file[AS104]"
    (tmp_path / "a.py").write_text(unsilenced + lines[3].split("(")[0].rstrip() + "\n")
    assert tool("rewrite", "--check", "a.py", cwd=tmp_path).returncode == 0



def test_the_configuration_is_green_on_code_written_for_2025_01(tmp_path):
    """No rule the README's configuration turns on fires on migrated code forever."""
    after = blocks("python", section("Code: before and after"))[1]
    (tmp_path / "pyproject.toml").write_text(blocks("toml", section("Configuration"))[0])
    (tmp_path / "client.py").write_text("import requests\nKEY = 'k'\n" + after)
    done = tool("rewrite", "--check", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_legacy_sdk_before_and_after():
    before, after = blocks("python", section("Code on the legacy SDKs"))
    strip = lambda code: "\n".join(line for line in code.splitlines() if not line.startswith("# "))  # noqa: E731
    assert strip(rewrite_code(before).code) == strip(after)


def test_mock_before_and_after():
    before, after = blocks("python", section("Migrating your tests"))
    strip = lambda code: "\n".join(line for line in code.splitlines() if not line.startswith("# "))  # noqa: E731
    assert strip(rewrite_code("import responses\n\n" + before).code) == strip("import responses\n\n" + after)


def test_the_cassette_before_and_after(tmp_path):
    """The README's cassette, rewritten with a project, is its `after` block; its recorded
    Content-Length values are the bodies' sizes, before and after."""
    import yaml

    strip = lambda text: "".join(line for line in text.splitlines(keepends=True) if not line.startswith("# "))  # noqa: E731
    before, after = (strip(block) for block in blocks("yaml", section("Migrating your tests")))
    cassette = tmp_path / "tests" / "cassettes" / "test_shop.yaml"
    cassette.parent.mkdir(parents=True)
    cassette.write_text(before)
    done = tool("rewrite", ".", cwd=tmp_path)
    assert done.returncode == 1 and cassette.read_text() == after, done.stdout + done.stderr
    for text in (before, after):
        for message in yaml.safe_load(text)["interactions"][0].values():
            body = message["body"]["string"] if isinstance(message["body"], dict) else message["body"]
            assert message["headers"]["Content-Length"] == [str(len(body.encode()))]
