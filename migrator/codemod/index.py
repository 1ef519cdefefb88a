"""The first pass over a run: which files are AfterShip code, and the constants they define.

A byte search picks candidate files cheaply; `ast` (not libcst: ten times faster) records their
module-level string constants that name the AfterShip host or header. A file with no marker of
its own becomes a candidate when it imports one of those constants from another module.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from migrator.codemod.templates import ast_view, evaluate
from migrator.codemod.urls import api_versions


def has_marker(data: bytes) -> bool:
    """The cheap test run on every file: does it mention AfterShip (aftership, AfterShip, ...)?"""
    return b"ftership" in data or b"fterShip" in data or b"FTERSHIP" in data


def module_keys(path: str) -> list[str]:
    """Every dotted suffix a module may be imported by: a/b/c.py -> c, b.c, a.b.c."""
    # os.path, not pathlib: this runs for every file of a run.
    parts = [part for part in os.path.splitext(os.path.normpath(path))[0].split(os.sep) if part]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts) - 1, -1, -1) if parts[i:]]


def _template(node: ast.AST, known: dict[str, str]) -> str | None:
    """The template of a module-level value, names resolved among the constants read so far."""
    return evaluate(node, ast_view, lambda name: known.get(name.id) if isinstance(name, ast.Name) else None)


def aftership_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = <string naming the AfterShip host or header>."""
    known: dict[str, str] = {}
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else (
            [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value else [])
        for target in targets:
            if isinstance(target, ast.Name):
                value = _template(statement.value, known)
                if value is not None:
                    known[target.id] = value
    return {name: value for name, value in known.items() if "aftership" in value.lower()}


# The constants table entry that carries the API versions the whole run's AfterShip URLs name
# (comma-separated), so a file with only the header can tell whether it travels to v4.
PROJECT_VERSIONS = "project-api-versions:"
# Marks a module of the run that AfterShip code imports: AfterShip data may reach its functions,
# so what is unmistakably v4 in it (AfterShip's own field names) is reported too.
IMPORTED_BY_AFTERSHIP = "imported-by-aftership:"
# Marks a module that imports a module calling AfterShip's API: what it gets back from those
# functions is AfterShip data, named or not.
IMPORTS_AFTERSHIP = "imports-aftership:"
# Marks a module that a file left out of the rewrite imports: what that file passes its functions
# is not seen, so their parameters are not typed by the run's other callers.
IMPORTED_ELSEWHERE = "imported-elsewhere:"
# The names of a module on a legacy SDK that other files import from it, one a line ("*": the
# module itself is imported, so any of them): a client there is used out of sight and stays.
EXPORTED = "exported-names:"
# Legacy SDK clients a module imports from another module of the project ("name:package" a line):
# their calls are reported (AS107) where they are made, as in the module that builds them.
LEGACY_CLIENTS = "legacy-clients:"
# What builds a legacy client (aftership 0.x's classes, pyaftership's), by the name called.
LEGACY_CONSTRUCTORS = {"APIv4": "aftership", "APIv3": "aftership", "API": "aftership", "AfterShip": "pyaftership"}


@dataclass
class ProjectIndex:
    """AfterShip constants by module key, and the names to look for in other files."""

    constants: dict[str, dict[str, str]] = field(default_factory=dict)
    versions: set[str] = field(default_factory=set)

    def add(self, path: str, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "ftership" in node.value:
                self.versions |= api_versions(node.value)
        found = aftership_constants(tree)
        if found:
            for key in module_keys(path):
                self.constants.setdefault(key, {}).update(found)

    def imported(self, tree: ast.Module, path: str = "") -> dict[str, str]:
        """The AfterShip constants a module imports: {local name or dotted use: template}.

        A module is found by its full dotted name (or, for a relative import, by the name it has
        from the importing file's folder); never by its last part alone, where `billing.config`
        would be mistaken for `shop.config`.
        """
        out: dict[str, str] = {}
        if not self.constants:
            return out
        for node in _imports(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or node.level):
                module = _absolute_module(node, path)
                values = self.constants.get(module) if module else None
                for alias in node.names:
                    if values and alias.name in values:
                        out[alias.asname or alias.name] = values[alias.name]
                    # `from pkg import config` then `config.BASE_URL`
                    sub = self.constants.get(f"{module}.{alias.name}" if module else alias.name)
                    if sub:
                        for name, value in sub.items():
                            out[f"{alias.asname or alias.name}.{name}"] = value
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    values = self.constants.get(alias.name)
                    if values:
                        local = alias.asname or alias.name
                        out.update({f"{local}.{name}": value for name, value in values.items()})
        return out


# The names after `import` may be on later lines (`from pkg import (`): the module still counts.
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b[ \t(]*([\w., \t]*)|import[ \t]+([\w., \t]+))",
                          re.MULTILINE)


_WORD = re.compile(rb"\w+")


def names_on_import_lines(data: bytes) -> set[bytes]:
    """Every word of the lines that hold `import`: where `imported_names` finds a module, its
    last part is one of them, so a file whose words hold none of a run's modules need not be
    read further. Found with bytes.find, which skips through a file far faster than a regex."""
    lines = []
    at = data.find(b"import")
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end == -1 else end
        lines.append(data[start:end])
        at = data.find(b"import", end)
    return set(_WORD.findall(b"\n".join(lines))) if lines else set()


def imported_names(data: bytes, path: str = "") -> set[str]:
    """The dotted module names a file's import lines name, read from its bytes (a cheap test that
    may over-read: `from pkg import a, b` gives pkg, pkg.a and pkg.b); a relative import is
    resolved against `path`'s folder, never matched by its last part alone."""
    found: set[str] = set()
    for match in _IMPORT_LINE.finditer(data):
        module, names, plain = match.groups()
        if plain is not None:
            found.update(part.split()[0] for part in plain.decode().split(",") if part.strip())
            continue
        dotted = module.decode()
        level = len(dotted) - len(dotted.lstrip("."))
        base = _relative_base(path, level, dotted[level:]) if level else dotted
        if base is None:
            continue
        if base:
            found.add(base)
        found.update(".".join(filter(None, (base, part.split()[0]))) for part in names.decode().split(",") if part.strip())
    return found


def _relative_base(path: str, level: int, module: str) -> str | None:
    """`from ..pkg import x` in `a/b/c.py` -> `a.pkg` (None when it climbs above the run)."""
    folder = Path(path).parent.parts
    if level - 1 > len(folder):
        return None
    return ".".join([*folder[: len(folder) - (level - 1)], *([module] if module else [])])


def imported_functions(tree: ast.Module, path: str) -> dict[str, tuple[str, str | None]]:
    """Local call name -> (absolute module, imported name); None as the name for `import m`."""
    found: dict[str, tuple[str, str | None]] = {}
    for node in _imports(tree):
        if isinstance(node, ast.ImportFrom):
            module = _absolute_module(node, path)
            for alias in node.names:
                if module and alias.name != "*":
                    found[alias.asname or alias.name] = (module, alias.name)
        else:
            for alias in node.names:
                found[alias.asname or alias.name] = (alias.name, None)
    return found


def imported_modules(tree: ast.Module, path: str) -> set[str]:
    """The dotted names of the modules `tree` imports (`from pkg import mod` may be `pkg.mod`)."""
    found: set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.ImportFrom):
            module = _absolute_module(node, path)
            if module:
                found.add(module)
            found.update(f"{module}.{alias.name}" if module else alias.name for alias in node.names)
        else:
            found.update(alias.name for alias in node.names)
    return found


def _absolute_module(node: ast.ImportFrom, path: str) -> str | None:
    """The dotted name an ImportFrom refers to, relative imports resolved against `path`."""
    if not node.level:
        return node.module
    return _relative_base(path, node.level, node.module or "") or None


def _imports(tree: ast.Module):
    """Import statements at module level, also inside if/try blocks (not inside functions)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try)):
            pending.extend(node.body + node.orelse + getattr(node, "finalbody", [])
                           + [s for handler in getattr(node, "handlers", []) for s in handler.body])


def parse_quietly(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def legacy_clients(tree: ast.Module) -> dict[str, str]:
    """The top-level names a module assigns a legacy SDK client: name -> package."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = node.value.func
            name = called.attr if isinstance(called, ast.Attribute) else called.id if isinstance(called, ast.Name) else ""
            package = LEGACY_CONSTRUCTORS.get(name)
            if package:
                found.update({target.id: package for target in node.targets if isinstance(target, ast.Name)})
    return found
