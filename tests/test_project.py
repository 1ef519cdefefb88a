"""Whole-project knowledge (issue 11, point 1): a run handed one file (pre-commit) or a subfolder
rewrites and reports each file exactly as a run over the whole project does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.codemod.project import CACHE_DIR, CACHE_FILE, find_project
from _codemod import json_rows

REPO = Path(__file__).resolve().parents[1]
CLIENTS = REPO / "fixtures" / "clients"
MULTI_MODULE = ["mod_shop_package", "aio_client_class", "httpx_dataclass_model"]


def check(*args, cwd: Path) -> dict[str, dict]:
    """`rewrite --check --output-format json` run from `cwd`: per file, its findings and edits."""
    import os

    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["rewrite", "--check", "--output-format", "json", "--show-fixes", *args])
    finally:
        os.chdir(before)
    assert result.exit_code in (0, 1), result.output
    rows = json_rows(result.stdout)
    by_file: dict[str, list] = {}
    for row in rows:
        by_file.setdefault(str((cwd / row["path"]).resolve()), []).append(
            (row["line"], row["column"], row["code"], row["fixed"]))
    return {path: sorted(found) for path, found in by_file.items()}


def diff(path: Path, cwd: Path) -> str:
    import os

    before = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["rewrite", "--diff", "--color", "never", "-q", str(path)]).stdout
    finally:
        os.chdir(before)


def body(diff_text: str, root: Path) -> str:
    """A diff without its file names (given absolute or relative)."""
    lines = [line for line in diff_text.splitlines() if not line.startswith(("--- ", "+++ "))]
    return "\n".join(lines).replace(str(root) + "/", "")


def project(tmp_path: Path, client: str) -> Path:
    root = tmp_path / client
    shutil.copytree(CLIENTS / client, root)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    return root


@pytest.mark.parametrize("client", MULTI_MODULE)
def test_each_file_alone_is_rewritten_as_in_a_run_over_the_project(tmp_path, client):
    root = project(tmp_path, client)
    whole = check(".", cwd=root)
    assert whole, "the client holds v4 code"
    for path in sorted(root.rglob("*.py")):
        alone = check(str(path.relative_to(root)), cwd=root)
        assert alone.get(str(path), []) == whole.get(str(path), []), path.name
        # ... from inside its folder too (module names come from the root, not the working directory)
        inside = check(path.name, cwd=path.parent)
        assert inside.get(str(path), []) == whole.get(str(path), []), path.name
        assert body(diff(path, root), root) == body(diff(path.relative_to(root), root), root)


def write_src_layout(root: Path) -> None:
    (root / "src" / "shop").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (root / "src" / "shop" / "__init__.py").write_text("")
    (root / "src" / "shop" / "config.py").write_text(
        'AFTERSHIP_URL = "https://api.aftership.com/v4"\nHEADERS = {"aftership-api-key": "k"}\n')
    (root / "src" / "shop" / "orders.py").write_text(
        "import requests\n\nfrom shop.config import (\n    AFTERSHIP_URL,\n    HEADERS,\n)\n\n\n"
        "def status(tracking_id):\n"
        '    r = requests.get(f"{AFTERSHIP_URL}/trackings/{tracking_id}", headers=HEADERS)\n'
        '    return r.json()["data"]["tracking"]["tag"]\n')


def test_a_staged_file_uses_the_constants_of_a_module_it_imports(tmp_path):
    write_src_layout(tmp_path)
    staged = tmp_path / "src" / "shop" / "orders.py"
    expected = '-    return r.json()["data"]["tracking"]["tag"]\n+    return r.json()["data"]["tag"]\n'
    assert expected in diff(staged.relative_to(tmp_path), tmp_path)
    assert expected in diff(Path("orders.py"), staged.parent)
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().endswith("*\n")


def test_the_index_follows_changes_of_the_other_modules(tmp_path):
    write_src_layout(tmp_path)
    staged = Path("src/shop/orders.py")
    assert "+    return r.json()[\"data\"][\"tag\"]" in diff(staged, tmp_path)
    config = tmp_path / "src" / "shop" / "config.py"
    config.write_text('AFTERSHIP_URL = "https://example.com/v4"\nHEADERS = {}\n')  # no longer AfterShip's
    assert diff(staged, tmp_path) == ""
    (tmp_path / CACHE_DIR / CACHE_FILE).write_text("{not json")  # a cache a killed run broke
    config.write_text('AFTERSHIP_URL = "https://api.aftership.com/v4"\nHEADERS = {}\n')
    assert "+    return r.json()[\"data\"][\"tag\"]" in diff(staged, tmp_path)
    json.loads((tmp_path / CACHE_DIR / CACHE_FILE).read_text())


def test_no_cache_reads_the_project_and_writes_nothing(tmp_path):
    write_src_layout(tmp_path)
    result = CliRunner().invoke(main, ["rewrite", "--diff", "--no-cache", str(tmp_path / "src/shop/orders.py")])
    assert '+    return r.json()["data"]["tag"]' in result.stdout
    assert not (tmp_path / CACHE_DIR).exists()


def test_project_root_option_and_markers(tmp_path):
    write_src_layout(tmp_path)
    (tmp_path / "pyproject.toml").unlink()
    assert not find_project([str(tmp_path / "src/shop/orders.py")]).found or \
        find_project([str(tmp_path / "src/shop/orders.py")]).root != str(tmp_path)
    staged = str(tmp_path / "src/shop/orders.py")
    explicit = CliRunner().invoke(main, ["rewrite", "--diff", "--project-root", str(tmp_path), staged])
    assert '+    return r.json()["data"]["tag"]' in explicit.stdout
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = shop\n")
    assert find_project([staged]).root == str(tmp_path)
