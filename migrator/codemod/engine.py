"""Rewrite one Python source: parse once, run every rule in one pass, verify, return bytes.

Never raises for bad input: a file libcst cannot parse, or cannot print back byte for byte,
comes back as skipped with the reason; a rewrite whose output does not parse is an error.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping

from migrator.codemod.findings import Finding, printed_with_positions
from migrator.codemod.ruleset import CodeRules
from migrator.codemod.suppress import Suppressions, may_suppress


@dataclass
class SourceResult:
    status: str  # unchanged | changed | skipped | error
    source: bytes
    new_source: bytes
    findings: list[Finding] = field(default_factory=list)
    fixes: Counter = field(default_factory=Counter)
    reason: str = ""
    edits: list[Finding] = field(default_factory=list)  # each fix at its place (asked for only)
    unread_line: int = 0  # skipped because libcst could not read or print it back: where (1-based)

    @property
    def changed(self) -> bool:
        return self.status == "changed"


def rewrite_source(source: bytes, rules: CodeRules, constants: Mapping[str, str] | None = None,
                   add_todo: bool = False, across=None, show_fixes: bool = False,
                   accept_todos: bool = False) -> SourceResult:
    """Apply the code rules to `source` (bytes: the encoding and line endings are kept)."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from migrator.codemod.transformer import MigrationTransformer

    try:
        module = cst.parse_module(source)
    except SyntaxError as error:  # from the encoding detection: not UTF-8 and no coding cookie
        return SourceResult("skipped", source, source, reason=f"not valid text: {error.msg}", unread_line=1)
    except cst.ParserSyntaxError as error:
        return SourceResult("skipped", source, source, reason=f"does not parse: {error.message} "
                                                              f"(line {error.raw_line})", unread_line=error.raw_line)
    except (RecursionError, MemoryError, ValueError) as error:
        return SourceResult("skipped", source, source, reason=f"libcst cannot parse it: {type(error).__name__}",
                            unread_line=1)
    # Decoding the whole file only to find no suppression comment is the common, wasted case.
    suppressions = (Suppressions.scan(source.decode(module.encoding, errors="replace"))
                    if may_suppress(source) else Suppressions())
    suppressions.accept_todos = accept_todos
    if suppressions.skips_file():
        return SourceResult("unchanged", source, source, reason="ignore-file comment")
    try:
        # Positions cost a full codegen: computed up front only when line suppressions need them.
        # The walk needs no other metadata, so it visits the module itself (a MetadataWrapper
        # costs a sixth of the walk).
        positions = (MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
                     if suppressions.lines else None)
        transformer = MigrationTransformer(rules, constants or {}, suppressions, add_todo, positions, across)
        new_module = module.visit(transformer)
        if transformer.needed_definitions:
            new_module = _with_definitions(new_module, transformer.needed_definitions)
        if transformer.needed_imports or transformer.needed_aliases:
            new_module = _with_imports(new_module, transformer.needed_imports, transformer.needed_aliases)
        if transformer.maybe_unused_imports:
            new_module = _without_unused_imports(new_module, transformer.maybe_unused_imports)
        if transformer.reports_if_kept:
            kept = _imported_modules(new_module)
            for statement, rule, detail, imported in transformer.reports_if_kept:
                if imported in kept:
                    transformer.report(statement, rule, detail)
        printed, findings = _findings(transformer.reports, module, positions)
        edits = _findings(transformer.edits, module, positions)[1] if show_fixes else []
        changed = bool(transformer.fixes) or (add_todo and bool(findings))
        if not changed:
            return SourceResult("unchanged", source, source, findings, transformer.fixes)
        if (printed if printed is not None else module.code).encode(module.encoding) != source:
            # libcst would also change unrelated whitespace: report instead of rewriting.
            return SourceResult("skipped", source, source, findings,
                                reason="libcst does not print this file back unchanged", unread_line=1)
        new_source = new_module.bytes
    except RecursionError:
        return SourceResult("skipped", source, source, reason="too deeply nested for libcst (RecursionError)",
                            unread_line=1)
    if new_source == source:
        return SourceResult("unchanged", source, source, findings, transformer.fixes)
    problem = _does_not_parse(source, new_source)
    if problem is not None:
        return SourceResult("error", source, source, findings, Counter(),
                            reason=f"the rewrite does not parse, so nothing was written ({problem})")
    return SourceResult("changed", source, new_source, findings, transformer.fixes, edits=edits)


