"""AfterShip data across the modules of a run: what a function of one module returns, seen where
another module calls it (CodeQL's flow across calls, after the local steps of flow.py).

Before the run rewrites anything, the modules whose top-level functions other modules of the
run import are analysed (no rewrite) for what those functions return; each importer is then
rewritten knowing it (`flow.Across`), so `t = client.fetch(tid)` then `t["origin_country_iso3"]`
is renamed. The other direction: the importers that may hold AfterShip data are analysed for
what they pass those functions, so `report.route(tracking)` makes `route`'s parameter a
tracking when every call of the run gives it one (its own module's calls included, in flow.py).
A function an importer names without calling it (a callback), or calls with `*args`, learns
nothing; an importer that holds no AfterShip data gives it something else.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migrator.codemod.index import IMPORTED_ELSEWHERE, imported_functions, imported_names, parse_quietly
from migrator.codemod.project import Project
from migrator.codemod.templates import ast_dotted
from migrator.codemod.urls import HOST

if TYPE_CHECKING:  # libcst, which flow needs, is not imported by a run with nothing to link
    from migrator.codemod.flow import Across


@dataclass(frozen=True)
class Link:
    """A call name in one module that stands for a top-level function of another."""

    path: str  # the module defining the function
    function: str


ROUNDS = 5  # module chains (main -> shop -> client): each round carries what is known one module further


def gather(sources: dict[str, bytes], imported: dict[str, dict[str, str]], settings,
           project: Project | None = None, focus: set[str] | None = None) -> dict[str, "Across"]:
    """An `Across` for every module of `sources` that another module of the run tells something:
    what the functions it imports return, which classes it imports hold AfterShip data, what its
    own functions are given; none when no module imports another."""
    trees: dict[str, ast.Module | None] = {}  # Python's trees of the modules, parsed once for the links and the calls
    project = project or Project(os.getcwd())
    links = _links(sources, trees, project, focus)
    if not links:
        return {}
    from migrator.codemod.flow import Across
    from migrator.codemod.runner import analyse

    involved = sorted({link.path for found in links.values() for link in found.values()} | set(links))
    parsed: dict = {}  # libcst's trees, parsed once for all rounds
    across = {path: Across() for path in involved}
    for _ in range(ROUNDS):
        # Analysed (no rewrite): the modules that may hold AfterShip data, knowing what the others said.
        analysed = {path: analyse(path, sources[path], imported.get(path, {}), settings, across[path], parsed)
                    for path in involved if _calls_aftership(sources[path], imported.get(path, {}))
                    or across[path] != Across()}
        told = {path: Across() for path in involved}
        for path, found in links.items():
            for name, link in found.items():
                pairs = analysed.get(link.path)
                summaries = pairs[0][1].summaries if pairs else None
                if summaries is None:
                    continue
                if link.function in summaries.returns:
                    told[path].returns[name] = summaries.returns[link.function]
                if summaries.holds_aftership(link.function):
                    told[path].classes[name] = link.function
        for path, functions in _passed(sources, imported, links, analysed, trees).items():
            told[path].params.update(functions)
        if told == across:
            break
        across = told
    return {path: found for path, found in across.items() if found != Across()}


def _passed(sources: dict[str, bytes], imported: dict[str, dict[str, str]], links: dict[str, dict[str, Link]],
            analysed: dict[str, list], trees: dict[str, ast.Module | None]) -> dict[str, dict[str, dict[str, object]]]:
    """For each module whose functions others call: function -> parameter -> the one shape every
    call of the other modules gives it, or None (any call gives something else or nothing)."""
    from migrator.codemod.shapes import dotted

    given: dict[tuple[str, str], dict[str, set]] = {}
    for path, found in links.items():
        tree = _tree(trees, path, sources)
        called, named = _uses(tree, found) if tree is not None else (set(), set(found))
        holds_data = bool(analysed.get(path))  # (a module that could not be read: its calls unseen)
        for key in named | (set() if holds_data else called):  # a callback; or calls passing no AfterShip data
            link = found[key]
            for param in _parameters(_tree(trees, link.path, sources), link.function):
                given.setdefault((link.path, link.function), {}).setdefault(param, set()).add(None)
        if not called or not holds_data:
            continue
        for scope, tracer in analysed[path]:
            for call in scope.calls:
                link = found.get(dotted(call.func) or "")
                if link is not None:
                    params = _parameters(_tree(trees, link.path, sources), link.function)
                    _bind(call, params, tracer, given.setdefault((link.path, link.function), {}))
    out: dict[str, dict[str, dict[str, object]]] = {}
    for (path, function), params in given.items():
        seen_whole = IMPORTED_ELSEWHERE not in imported.get(path, {})  # else a caller is out of sight
        out.setdefault(path, {})[function] = {param: next(iter(shapes)) if len(shapes) == 1 and seen_whole else None
                                              for param, shapes in params.items()}
    return out


def _uses(tree: ast.Module, found: dict[str, Link]) -> tuple[set[str], set[str]]:
    """(link names called, link names used otherwise: passed as a callback, stored, or called
    with `*args`/`**kwargs`, where what each parameter gets is unknown)."""
    called, named = set(), set()
    nodes = list(ast.walk(tree))
    callees = {id(node.func) for node in nodes if isinstance(node, ast.Call)
               and not any(isinstance(a, ast.Starred) for a in node.args) and all(k.arg for k in node.keywords)}
    for node in nodes:
        if isinstance(node, (ast.Name, ast.Attribute)):
            key = ast_dotted(node)
            if key in found:
                (called if id(node) in callees else named).add(key)
    return called, named


def _parameters(tree: ast.Module | None, function: str) -> list[str]:
    """The parameter names of a top-level function, positional first."""
    for node in tree.body if tree is not None else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
            args = node.args
            return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return []


def _bind(call, params: list[str], tracer, given: dict[str, set]) -> None:
    """What one call gives each parameter (its shape; None when it gives it nothing traced)."""
    positional = [a.value for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    for index, param in enumerate(params):
        value = positional[index] if index < len(positional) else keywords.get(param)
        given.setdefault(param, set()).add(tracer.shape_of(value) if value is not None else None)


def _calls_aftership(source: bytes, constants: dict[str, str]) -> bool:
    """Whether a module may hold AfterShip data of its own: it names the API, or imports its URL."""
    return HOST.encode() in source.lower() or any(HOST in value.lower() for value in constants.values())


def _links(sources: dict[str, bytes], trees: dict[str, ast.Module | None], project: Project,
           focus: set[str] | None) -> dict[str, dict[str, Link]]:
    """For each module, the call names that stand for top-level functions (and classes) of other
    modules; the trees it parses are kept in `trees`."""
    by_key: dict[str, str] = {}
    for path in sources:
        for key in project.keys(path):
            by_key.setdefault(key, path)
    # A byte test first: most modules import nothing of the run, and need no parse.
    edges = {path: {by_key[name] for name in imported_names(source, project.module_path(path)) if name in by_key} - {path}
             for path, source in sources.items()}
    near = _near(edges, focus) if focus is not None else set(sources)
    links: dict[str, dict[str, Link]] = {}
    for path in sources:
        if not edges[path] or path not in near:
            continue
        tree = _tree(trees, path, sources)
        if tree is None:
            continue
        for name, (module, function) in imported_functions(tree, project.module_path(path)).items():
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


def _near(edges: dict[str, set[str]], focus: set[str]) -> set[str]:
    """The modules whose links can tell the focus modules something within ROUNDS rounds: those
    ROUNDS imports away or fewer, in either direction (a pre-commit run links its staged files and
    their neighbours, not the whole project)."""
    neighbours: dict[str, set[str]] = {path: set(targets) for path, targets in edges.items()}
    for path, targets in edges.items():
        for target in targets:
            neighbours[target].add(path)
    near, frontier = set(focus), set(focus)
    for _ in range(ROUNDS):
        frontier = {other for path in frontier for other in neighbours.get(path, ())} - near
        near |= frontier
    return near


def _tree(trees: dict[str, ast.Module | None], path: str, sources: dict[str, bytes]) -> ast.Module | None:
    if path not in trees:
        trees[path] = parse_quietly(sources[path])
    return trees[path]


def _top_level_functions(tree: ast.Module | None) -> set[str]:
    """The functions and classes a module defines at its top level (a class: its constructor)."""
    return {node.name for node in (tree.body if tree is not None else ())
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
