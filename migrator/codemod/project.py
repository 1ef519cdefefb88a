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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from migrator.codemod.index import has_marker, imported_names, module_keys
from migrator.codemod.requirements import LEGACY
from migrator.datafiles.rewrite import is_data_file

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
CACHE_DIR = ".aftership-migrate-cache"
CACHE_FILE = "index-v2.json"  # the version changes when what is stored changes meaning


@dataclass(frozen=True)
class Project:
    """Where a run's files live: module names are their paths below `root`."""

    root: str  # absolute
    found: bool = True  # False: no project marker above the run (nothing outside the run is read)

    def module_path(self, path: str) -> str:
        """The path that names a module: below the root when inside it, absolute otherwise."""
        absolute = path if path.startswith(self.root) else os.path.abspath(path)  # a walk's paths are absolute
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
    imports: list[str]  # the dotted names its import lines name (index.imported_names), sorted
    versions: list[str]  # the API versions its AfterShip strings name (index.ProjectIndex.versions)


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
            with open(os.path.join(self.folder, CACHE_FILE), encoding="utf-8") as handle:
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
        entry = self.entries.get(name)
        if entry is not None and entry[0] == stat.st_mtime_ns and entry[1] == stat.st_size and entry[2] == stat.st_ino:
            return Facts(bool(entry[3]), entry[4], entry[5])
        stamp = [stat.st_mtime_ns, stat.st_size, stat.st_ino]
        from migrator.codemod.runner import read_bytes

        try:
            data = read_bytes(path)
        except OSError:
            return None
        marker = has_marker(data)
        found = Facts(marker, sorted(imported_names(data, name)), sorted(_versions(data)) if marker else [])
        self.entries[name] = [*stamp, int(found.marker), found.imports, found.versions]
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
            write_bytes_atomic(os.path.join(self.folder, CACHE_FILE),
                               json.dumps({"files": entries}, separators=(",", ":")).encode())
        except OSError:
            pass


def _versions(data: bytes) -> set[str]:
    from migrator.codemod.index import ProjectIndex, parse_quietly

    tree = parse_quietly(data)
    index = ProjectIndex()
    if tree is not None:
        index.add("", tree)
    return index.versions


@dataclass
class Context:
    """What a run learns from the project around it."""

    files: list[Path]  # read with the run's files, not rewritten
    versions: set[str]  # the API versions the project's other AfterShip files name
    legacy: list[str] = field(default_factory=list)  # the other files that import a legacy SDK


def context_files(project: Project, run_files: list[Path], project_files: Iterable[str],
                  use_cache: bool = True) -> Context:
    """The project's files outside the run that the run's rewrite may need to know, and the API
    versions of the others. Read with the run: the files a few imports away from a run file (in
    either direction: what it imports, what imports it) that mention AfterShip or import such a
    file or a run file; each of the others only tells which API versions it names.
    `project_files`: the project's walk (absolute paths, the run's filters)."""
    from migrator.codemod.crossmodule import ROUNDS

    run = {os.path.abspath(p) for p in run_files}
    cache = FactsCache(project, use_cache)
    known: dict[str, Facts] = {}
    for path in project_files:
        if path not in run and not is_data_file(path):  # a cassette or fixture tells the code nothing
            facts = cache.facts(path)
            if facts is not None:
                known[path] = facts
    cache.save({project.module_path(path) for path in known} | {project.module_path(p) for p in run})
    near = _near(project, run, known, ROUNDS + 1)
    wanted = {key for path in near for key in project.keys(path)
              if path in run or known[path].marker}
    files = [Path(path) for path in sorted(near - run)
             if known[path].marker or not wanted.isdisjoint(known[path].imports)]
    versions = {version for path, facts in known.items() if path not in near for version in facts.versions}
    legacy = sorted(project.module_path(path) for path, facts in known.items() if path not in near and any(
        name.split(".")[0] in LEGACY for name in facts.imports))
    return Context(files, versions, legacy)


def _near(project: Project, run: set[str], known: dict[str, Facts], hops: int) -> set[str]:
    """The run's files and the project's files at most `hops` imports away from one."""
    by_stem: dict[str, list[str]] = {}  # a module's last name -> its files
    importers: dict[str, list[str]] = {}  # a dotted name -> the files importing it
    for path, facts in known.items():
        base = os.path.basename(path)
        stem = os.path.basename(os.path.dirname(path)) if base == "__init__.py" else base.rpartition(".")[0]
        by_stem.setdefault(stem, []).append(path)
        for name in facts.imports:
            importers.setdefault(name, []).append(path)
    near, frontier = set(run), set(run)
    for _ in range(hops):
        found = set()
        for path in frontier:
            for key in project.keys(path):  # what imports it
                found.update(importers.get(key, ()))
            imports = known[path].imports if path in known else _run_imports(path, project)
            for name in imports:  # what it imports
                found.update(other for other in by_stem.get(name.rpartition(".")[2], ())
                             if name in project.keys(other))
        frontier = found - near
        near |= frontier
    return near


def _run_imports(path: str, project: Project) -> list[str]:
    from migrator.codemod.runner import read_bytes

    try:
        return sorted(imported_names(read_bytes(path), project.module_path(path)))
    except OSError:
        return []
