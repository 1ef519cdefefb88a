"""Version awareness: code on another AfterShip API version than v4 is not migrated."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.codemod.runner import Settings, rewrite_files, select_candidates

CLIENT = 'import requests\nfrom config import API\n\nHEADERS = {"aftership-api-key": "k"}\n\n\ndef get(tid):\n' \
         '    return requests.get(API + "/trackings/" + tid, headers=HEADERS).json()["data"]["tracking"]\n'


def run(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[str, list]]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    sources, imported, _ = select_candidates(sorted(tmp_path.glob("*.py")))
    reports = rewrite_files(sources, imported, Settings())
    return {Path(r.path).name: (r.new_source.decode(), [(f.line, f.code) for f in r.findings]) for r in reports}


@pytest.mark.parametrize("version", ["v3", "tracking/2024-04", "tracking/{API_VERSION}",
                                     "tracking/{os.environ['AFTERSHIP_API_VERSION']}"])
def test_another_version_is_left_alone(tmp_path, version):
    prefix = "f" if "{" in version else ""
    config = f'import os\nAPI_VERSION = "2024-10"\nAPI = {prefix}"https://api.aftership.com/{version}"\n'
    out = run(tmp_path, {"config.py": config, "client.py": CLIENT})
    assert out["config.py"][0] == config
    assert out["client.py"][0] == CLIENT, "no header rename, no unwrap on another version's code"
    expected = [(3, "AS108")] if version == "v3" else []
    assert out["config.py"][1] == expected


def test_header_only_file_follows_the_run_urls(tmp_path):
    header_only = 'HEADERS = {"aftership-api-key": "k"}\n'
    config = 'API = "https://api.aftership.com/v3"\n'
    out = run(tmp_path, {"config.py": config, "headers.py": header_only})
    assert out["headers.py"][0] == header_only
    assert out["headers.py"][1] == [(1, "AS102")]  # kept, and said why


def test_v4_project_is_migrated(tmp_path):
    config = 'API = "https://api.aftership.com/v4"\n'
    out = run(tmp_path, {"config.py": config, "client.py": CLIENT, "headers.py": 'H = {"aftership-api-key": "k"}\n'})
    assert '"as-api-key"' in out["client.py"][0] and '["data"]\n' in out["client.py"][0]
    assert out["headers.py"][0] == 'H = {"as-api-key": "k"}\n'


def test_a_path_field_right_after_the_host_is_not_a_version(tmp_path):
    client = ('import requests\nHEADERS = {"aftership-api-key": "k"}\n\n\ndef get(path):\n'
              '    return requests.get(f"https://api.aftership.com/{path}", headers=HEADERS).json()\n')
    out = run(tmp_path, {"client.py": client})
    assert '"as-api-key"' in out["client.py"][0]  # migrated, not skipped as another version
