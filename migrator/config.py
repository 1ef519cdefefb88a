"""`[tool.aftership-migrate]` in pyproject.toml: defaults that command-line flags override."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable


def _toml():
    """tomllib (tomli before 3.11), imported only when there is a file to read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    return tomllib

SECTION = "aftership-migrate"
OUTPUT_FORMATS = ("text", "json", "github")


class ConfigError(ValueError):
    """A bad configuration value; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    accept_todos: bool = False
    output_format: str = "text"
    # (gitignore-style pattern from `root`, kind) in the file's order: the body kind of the
    # files `translate` reads there, where their shape does not say it.
    kinds: tuple[tuple[str, str], ...] = ()
    root: Path = field(default_factory=Path.cwd)


def _strings(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [tool.{SECTION}] {key} must be a list of strings")
    return tuple(value)


def _kinds(value: Any, path: Path) -> tuple[tuple[str, str], ...]:
    from migrator.payload.kinds import KINDS

    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [tool.{SECTION}] kinds must be a table of path patterns to body kinds, "
                          f'like {{"queue/detect/**" = "detect-courier-request"}}')
    for pattern, kind in value.items():
        if kind not in KINDS:
            raise ConfigError(f"{path}: [tool.{SECTION}] kinds: {pattern!r} maps to {kind!r}, which is no "
                              f"body kind; one of: {', '.join(KINDS)}")
    return tuple(value.items())


_LIST_KEYS = ("select", "ignore", "exclude")
_FLAG_KEYS = ("unsafe-fixes", "accept-todos")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`."""
    start = start.resolve()
    for directory in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(paths: Iterable[str] = (), explicit: str | None = None) -> Config:
    """Read the configuration for a run over `paths` (from the first path's directory upwards)."""
    if explicit:
        pyproject = Path(explicit)
    else:
        first = next((Path(p) for p in paths if p != "-"), Path.cwd())
        # A path not on disk (a --stdin-filename) is looked up from its folder, if that exists.
        start = first if first.exists() else first.parent if first.parent.exists() else Path.cwd()
        pyproject = find_pyproject(start)
    if pyproject is None:
        return Config()
    tomllib = _toml()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from error
    tool = data.get("tool", {})
    section = tool.get(SECTION) if isinstance(tool, dict) else None
    if section is None:
        return Config(root=pyproject.parent)
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.{SECTION}] must be a table, not {type(section).__name__}")
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key in _LIST_KEYS:
            values[key] = _strings(value, key, pyproject)
        elif key in _FLAG_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{pyproject}: [tool.{SECTION}] {key} must be true or false")
            values[key.replace("-", "_")] = value
        elif key == "kinds":
            values["kinds"] = _kinds(value, pyproject)
        elif key == "output-format":
            if value not in OUTPUT_FORMATS:
                raise ConfigError(f"{pyproject}: [tool.{SECTION}] output-format must be one of {', '.join(OUTPUT_FORMATS)}")
            values["output_format"] = value
        else:
            known = ", ".join(sorted([*_LIST_KEYS, *_FLAG_KEYS, "output-format", "kinds"]))
            raise ConfigError(f"{pyproject}: unknown key {key!r} in [tool.{SECTION}] (known: {known})")
    return Config(**values, root=pyproject.parent)
