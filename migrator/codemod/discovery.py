"""Which files a run looks at: Python files under the given paths, dependency files, and test data
files (cassettes, JSON fixtures: `migrator.datafiles.rewrite.is_data_file`), minus what should be
left alone.

Skipped: virtual environments (any folder with pyvenv.cfg), site-packages, build and cache
folders, what `.gitignore` files say, `exclude` patterns (gitignore syntax), the tool's own
package, and symlinks met in a walk (a target inside the tree is walked where it lies). A file
named explicitly is kept unless `exclude` matches it,
so a pre-commit run honours the configuration too.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable, Iterator

from migrator.atomic import TEMP_MARK, remove_stale_temporaries
from migrator.codemod.requirements import is_dependency_file
from migrator.datafiles.rewrite import is_data_file

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", "site-packages",
    "node_modules", "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    ".aftership-migrate-cache",
})
PYTHON_SUFFIXES = (".py", ".pyi")


class PathFilter:
    """Gitignore-style exclusion: the user's patterns, plus every .gitignore met on the way down."""

    def __init__(self, exclude: Iterable[str] = (), root: Path | None = None) -> None:
        self.root = os.path.abspath(root or os.getcwd())
        patterns = list(exclude)
        self.exclude = _spec(patterns) if patterns else None

    def excluded(self, path: str, is_dir: bool = False) -> bool:
        if self.exclude is None:
            return False
        relative = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        return self.exclude.match_file(relative + "/" if is_dir else relative)


def _spec(lines: list[str]):
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _gitignore(directory: str):
    """The spec of `directory/.gitignore`, or None."""
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return _spec(lines) if lines else None


def _inherited_gitignores(directory: str) -> list[tuple[str, object]]:
    """The .gitignore specs above a walk's root, up to the enclosing repository's top (none when
    the root is a repository's top itself: a project inside an ignored folder is still a project)."""
    found = []
    if os.path.exists(os.path.join(directory, ".git")):
        return found
    current = os.path.dirname(os.path.abspath(directory))
    while True:
        spec = _gitignore(current)
        if spec is not None:
            found.append((current, spec))
        if os.path.exists(os.path.join(current, ".git")) or os.path.dirname(current) == current:
            break
        current = os.path.dirname(current)
    return found


def _ignored(specs: list[tuple[str, object]], path: str, is_dir: bool) -> bool:
    for base, spec in specs:
        relative = os.path.relpath(path, base).replace(os.sep, "/")
        if spec.match_file(relative + "/" if is_dir else relative):
            return True
    return False


def is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def discover(paths: Iterable[str], filter: PathFilter | None = None) -> Iterator[Path]:
    """Python, dependency and test data files under `paths`, each root's files sorted (strings and
    scandir: it sees every file)."""
    filter = filter or PathFilter()
    for given in paths:
        if _OWN_PACKAGE.holds(given):
            continue
        if not os.path.isdir(given):
            if not filter.excluded(given):
                yield Path(given)
            continue
        yield from (Path(p) for p in walk(given, filter))


def walk(folder: str, filter: PathFilter | None = None) -> Iterator[str]:
    """The files under one folder as `discover` finds them, as strings (no Path per file)."""
    root = os.path.abspath(folder)
    return _walk(folder, root, _inherited_gitignores(root), filter or PathFilter())


def _walk(directory: str, root: str, specs: list, filter: PathFilter) -> Iterator[str]:
    own = _gitignore(directory)
    if own is not None:
        specs = [*specs, (os.path.abspath(directory), own)]
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    folders = []
    for entry in entries:
        path = entry.path
        if TEMP_MARK in entry.name:  # a temporary file of a killed run: removed if its writer is gone
            remove_stale_temporaries(Path(directory))
            continue
        try:
            # A symlink inside a tree is not followed: its target is walked where it lies when it
            # is in the tree, and is not ours when it is not (following them also looped forever,
            # and rewrote a file twice, replacing the link with a copy).
            if entry.is_symlink():
                continue
            if entry.is_dir():
                name = entry.name
                if (name in SKIP_DIRS or name.endswith(".egg-info") or is_virtualenv(path)
                        or (name in _OWN_NAMES and path in _OWN_PACKAGE) or filter.excluded(path, True)
                        or (specs and _ignored(specs, os.path.abspath(path), True))):
                    continue
                folders.append(path)
            elif (entry.name.endswith(PYTHON_SUFFIXES) or is_dependency_file(path) or is_data_file(path)) \
                    and entry.is_file():
                if not filter.excluded(path) and not (specs and _ignored(specs, os.path.abspath(path), False)):
                    yield path
        except OSError:  # gone since the listing, or unreadable: nothing to rewrite
            continue
    for folder in folders:
        yield from _walk(folder, root, specs, filter)


class _OwnPackage:
    """The tool's own installed package (`migrator`, `rules`): its rule examples and docstrings
    are v4 code by design, and a run over site-packages must leave them alone."""

    def __contains__(self, path: str) -> bool:
        return os.path.realpath(path) in self.folders

    def holds(self, path: str) -> bool:
        """Whether `path` is one of the folders or lies inside one."""
        real = os.path.realpath(path)
        return any(real == folder or real.startswith(folder + os.sep) for folder in self.folders)

    @functools.cached_property
    def folders(self) -> frozenset[str]:
        import importlib.util

        here = os.path.dirname(os.path.realpath(__file__))  # migrator/codemod
        # migrator.rules, the catalogue: installed inside the package, the top-level rules/ folder
        # of a checkout in an editable install.
        spec = importlib.util.find_spec("migrator.rules")
        rules = list(spec.submodule_search_locations or ()) if spec is not None else []
        return frozenset({os.path.dirname(here), *(os.path.realpath(folder) for folder in rules)})


_OWN_PACKAGE = _OwnPackage()
_OWN_NAMES = frozenset({"migrator", "rules"})
