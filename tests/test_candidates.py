"""Which files a run reads as AfterShip's: decided by what they import, not by the words they hold
(issue 14: a monorepo's `API`, `URL`, `HEADERS` are in a quarter of its files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from migrator.codemod.project import Project
from migrator.codemod.runner import select_candidates

SETTINGS = ('API = "https://api.aftership.com/v4"\nHEADERS = {"aftership-api-key": "k"}\nTIMEOUT = 10\n')


def _project(root: Path, files: dict[str, str]) -> list[Path]:
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(root.rglob("*.py"))


def test_a_settings_module_s_importers_count_only_when_they_read_its_constants(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = _project(tmp_path, {
        "shop/__init__.py": "",
        "shop/settings.py": SETTINGS,
        "shop/by_name.py": "import requests\nfrom shop.settings import API, HEADERS\n\n\ndef get(t):\n"
                           "    return requests.get(f'{API}/trackings/{t}', headers=HEADERS).json()['data']['tracking']\n",
        "shop/by_module.py": "import requests\nfrom shop import settings\n\n\ndef get(t):\n"
                             "    return requests.get(f'{settings.API}/trackings/{t}').json()\n",
        "shop/timeouts.py": "from shop import settings\n\nAPI = 'internal'\nURL = 'https://example.com'\n"
                            "TIMEOUT = settings.TIMEOUT * 2\n",
        "shop/words.py": "API = 'mine'\nHEADERS = {'Accept': 'text/html'}\n",
    })
    sources, _, _ = select_candidates([p.relative_to(tmp_path) for p in files], Project(str(tmp_path)))
    # shop/__init__.py: a package AfterShip code imports (IMPORTED_BY_AFTERSHIP), read for what it may hand on
    assert sorted(Path(p).name for p in sources) == ["__init__.py", "by_module.py", "by_name.py", "settings.py"]


def test_the_settings_module_s_readers_are_rewritten(tmp_path):
    _project(tmp_path, {
        "shop/__init__.py": "",
        "shop/settings.py": SETTINGS,
        "shop/by_module.py": "import requests\nfrom shop import settings\n\n\ndef get(t):\n"
                             "    return requests.get(f'{settings.API}/trackings/{t}', headers=settings.HEADERS)"
                             ".json()['data']['tracking']['origin_country_iso3']\n",
    })
    subprocess.run([sys.executable, "-m", "migrator", "rewrite", "--no-cache", "."], cwd=tmp_path, capture_output=True)
    assert "['data']['origin_country_region']" in (tmp_path / "shop" / "by_module.py").read_text()
    assert "tracking/2025-01" in (tmp_path / "shop" / "settings.py").read_text()
