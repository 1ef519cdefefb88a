"""The codemod's one walk of a file: the dispatcher of the rules' fixers.

Each code rule's behaviour is a `Fixer` declared beside the rule in `rules/` (rules whose change
is declared data share `declared.DeclaredChangesFixer`). The walk resolves the file's data flow
first (scopes, tracers, the bodies each request sends, what crosses calls), then calls the
fixers' hooks on each node and owns what no single rule should: whether a rule is on, suppressed
or safe to fix here, findings and their TODO markers, statements inserted before a statement,
the residual pass's reports, and the gate for code on another API version. Generic keys are
touched only on expressions whose shape `shapes.Tracer` traced to AfterShip.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Mapping

import libcst as cst

from migrator.catalogue import FIXERS, Fixer, Rule
from migrator.codemod import urls
from migrator.codemod.bodies import is_dict_literal, literal_items
from migrator.codemod.declared import DeclaredChangesFixer
from migrator.codemod.edits import KeyAccess
from migrator.codemod.findings import Report, todo_codes, with_todo
from migrator.codemod.requirements import LEGACY_IMPORTERS
from migrator.codemod.flow import Across, summarise
from migrator.codemod.index import IMPORTS_AFTERSHIP, LEGACY_CLIENTS, PROJECT_VERSIONS
from migrator.codemod.residual import Residue, residual_sites
from migrator.codemod.ruleset import CodeRules, guide_ref
from migrator.codemod.shapes import (
    CLIENT_BASE, SCOPE_OF_KIND, Scope, ScopeScanner, Shape, Tracer, base_url_argument, body_argument, dotted,
    is_name, is_node_type, iter_nodes, method_call, params_argument, request_scope, string_key, subscript_key,
)
from migrator.codemod.suppress import Suppressions


# The hooks the walk calls on fixers: libcst's, for the node types below, and its own for the
# taint sinks and flow steps it resolves (an HTTP call to AfterShip, a request body and its
# items, a key read on AfterShip data) and for planning before the walk.
HOOKS = frozenset({
    "visit_Module", "visit_SimpleString", "leave_SimpleString", "leave_FormattedStringText", "leave_FormattedString",
    "visit_BinaryOperation", "leave_BinaryOperation", "leave_ConcatenatedString", "visit_Comparison",
    "leave_Comparison", "visit_Import", "visit_ImportFrom", "visit_Assign", "leave_Assign", "visit_Call", "leave_Call",
    "visit_ExceptHandler", "leave_ExceptHandler", "plan_sdk_calls", "plan_sdk_handlers", "plan_scope",
    "leave_Arg", "leave_DictElement",
    "visit_request", "leave_request", "leave_access", "leave_body", "leave_body_item", "plan_request", "plan_body",
})


class MigrationTransformer(cst.CSTTransformer):
    """`positions` (node -> CodeRange) is needed during the pass only for line suppressions."""

    def __init__(self, rules: CodeRules, constants: Mapping[str, str], suppressions: Suppressions,
                 add_todo: bool = False, positions: Mapping | None = None, across: Across | None = None) -> None:
        super().__init__()
        self.across = across
        self.rules, self.constants, self.suppressions, self.add_todo = rules, dict(constants), suppressions, add_todo
        self.imported = dict(constants)  # what the run's index says of this module
        self.fixed: dict[int, set[str]] = {}  # id of a node a rule rewrote -> those rules
        self.edits: list[Report] = []  # every fix, where and by which rule (--show-fixes)
        self.residues: dict[int, list[Residue]] = {}  # by the innermost statement holding them
        self.residues_in: dict[int, list[Residue]] = {}  # by each function around them
        self.held: set[int] = set()  # residues held until the module's end (hold_residues)
        self.waiting: list[Residue] = []
        self.positions = positions
        self.imports_legacy_sdk = False  # set before the walk (_imports_legacy_sdk)
        self.reports: list[Report] = []
        self.fixes: Counter = Counter()
        self.tracers: list[Tracer] = []
        self.request_dicts: dict[int, tuple[str, str]] = {}  # id(Dict) -> (wrapped|request, scope)
        self.write_targets: set[int] = set()
        self.assigned: dict[int, cst.BaseExpression] = {}  # id of an assignment target -> its value
        self.statements: list[list] = []  # per open statement: its findings
        self.inserts: dict[int, list[cst.BaseStatement]] = {}
        self.current_statement: list[cst.SimpleStatementLine] = []
        self.open_statements: list[cst.CSTNode] = []  # simple and compound, innermost last
        self.in_with_item = 0  # inside `with <here> as x` of the innermost statement
        self.needed_imports: set[str] = set()  # modules an inserted lookup uses
        # Inserted by a rule after the module's imports, by the name each defines (kept if defined).
        self.needed_definitions: dict[str, str] = {}
        self.needed_aliases: set[tuple[str, str]] = set()  # (module, as-name) imports a rewrite uses
        self.maybe_unused_imports: set[tuple] = set()  # (module, name, as-name) a rewrite may leave unused
        self.legacy_calls_left: int | None = None  # aftership 1.x calls no rule rewrites (set when planned)
        self.async_calls_left: int | None = None  # pyaftership constructions and calls left (the same)
        self.sdk_constructors: dict[int, object] = {}  # legacy client constructions a rule rewrites
        self.sdk_handlers: set[int] = set()  # `except` types on legacy SDK errors a rule rewrites
        self.sdk_calls: dict[int, Shape] = {}  # legacy SDK calls a rule rewrites -> the data they give
        self.reports_if_kept: list[tuple] = []  # (import statement, rule, detail, module): see report_if_kept
        self.translated: set[int] = set()  # nodes of literals a rule replaced by their payload translation
        self.sdk_bodies: dict[int, tuple] = {}  # of those, the ones sending a body: (its dict, the request)
        self.names_given: dict[int, set[str]] = {}  # per tracer: the names fresh_name handed out
        self.awaited: set[int] = set()
        self.nested_expression_scopes = 0  # comprehensions and lambdas being visited
        self.f_string_quotes: list[str] = []  # the quotes of the f-strings being visited, innermost last
        # The fixers of the enabled rules, in code order, then the one for declared changes; and
        # per hook name, their methods.
        self.fixers: list[Fixer] = [FIXERS[code](self) for code in sorted(FIXERS) if rules.on(code)]
        self.fixers.append(DeclaredChangesFixer(self))
        self.hooks: dict[str, list] = {}
        for fixer in self.fixers:
            for name in _hook_names(type(fixer)):
                self.hooks.setdefault(name, []).append(getattr(fixer, name))

    @property
    def legacy_importers(self) -> list[str]:
        """Where the project still imports a legacy SDK (this file first): its requirement stays."""
        listed = [place for place in self.constants.get(LEGACY_IMPORTERS, "").split("\n") if place]
        return ["this file", *listed] if self.imports_legacy_sdk else listed

    # Reporting ---------------------------------------------------------------------------------
    def allowed(self, code: str, node: cst.CSTNode) -> bool:
        """Whether `code` is on and not suppressed at `node`'s line."""
        if not self.rules.on(code):
            return False
        line = self.positions[node].start.line if self.positions is not None else 0
        return not self.suppressions.covers(line, code)

    def report(self, node: cst.CSTNode, rule: Rule, detail: str = "", residual: bool = False) -> None:
        if not self.allowed(rule.code, node) or self._acknowledged(rule.code):
            return
        report = Report(node, rule.code, detail or rule.title, guide_ref(rule), residual)
        self.reports.append(report)
        if self.statements and all(r.code != report.code for r in self.statements[-1]):
            self.statements[-1].append(report)

    def _acknowledged(self, code: str) -> bool:
        """With --accept-todos: whether the statement being reported on carries a TODO marker
        for `code` (one `--add-todo` left, or one written by hand in the same form)."""
        if not (self.suppressions.accept_todos and self.open_statements):
            return False
        statement = self.open_statements[-1]
        return code in todo_codes(getattr(statement, "leading_lines", ()))

    def report_if_kept(self, statement: cst.CSTNode, rule: Rule, detail: str, imported: str) -> None:
        """Report an import statement unless the rewrite leaves the module importing nothing of
        `imported` (the engine decides, once unused imports are gone: one still there is v4 in use)."""
        if self.allowed(rule.code, statement) and not self._acknowledged(rule.code):
            self.reports_if_kept.append((statement, rule, detail, imported))

    def fix(self, node: cst.CSTNode, rule: Rule) -> bool:
        """Whether to apply `rule`'s rewrite at `node`; reports the site when it may not."""
        if not self.allowed(rule.code, node):
            return False
        if self.rules.may_fix(rule):
            self.fixes[rule.code] += 1
            self.fixed.setdefault(id(node), set()).add(rule.code)
            self.edits.append(Report(node, rule.code, f"fixed: {rule.title}", guide_ref(rule)))
            return True
        self.report(node, rule, f"{rule.title} (fix with --unsafe-fixes)" if rule.safety == "unsafe" else "")
        return False

    # Scopes ------------------------------------------------------------------------------------
    @property
    def tracer(self) -> Tracer:
        return self.tracers[-1]

    def _enter(self, root: cst.CSTNode) -> None:
        if isinstance(root, cst.Module):
            self.scanner = ScopeScanner(self.rules.marker_literals)
            self.scanner.scan(root)
            self.tracer_of = self._build_tracers(root)
        self.tracers.append(self.tracer_of[id(root)])

    def analyse(self, module: cst.Module) -> list[tuple[Scope, Tracer]]:
        """Every scope of `module` with its tracer, data flow resolved, nothing rewritten (what
        crossmodule.gather reads of a module before the run rewrites it)."""
        self.scanner = ScopeScanner(self.rules.marker_literals)
        self.scanner.scan(module)
        self.tracer_of = self._build_tracers(module)
        return [(scope, self.tracer_of[id(scope.node)]) for scope in self.scanner.scopes.values()]

    def _build_tracers(self, module: cst.Module) -> dict[int, Tracer]:
        """A tracer for every scope, before any is walked: the module's constants, the request
        bodies each call sends, and what flows across calls (flow.summarise) are known first,
        so a helper defined above its caller is rewritten with what the caller passes it."""
        tracers: dict[int, Tracer] = {}
        self.module_id = id(module)
        scopes = list(self.scanner.scopes.values())
        for scope in scopes:
            outer = tracers[id(scope.parent.node)] if scope.parent is not None else None
            # A nested function shares its handler's request; the module level shares nothing.
            webhook = scope.mentions_webhook_signature or bool(outer and outer.outer and outer.webhook)
            tracer = tracers[id(scope.node)] = Tracer(scope.bindings, outer, self.constants, webhook=webhook)
            tracer.awaits_json = scope.awaits_json
            tracer.calls = scope.calls
            tracer.param_names = set(scope.params)
            star = scope.node.params.star_kwarg if isinstance(scope.node, cst.FunctionDef) else None
            tracer.keywords_param = star.name.value if isinstance(star, cst.Param) else None
            if outer is None:
                self._versions()
                self._collect_constants(tracer)
                # Code, not a comment, names AfterShip: a string of this module or a constant it
                # imports. Only then is an untraced `x["data"]["tracking"]` taken for AfterShip's.
                self.names_aftership = self.scanner.names_aftership or IMPORTS_AFTERSHIP in self.constants or any(
                    "aftership" in value.lower() for name, value in self.constants.items()
                    if not name.endswith(":"))  # what the run tells a file ("...:" keys) is no constant of it
            tracer.envelope_fallback = self.names_aftership
        # A module using a legacy client another module builds is on the legacy SDK too.
        self.imports_legacy_sdk = _imports_legacy_sdk(module) or LEGACY_CLIENTS in self.constants
        if self.imports_legacy_sdk:  # the legacy SDK calls a rule rewrites are sources of AfterShip data
            calls = [call for scope in scopes for call in scope.calls]
            for plan in self._hooks("plan_sdk_calls"):  # in code order: a later rule sees what earlier ones plan
                self.sdk_calls.update(plan(module, calls))
            for plan in self._hooks("plan_sdk_handlers"):  # once every call is planned: what can still raise is known
                plan(module)
            for tracer in tracers.values():
                tracer.sdk_calls = self.sdk_calls
        summarise(scopes, tracers, self.across)
        for scope in scopes:
            self._seed_requests(scope.calls, tracers[id(scope.node)])
        # With --add-todo a function holding a residue is walked, so each marker lands above its
        # own statement; otherwise a function nothing else needs walked reports its residues whole.
        holding = set()
        if self.other_version is None:
            for residue in residual_sites(module, self.rules, self.imported, self.scanner.preorder):
                self.residues.setdefault(residue.statement, []).append(residue)
                for function in residue.functions:
                    self.residues_in.setdefault(function, []).append(residue)
                if self.add_todo:
                    holding.update(residue.functions)
        legacy_sdk = self.imports_legacy_sdk  # its clients live anywhere: walk every function
        for scope in scopes:
            tracer, outer = tracers[id(scope.node)], tracers.get(id(scope.parent.node)) if scope.parent else None
            tracer.connected = bool(tracer.calls_aftership or tracer.params or scope.mentions_webhook_signature
                                    or (outer is not None and (outer.calls_aftership or outer.params))
                                    or any(tracer.shape_of(call) is not None or self._calls_aftership_helper(tracer, call)
                                           for call in scope.calls))
            planned = [plan(scope, tracer) for plan in self._hooks("plan_scope")]  # each plans, whatever the others say
            tracer.quiet = not (scope.marked or tracer.connected or id(scope.node) in holding or legacy_sdk
                                or any(planned))
        return tracers

    def _calls_aftership_helper(self, tracer: Tracer, call: cst.Call) -> bool:
        """A call of a local function that calls AfterShip: what it hands back is AfterShip's,
        traced or not (so `data["count"]` after `data = fetch_page(...)` is v4's count)."""
        callee = tracer.summaries.callee(call.func, tracer) if tracer.summaries is not None else None
        return callee is not None and tracer.summaries.tracers[id(callee.node)].calls_aftership

    def _versions(self) -> None:
        """Whether this file is v4 code to migrate, from the versions its URLs (and the constants
        it imports, and the run's) name: code on another version keeps its own contract."""
        imported = {version for name, value in self.constants.items() if not name.startswith(PROJECT_VERSIONS)
                    for version in urls.api_versions(value)}
        versions = self.scanner.api_versions | imported
        project = set(filter(None, self.constants.get(PROJECT_VERSIONS, "").split(",")))
        other = urls.other_versions(versions)
        self.other_version = sorted(other)[0] if other and urls.LEGACY not in versions else None
        self.on_v4 = urls.LEGACY in versions or not versions  # no URL here: the header or SDK said AfterShip
        # The header goes where the URLs go: to v4 or 2025-01 in this file, or, with no URL
        # here, the run's URLs are not all of another version.
        self.header_to_v4 = bool(versions & {urls.LEGACY, urls.CURRENT}) or (
            not versions and not urls.other_versions(project))

    def _collect_constants(self, tracer: Tracer) -> None:
        """String constants of the module, its classes and `self.x = ...` attributes.

        Each value is read in its own scope, so `self.base_url = base_url` in `__init__` sees
        the parameter's default.
        """
        scoped: dict[int, Tracer] = {}
        for assign, scope in self.scanner.assignments:
            reader = tracer if scope.bindings is tracer.bindings else scoped.setdefault(
                id(scope), Tracer(scope.bindings, tracer, self.constants))
            for target in assign.targets:
                node = target.target
                # Module and class names, names a function declares `global`, and attributes of
                # self/cls; a function's locals stay local.
                name = node.value if isinstance(node, cst.Name) and (reader is tracer or node.value in scope.globals) else (
                    node.attr.value if isinstance(node, cst.Attribute) and is_name(node.value, "self", "cls") else None)
                if name and name not in self.constants:
                    template = reader.template_of(assign.value)
                    if template is not None:
                        self.constants[name] = template
                base = base_url_argument(assign.value) if name else None
                base_template = reader.template_of(base) if base is not None else None
                if base_template is not None:
                    self.constants[CLIENT_BASE + name] = base_template

    def _seed_requests(self, calls: list, tracer: Tracer) -> None:
        """Mark the bodies sent to create/update/detect/predict-batch, and the names holding them."""
        for call in calls:
            shape = tracer.http_call(call)
            tracer.calls_aftership |= shape is not None or id(call) in tracer.sdk_calls
            if id(call) in self.sdk_bodies:  # a legacy SDK call sends it unwrapped
                body, request = self.sdk_bodies[id(call)]
                if request == "predict-batch":
                    self._register_body(tracer, body, request)
                else:
                    self._register_dict(tracer, body, "request", request)
            scope = request_scope(shape.endpoint, shape.method) if shape else None
            body = (tracer.summaries.body(call, tracer) if tracer.wraps_request(call) else body_argument(call, tracer)) \
                if scope else None
            if body is not None:
                self._register_body(tracer, body, scope)
            if shape is not None:
                for plan in self._hooks("plan_request"):
                    plan(tracer, call, shape)
            params = params_argument(call) if shape and shape.endpoint in ("trackings", "tracking") else None
            if params is not None and shape.method == "get":
                self._register_dict(tracer, params, "request", "list-query")

    def _register_body(self, tracer: Tracer, body: cst.BaseExpression, scope: str) -> None:
        if scope == "predict-batch":
            literals = [body] if not isinstance(body, cst.Name) else [
                v for h, v in tracer.bindings.values.get(body.value, ()) if h == "value"]
            for item in (e for literal in literals for e in iter_nodes(literal) if isinstance(e, cst.DictElement)):
                if string_key(item.key) in ("origin_address", "destination_address") and isinstance(item.value, cst.Dict):
                    self.request_dicts[id(item.value)] = ("request", "edd-address")
            return
        self._register_dict(tracer, body, "wrapped", scope)

    def _register_dict(self, tracer: Tracer, expr: cst.BaseExpression, how: str, scope: str) -> None:
        callee = tracer.summaries.callee(expr.func, tracer) if isinstance(expr, cst.Call) and tracer.summaries else None
        if callee is not None:  # json=build_body(order): the literals the helper returns
            for value in callee.returns:
                self._register_dict(tracer.summaries.tracers[id(callee.node)], value, how, scope)
            return
        dicts = [expr] if is_dict_literal(expr) else []
        if isinstance(expr, cst.Name):
            dicts = [v for h, v in tracer.bindings.values.get(expr.value, ()) if h == "value" and is_dict_literal(v)]
        wrapped = any(self._wrapper_inner(d) is not None for d in dicts) if how == "wrapped" else False
        for literal in dicts:
            for plan in self._hooks("plan_body"):
                plan(tracer, literal, how, scope)
            inner = self._wrapper_inner(literal) if how == "wrapped" else None
            if inner is not None:
                self.request_dicts[id(literal)] = ("wrapped", scope)
                self._register_dict(tracer, inner, "request", scope)
            else:
                self.request_dicts[id(literal)] = ("request", scope)
        if isinstance(expr, cst.Name):
            tracer.request_shapes[expr.value] = Shape("request-wrapped" if wrapped else "request", scope=scope)

    @staticmethod
    def _wrapper_inner(literal: cst.Dict | cst.Call) -> cst.BaseExpression | None:
        """X of `{"tracking": X}` or `dict(tracking=X)`."""
        items = literal_items(literal)
        return items[0][1] if len(items) == 1 and items[0][0] == "tracking" else None

    def visit_Module(self, node: cst.Module) -> bool:
        self.module_config = node.config_for_parsing  # inserted code uses the file's newlines and indent
        self._enter(node)
        self._visit("visit_Module", node)
        return self.other_version is None  # another version's code: nothing here is v4

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        self.held.clear()
        for residue in self.waiting:
            self._report_residue(residue)
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._open_statement(node)
        self._enter(node)
        return not self.tracer.quiet  # nothing in it any rule acts on: skip the walk

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef):
        if self.tracers.pop().quiet:  # not walked: its statements never closed
            for residue in self.residues_in.get(id(original), ()):
                if residue in self.residues.get(residue.statement, ()):
                    self.residues[residue.statement].remove(residue)
                    self._report_residue(residue)
        return self._close_statement(original, updated)

    # Statements: TODO markers and inserted lookups ---------------------------------------------
    # Hooked per statement type rather than in on_visit/on_leave, which would run for every node.
    def _open_statement(self, node: cst.CSTNode) -> None:
        self.statements.append([])
        self.open_statements.append(node)
        if type(node) is cst.SimpleStatementLine:
            self.current_statement.append(node)

    def _close_statement(self, original: cst.CSTNode, updated: cst.CSTNode):
        self._report_residues(original)
        findings = self.statements.pop()
        self.open_statements.pop()
        if type(original) is cst.SimpleStatementLine:
            self.current_statement.pop()
        result = updated
        before = self.inserts.pop(id(original), None)
        if before and result.leading_lines:  # the blank line or comment above now heads the lookup
            before[0] = before[0].with_changes(leading_lines=result.leading_lines)
            result = result.with_changes(leading_lines=())
        if self.add_todo and findings:
            result = with_todo(result, findings)
        return cst.FlattenSentinel([*before, result]) if before else result

    def _report_residues(self, statement: cst.CSTNode) -> None:
        """What is left of v4 in the statement: every residue no fix of its own rule touched
        (at the site, around it or inside it) is reported, traced or not."""
        for residue in self.residues.pop(id(statement), ()):
            self._report_residue(residue)

    def _report_residue(self, residue: Residue) -> None:
        if id(residue.node) in self.translated:
            return  # inside a literal the payload engine translated whole (a mocked body)
        if id(residue.node) in self.held:
            self.waiting.append(residue)  # reported by leave_Module unless its use was split
            return
        if any(self.fixed.get(near, set()) & residue.resolved_by for near in residue.near):
            return
        # An ordinary word (`count`) in code that neither calls AfterShip nor receives its data (a
        # function, or the module's top level) is that code's business; AfterShip's own field
        # names are reported anywhere.
        scope = residue.functions[0] if residue.functions else self.module_id
        if residue.ordinary_word and not self.tracer_of[scope].connected:
            return
        if residue.retyped and not self.on_v4:
            return  # `shipment_weight` in code already on 2025-01 is 2025-01's
        self.report(residue.node, residue.rule, residue.message, residual=True)

    # libcst's dispatch formats a method name and looks it up for every node, twice, and again for
    # every field of every node (attribute hooks, which this walk has none of): a fifth of the walk.
    def on_visit(self, node: cst.CSTNode) -> bool:
        method = _handlers(type(self), type(node))[0]
        return method is None or method(self, node) is not False

    def _skip_tokens(self, node: cst.CSTNode) -> bool:
        return False  # whitespace and punctuation: no rule reads what they hold

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        method = _handlers(type(self), type(original))[1]
        return updated if method is None else method(self, original, updated)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original: cst.CSTNode, attribute: str) -> None:
        pass

    visit_SimpleStatementLine = visit_ClassDef = visit_If = visit_For = visit_While = visit_With = visit_Try = (
        visit_TryStar) = visit_Match = _open_statement
    leave_SimpleStatementLine = leave_ClassDef = leave_If = leave_For = leave_While = leave_With = leave_Try = (
        leave_TryStar) = leave_Match = _close_statement

    # Fixer hooks ---------------------------------------------------------------------------------
    def _hooks(self, name: str) -> list:
        return self.hooks.get(name, ())

    def _leave(self, name: str, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        """The first fixer that returns a new node edits it: one rule's edit per node."""
        for hook in self._hooks(name):
            result = hook(original, updated)
            if result is not updated:
                return result
        return updated

    def _visit(self, name: str, node: cst.CSTNode) -> None:
        for hook in self._hooks(name):
            hook(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._visit("visit_SimpleString", node)

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.BaseExpression:
        return self._leave("leave_SimpleString", original, updated)

    def leave_FormattedStringText(self, original: cst.FormattedStringText,
                                  updated: cst.FormattedStringText) -> cst.FormattedStringText:
        return self._leave("leave_FormattedStringText", original, updated)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.f_string_quotes.append(node.quote)

    def leave_FormattedString(self, original: cst.FormattedString, updated: cst.FormattedString) -> cst.FormattedString:
        self.f_string_quotes.pop()
        return self._leave("leave_FormattedString", original, updated)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self._visit("visit_BinaryOperation", node)

    def leave_BinaryOperation(self, original: cst.BinaryOperation,
                              updated: cst.BinaryOperation) -> cst.BaseExpression:
        return self._leave("leave_BinaryOperation", original, updated)

    def leave_ConcatenatedString(self, original: cst.ConcatenatedString,
                                 updated: cst.ConcatenatedString) -> cst.BaseExpression:
        return self._leave("leave_ConcatenatedString", original, updated)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._visit("visit_Comparison", node)

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        return self._leave("leave_Comparison", original, updated)

    def visit_Import(self, node: cst.Import) -> None:
        self._visit("visit_Import", node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._visit("visit_ImportFrom", node)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.write_targets.update(id(t.target) for t in node.targets)
        self.assigned.update((id(t.target), node.value) for t in node.targets)
        self._visit("visit_Assign", node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._visit("visit_ExceptHandler", node)

    def leave_ExceptHandler(self, original: cst.ExceptHandler, updated: cst.ExceptHandler) -> cst.ExceptHandler:
        return self._leave("leave_ExceptHandler", original, updated)

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        return self._leave("leave_Assign", original, updated)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return self._leave("leave_Arg", original, updated)

    def leave_DictElement(self, original: cst.DictElement, updated: cst.DictElement) -> cst.DictElement:
        return self._leave("leave_DictElement", original, updated)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.write_targets.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self.write_targets.add(id(node.target))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self.in_with_item += 1

    def leave_WithItem(self, original: cst.WithItem, updated: cst.WithItem) -> cst.WithItem:
        self.in_with_item -= 1
        return updated

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited.add(id(node.expression))

    def on_visit_expression_scope(self, node: cst.CSTNode) -> None:
        self.nested_expression_scopes += 1

    def on_leave_expression_scope(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        self.nested_expression_scopes -= 1
        return updated

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda = on_visit_expression_scope
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = leave_Lambda = on_leave_expression_scope

    def visit_Call(self, node: cst.Call) -> None:
        self._visit("visit_Call", node)
        request_hooks = self._hooks("visit_request")
        shape = self.tracer.http_call(node) if request_hooks else None  # every call of the file comes here
        if shape is not None:
            for hook in request_hooks:
                hook(node, shape)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.request_dicts:  # dict(tracking=dict(...)) sent as a body
            return self._body(original, updated)
        shape = self.tracer.http_call(original)
        if shape is not None:
            if dotted(original.func) and dotted(original.func).split(".")[-1] == "urlopen" and original.args and \
                    self.tracer.request_object(original.args[0].value) is not None:
                return updated  # urlopen(req): the Request(...) that built req is where the URL is handled
            for hook in self._hooks("leave_request"):
                result = hook(original, updated, shape)
                if result is not updated:
                    return result
            return updated
        if method_call(original, "get") and original.args:
            key = string_key(original.args[0].value)
            if key is not None:
                has_default = len(original.args) > 1 and not is_name(original.args[1].value, "None")
                return self._access(original, updated, original.func.value, key, has_default)
        return self._leave("leave_Call", original, updated)

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        key = subscript_key(original)
        return self._access(original, updated, original.value, key, False) if isinstance(key, str) else updated

    def _access(self, original: cst.Subscript | cst.Call, updated: cst.Subscript | cst.Call,
                receiver: cst.BaseExpression, key: str, has_default: bool) -> cst.BaseExpression:
        """A key read or written on data traced to AfterShip: each fixer's `leave_access`."""
        parent = self.tracer.parent_shape(receiver, key)
        if parent is None:
            return updated
        access = KeyAccess(original, updated, key, parent, _scope(parent), id(original) in self.write_targets,
                           has_default, self.assigned.get(id(original)))
        for hook in self._hooks("leave_access"):
            result = hook(access)
            if result is not updated:
                return result
        return updated

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        return self._body(original, updated) if id(original) in self.request_dicts else updated

    def _body(self, original: cst.Dict | cst.Call, updated: cst.Dict | cst.Call) -> cst.BaseExpression:
        """A request body written as `{...}` or `dict(...)`: edited whole (`leave_body`: unwrapped,
        translated) or, a `{...}` literal, item by item (`leave_body_item`)."""
        how, scope = self.request_dicts[id(original)]
        for hook in self._hooks("leave_body"):
            result = hook(original, updated, how, scope)
            if result is not updated:
                return result
        if how != "request" or isinstance(original, cst.Call):
            return updated  # dict(k=...) keywords left as they are: the residual pass reports them
        elements = []
        for old, element in zip(original.elements, updated.elements):
            key = string_key(element.key) if isinstance(element, cst.DictElement) else None
            if key is not None:
                for hook in self._hooks("leave_body_item"):
                    result = hook(old, element, key, scope)
                    if result is not element:
                        element = result
                        break
            elements.append(element)
        return updated.with_changes(elements=elements)

    # What fixers ask of the walk ---------------------------------------------------------------------
    def url_index(self, call: cst.Call) -> int | None:
        """Which argument of the call is its URL (positional or `url=`), as the tracer read it;
        None when the URL is not a direct argument (urlopen(Request(...)))."""
        url, _ = self.tracer.call_url(call)
        return next((i for i, a in enumerate(call.args) if a.value is url), None)

    def anchor(self) -> cst.CSTNode | None:
        """The statement to insert before, for the node being left: the statement holding it, or
        its `with`; None in a loop or branch header (a statement before it would run once)."""
        if not self.open_statements:
            return None
        innermost = self.open_statements[-1]
        if isinstance(innermost, cst.SimpleStatementLine):
            # `s = pick(); r = get(...)`: a statement before the line would run before `s` is set.
            return innermost if len(innermost.body) == 1 else None
        if isinstance(innermost, cst.With) and self.in_with_item:
            return innermost
        return None

    def insert_before(self, anchor: cst.CSTNode, source: str, imports: tuple[str, ...] = ()) -> None:
        """Statements (`source`, written in double quotes and 4-space indents) to run before
        `anchor`, in the file's own newlines and indentation; `imports` are added to the module."""
        statements = cst.parse_module(source, config=self.module_config).body
        self.inserts.setdefault(id(anchor), []).extend(statements)
        self.needed_imports.update(imports)

    def fresh_name(self, base: str) -> str:
        """`base`, or `base_2`, ... : a name no binding of the current scope uses, nor any name
        handed out in it before (two lookups before one statement must not share their id)."""
        taken = self.names_given.setdefault(id(self.tracer), set())
        used = set(self.tracer.bindings.values) | taken
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        return name

    def fit_quotes(self, source: str) -> str | None:
        """`source` (new code whose string literals use double quotes) made valid where it lands:
        inside an f-string's braces a literal may not reuse the f-string's quote before Python
        3.12. None when both quote kinds are taken by enclosing f-strings."""
        taken = {quote[0] for quote in self.f_string_quotes}
        if '"' not in taken:
            return source
        return None if "'" in taken else source.replace('"', "'")

    def covered(self, node: cst.CSTNode, rule: Rule) -> None:
        """`rule`'s residue at `node` is resolved by an edit made elsewhere."""
        self.fixed.setdefault(id(node), set()).add(rule.code)

    def hold_residues(self, nodes) -> None:
        """Report the residues of `nodes` at the module's end, not as their statements close: a
        fix later in the file may still resolve them (`covered`)."""
        self.held.update(id(node) for node in nodes)


# The walk ignores libcst's attribute hooks (on_visit_attribute): a method written as one would never run.
if any(re.fullmatch(r"(visit|leave)_[A-Z]\w*?_[a-z]\w*", name) for name in vars(MigrationTransformer)):
    raise TypeError("MigrationTransformer defines a libcst attribute hook, which its walk does not call")


LEGACY_SDK_PACKAGES = frozenset({"aftership", "pyaftership"})


def _imports_legacy_sdk(module: cst.Module) -> bool:
    """Whether the module imports a legacy AfterShip SDK at its top level (or in an if/try there)."""
    pending = list(module.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (cst.If, cst.Try)):
            pending.extend(statement.body.body)
            pending.extend(getattr(statement.orelse, "body", None) and statement.orelse.body.body or ())
            for handler in getattr(statement, "handlers", ()):
                pending.extend(handler.body.body)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                names = [dotted(a.name) for a in small.names] if isinstance(small, cst.Import) else (
                    [dotted(small.module)] if isinstance(small, cst.ImportFrom) and small.module is not None
                    and not small.relative else [])
                if any((name or "").split(".")[0] in LEGACY_SDK_PACKAGES for name in names):
                    return True
    return False


@lru_cache(maxsize=None)
def _handlers(transformer: type, node: type) -> tuple:
    """(visit_<Node>, leave_<Node>) of the transformer class, None where it has none."""
    name = node.__name__
    if not is_node_type(node):
        return transformer._skip_tokens, None
    return getattr(transformer, "visit_" + name, None), getattr(transformer, "leave_" + name, None)


@lru_cache(maxsize=None)
def _hook_names(fixer: type[Fixer]) -> tuple[str, ...]:
    names = tuple(name for name in dir(fixer) if name.startswith(("visit_", "leave_", "plan_")))
    for name in names:
        if name not in HOOKS:  # a hook the walk never calls would be a rule silently off
            raise TypeError(f"{fixer.__name__}.{name} is not a hook of the walk")
    return names


def _scope(shape: Shape) -> str | None:
    """The catalogue scope of data of this shape."""
    if shape.kind == "request":
        return shape.scope
    if shape.single_tracking:
        return "tracking"
    if shape.kind == "data" and shape.endpoint == "trackings" and shape.method == "get":
        return "list-data"
    return SCOPE_OF_KIND.get(shape.kind)