def _does_not_parse(source: bytes, new_source: bytes) -> str | None:
    """Why the rewritten text is no valid Python, or None. Python's own parser judges; where it
    cannot read the original either (syntax newer than the running interpreter, which libcst's
    grammar reads: `type X = int` on 3.11), libcst's parser judges the rewrite instead."""
    try:
        ast.parse(new_source)
        return None
    except (SyntaxError, ValueError) as error:
        problem = str(error)
    try:
        ast.parse(source)
        return problem  # the interpreter reads the original but not the rewrite
    except (SyntaxError, ValueError):
        pass
    import libcst as cst

    try:
        cst.parse_module(new_source)
        return None
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError) as error:
        return str(error).splitlines()[0]


def _with_imports(module, modules: set[str], aliases: set[tuple[str, str]] = frozenset()):
    """`import x` (or `import x as y`) for each module an inserted statement uses, placed by
    libcst's own helper."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    for name in sorted(modules):
        AddImportsVisitor.add_needed_import(context, name)
    for name, alias in sorted(aliases):
        AddImportsVisitor.add_needed_import(context, name, asname=alias)
    return AddImportsVisitor(context).transform_module(module)


def _with_definitions(module, definitions: dict[str, str]):
    """Each top-level definition the module does not have yet, after its imports (and docstring)."""
    import libcst as cst

    defined = {statement.name.value for statement in module.body
               if isinstance(statement, (cst.FunctionDef, cst.ClassDef))}
    new = [cst.parse_statement(code) for name, code in sorted(definitions.items()) if name not in defined]
    if not new:
        return module
    at = 0
    for index, statement in enumerate(module.body):
        small = statement.body if isinstance(statement, cst.SimpleStatementLine) else ()
        if small and all(isinstance(s, (cst.Import, cst.ImportFrom)) or (
                index == 0 and isinstance(s, cst.Expr) and isinstance(s.value, cst.SimpleString)) for s in small):
            at = index + 1
        else:
            break
    spaced = [definition.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()]) for definition in new]
    body = list(module.body)
    if at < len(body):  # two blank lines after the definitions too
        body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(),
                                                        *[line for line in body[at].leading_lines if line.comment]])
    return module.with_changes(body=[*body[:at], *spaced, *body[at:]])


def _imported_modules(module) -> set[str]:
    """The dotted names of the modules the module imports, at any depth."""
    import libcst as cst

    from migrator.codemod.shapes import dotted

    found: set[str] = set()

    class Imports(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.update(dotted(alias.name) or "" for alias in node.names)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if node.module is not None and not node.relative:
                found.add(dotted(node.module) or "")

    module.visit(Imports())
    return found


def _without_unused_imports(module, names: set[tuple]):
    """The imports (module, name, as-name) the module no longer uses, removed by libcst's own
    helper (which reads the module's scopes to know)."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    context = CodemodContext()
    for module_name, obj, alias in sorted(names, key=str):
        RemoveImportsVisitor.remove_unused_import(context, module_name, obj, alias)
    return RemoveImportsVisitor(context).transform_module(module)


def _findings(reports: list, module, positions) -> tuple[str | None, list[Finding]]:
    """(the module's code as libcst prints it, when it was printed to place the findings; one
    finding per site and rule, the first message winning, in source order). A residue on a line
    where the pass already reported its rule says nothing more."""
    if not reports:
        return None, []
    printed = None
    if positions is not None:  # resolved for line suppressions already
        where = {id(r.node): (positions[r.node].start.line, positions[r.node].start.column) for r in reports}
    else:
        printed, where = printed_with_positions(module, [r.node for r in reports])
    found: dict[tuple, Finding] = {}
    reported = {(where[id(r.node)][0], r.code) for r in reports if not r.residual}
    for report in reports:
        line, column = where[id(report.node)]
        if report.residual and (line, report.code) in reported:
            continue
        key = (line, column + 1, report.code)
        found.setdefault(key, Finding(*key, report.message, report.guide))
    return printed, sorted(found.values(), key=lambda f: (f.line, f.column, f.code))
