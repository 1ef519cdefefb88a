"""Which files a run looks at: Python files under the given paths, minus what should be left alone.

Skipped: virtual environments (any folder with pyvenv.cfg), site-packages, build and cache
folders, what `.gitignore` files say, and `exclude` patterns (gitignore syntax). Symlinks are
not followed out of the roots. A file named explicitly is kept unless `exclude` matches it,
so a pre-commit run honours the configuration too.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", "site-packages",
    "node_modules", "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
})
PYTHON_SUFFIXES = (".py", ".pyi")


class PathFilter:
    """Gitignore-style exclusion: the user's patterns plus every .gitignore under the roots."""

    def __init__(self, exclude: Iterable[str] = (), root: Path | None = None) -> None:
        import pathspec

        self.root = (root or Path.cwd()).resolve()
        self.exclude = pathspec.PathSpec.from_lines("gitwildmatch", list(exclude))

    def excluded(self, path: Path, is_dir: bool = False) -> bool:
        return self._matches(self.exclude, path, self.root, is_dir)

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        """Whether a .gitignore in the folders between the root and `path` ignores it."""
        resolved = path.resolve() if path.is_symlink() else path.absolute()
        for directory in (resolved.parent, *resolved.parent.parents):
            spec = _gitignore(directory)
            if spec is not None and self._matches(spec, resolved, directory, is_dir):
                return True
            if (directory / ".git").exists() or directory == self.root or directory == directory.parent:
                break
        return False

    @staticmethod
    def _matches(spec, path: Path, base: Path, is_dir: bool) -> bool:
        try:
            relative = path.absolute().relative_to(base).as_posix()
        except ValueError:
            relative = path.as_posix()
        return spec.match_file(relative + "/" if is_dir else relative)


@lru_cache(maxsize=4096)
def _gitignore(directory: Path):
    file = directory / ".gitignore"
    if not file.is_file():
        return None
    import pathspec

    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def discover(paths: Iterable[str], filter: PathFilter | None = None) -> Iterator[Path]:
    """Python files under `paths`, each root's files sorted."""
    filter = filter or PathFilter()
    for given in paths:
        root = Path(given)
        if not root.is_dir():
            if not filter.excluded(root):
                yield root
            continue
        resolved_root = root.resolve()
        for directory, dirnames, filenames in os.walk(root):
            here = Path(directory)
            dirnames[:] = sorted(
                d for d in dirnames
                if d not in SKIP_DIRS and not d.endswith(".egg-info") and not is_virtualenv(here / d)
                and _inside(here / d, resolved_root)
                and not filter.excluded(here / d, True) and not filter.ignored(here / d, True))
            for name in sorted(filenames):
                path = here / name
                if (name.endswith(PYTHON_SUFFIXES) and _inside(path, resolved_root)
                        and not filter.excluded(path) and not filter.ignored(path)):
                    yield path


def _inside(path: Path, root: Path) -> bool:
    """False for a symlink that leads out of the root being walked."""
    if not path.is_symlink():
        return True
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False
