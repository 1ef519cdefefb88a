"""AfterShip data across the modules of a run: what a function of one module returns, seen where
another module calls it (CodeQL's flow across calls, after the local steps of flow.py).

Before the run rewrites anything, the modules whose top-level functions other modules of the
run import are analysed (no rewrite) for what those functions return; each importer is then
rewritten knowing it (`flow.Across`), so `t = client.fetch(tid)` then `t["origin_country_iso3"]`
is renamed. The other direction, a parameter typed by what its callers pass, stays within a
module: the callers a run sees are not all the callers a function has (a module outside the
run may pass its own rows), so across modules a v4 key in a callee is reported, not rewritten.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migrator.codemod.index import imported_functions, imported_names, module_keys, parse_quietly
from migrator.codemod.urls import HOST

if TYPE_CHECKING:  # libcst, which flow needs, is not imported by a run with nothing to link
    from migrator.codemod.flow import Across


@dataclass(frozen=True)
class Link:
    """A call name in one module that stands for a top-level function of another."""

    path: str  # the module defining the function
    function: str


def gather(sources: dict[str, bytes], imported: dict[str, dict[str, str]], settings) -> dict[str, "Across"]:
    """An `Across` for every module of `sources` that calls a function of another module of the
    run returning AfterShip data; none when no module does."""
    links = _links(sources)
    if not links:
        return {}
    from migrator.codemod.flow import Across
    from migrator.codemod.runner import analyse

    returns: dict[str, dict[str, object]] = {}
    for path in sorted({link.path for found in links.values() for link in found.values()}):
        if _calls_aftership(sources[path], imported.get(path, {})):  # else it has nothing of AfterShip's
            summaries = next((tracer.summaries for _, tracer in analyse(path, sources[path], imported.get(path, {}),
                                                                          settings, None)), None)
            returns[path] = {name: shape for name, shape in (summaries.returns if summaries else {}).items()
                             if not name.startswith(".")}
    across = {}
    for path, found in links.items():
        known = {name: returns[link.path][link.function] for name, link in found.items()
                 if link.function in returns.get(link.path, {})}
        if known:
            across[path] = Across(returns=known)
    return across


def _calls_aftership(source: bytes, constants: dict[str, str]) -> bool:
    """Whether a module may hold AfterShip data of its own: it names the API, or imports its URL."""
    return HOST.encode() in source.lower() or any(HOST in value.lower() for value in constants.values())


def _links(sources: dict[str, bytes]) -> dict[str, dict[str, Link]]:
    """For each module, the call names that stand for top-level functions of other modules."""
    by_key: dict[str, str] = {}
    for path in sources:
        for key in module_keys(path):
            by_key.setdefault(key, path)
    trees: dict[str, ast.Module | None] = {}
    links: dict[str, dict[str, Link]] = {}
    for path, source in sources.items():
        # A byte test first: most modules import nothing of the run, and need no parse.
        if by_key.keys().isdisjoint(imported_names(source, path)):
            continue
        tree = _tree(trees, path, sources)
        if tree is None:
            continue
        for name, (module, function) in imported_functions(tree, path).items():
            # `from pkg import mod` names a module when the run has pkg/mod.py.
            if function is not None and f"{module}.{function}" in by_key:
                module, function = f"{module}.{function}", None
            target = by_key.get(module)
            if target is None or target == path:
                continue
            for defined in _top_level_functions(_tree(trees, target, sources)):
                if function is None:  # a module alias: `report.to_row(t)`
                    links.setdefault(path, {})[f"{name}.{defined}"] = Link(target, defined)
                elif defined == function:
                    links.setdefault(path, {})[name] = Link(target, defined)
    return links


def _tree(trees: dict[str, ast.Module | None], path: str, sources: dict[str, bytes]) -> ast.Module | None:
    if path not in trees:
        trees[path] = parse_quietly(sources[path])
    return trees[path]


def _top_level_functions(tree: ast.Module | None) -> set[str]:
    return {node.name for node in (tree.body if tree is not None else ())
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
