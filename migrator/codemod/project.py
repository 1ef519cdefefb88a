"""The project around a run: its root, the module name of each file, and the files outside the run
whose AfterShip constants and functions the run's files use (a pre-commit run is handed only the
staged files; the module that defines the API's URL is usually not one of them).

The root is the nearest folder at or above the first path that holds pyproject.toml, setup.cfg,
setup.py or .git (black's rule), or `--project-root`. A file's module name is read from its path
below the root, so `shop/config.py` is `shop.config` wherever the run starts (`src/` layouts give
`src.shop.config`, whose suffix `shop.config` is what imports name).

What each file of the project imports, and whether it mentions AfterShip, is kept in
`<root>/.aftership-migrate-cache/`, keyed on the file's stat: a run reads only the files that
changed since the last one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from migrator.codemod.index import has_marker, imported_names, module_keys

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
CACHE_DIR = ".aftership-migrate-cache"
_CACHE_FILE = "index-v1.json"  # the version changes when what is stored changes meaning


@dataclass(frozen=True)
class Project:
    """Where a run's files live: module names are their paths below `root`."""

    root: str  # absolute
    found: bool = True  # False: no project marker above the run (nothing outside the run is read)

    def module_path(self, path: str) -> str:
        """The path that names a module: below the root when inside it, absolute otherwise."""
        absolute = os.path.abspath(path)
        if absolute.startswith(self.root + os.sep):
            return absolute[len(self.root) + 1:]
        return absolute

    def keys(self, path: str) -> list[str]:
        return module_keys(self.module_path(path))


def find_project(paths: Iterable[str], explicit: str | None = None) -> Project:
    """The project of a run: `explicit`, else the nearest folder with a root marker above the first
    path, else the working directory (not walked: there is no project to know)."""
    if explicit:
        return Project(os.path.abspath(explicit))
    first = next((p for p in paths if p != "-"), None)
    start = os.path.abspath(first) if first else os.getcwd()
    current = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in ROOT_MARKERS):
            return Project(current)
        parent = os.path.dirname(current)
        if parent == current:
            return Project(os.getcwd(), found=False)
        current = parent


def covers(paths: Iterable[str], project: Project) -> bool:
    """Whether the run's paths include the whole project (then there is nothing outside it)."""
    for path in paths:
        absolute = os.path.abspath(path)
        if os.path.isdir(absolute) and (project.root == absolute or project.root.startswith(absolute + os.sep)):
            return True
    return False


@dataclass(frozen=True)
class Facts:
    """What the first pass needs of a file it does not rewrite, stored between runs."""

    marker: bool  # mentions AfterShip
    imports: frozenset[str]  # the dotted names its import lines name (index.imported_names)


class FactsCache:
    """Facts by file, valid while the file's (mtime, size, inode) stay the same."""

    def __init__(self, project: Project, enabled: bool = True) -> None:
        self.folder = os.path.join(project.root, CACHE_DIR)
        self.enabled = enabled
        self.project = project
        self.entries: dict[str, list] = self._load() if enabled else {}
        self.changed = False

    def _load(self) -> dict[str, list]:
        try:
            with open(os.path.join(self.folder, _CACHE_FILE), encoding="utf-8") as handle:
                data = json.load(handle)
            return data["files"] if isinstance(data, dict) and isinstance(data.get("files"), dict) else {}
        except (OSError, ValueError, KeyError):
            return {}  # no cache yet, or one a killed run left unreadable: rebuilt

    def facts(self, path: str) -> Facts | None:
        """The facts of `path`, read from the file when it changed (None: unreadable, or gone)."""
        name = self.project.module_path(path)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamp = [stat.st_mtime_ns, stat.st_size, stat.st_ino]
        entry = self.entries.get(name)
        if entry is not None and entry[:3] == stamp:
            return Facts(bool(entry[3]), frozenset(entry[4]))
        from migrator.codemod.runner import read_bytes

        try:
            data = read_bytes(path)
        except OSError:
            return None
        found = Facts(has_marker(data), frozenset(imported_names(data, name)))
        self.entries[name] = [*stamp, int(found.marker), sorted(found.imports)]
        self.changed = True
        return found

    def save(self, keep: set[str]) -> None:
        """Write the entries of the files still in the project (best effort: a read-only checkout
        runs without a cache)."""
        if not (self.enabled and self.changed or set(self.entries) - keep):
            return
        from migrator.atomic import write_bytes_atomic

        entries = {name: entry for name, entry in self.entries.items() if name in keep}
        try:
            os.makedirs(self.folder, exist_ok=True)
            ignore = os.path.join(self.folder, ".gitignore")
            if not os.path.exists(ignore):
                write_bytes_atomic(ignore, b"# Created by aftership-migrate: a cache, never committed.\n*\n")
            write_bytes_atomic(os.path.join(self.folder, _CACHE_FILE),
                               json.dumps({"files": entries}, separators=(",", ":")).encode())
        except OSError:
            pass


def context_files(project: Project, run_files: list[Path], discover_project, use_cache: bool = True) -> list[Path]:
    """The project's files outside the run that the run's rewrite may need to know: those that
    mention AfterShip (constants, API calls), and those that import a module of the run or one of
    those (callers, and chains of helpers). `discover_project()` walks the project with the run's
    filters."""
    run = {os.path.abspath(p) for p in run_files}
    cache = FactsCache(project, use_cache)
    known: list[tuple[Path, Facts]] = []
    seen: set[str] = set()
    for path in discover_project():
        absolute = os.path.abspath(path)
        if absolute in run:
            continue
        facts = cache.facts(str(path))
        if facts is not None:
            known.append((path, facts))
            seen.add(project.module_path(str(path)))
    cache.save(seen | {project.module_path(str(p)) for p in run_files})
    wanted = {key for path in run_files for key in project.keys(str(path))}
    wanted |= {key for path, facts in known if facts.marker for key in project.keys(str(path))}
    return [path for path, facts in known if facts.marker or not wanted.isdisjoint(facts.imports)]
