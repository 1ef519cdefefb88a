"""One libcst pass per file applying every code rule of the catalogue.

Each rule either rewrites a site (when its fix safety allows) or reports it as a `Finding`.
Generic keys are touched only on expressions whose shape `shapes.Tracer` traced to AfterShip.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Mapping

import libcst as cst

from migrator.catalogue import Rule
from migrator.codemod import urls
from migrator.codemod.bodies import (
    KINDS as BODY_KINDS, is_dict_literal, laid_out_like, literal_items, translate_literal, value_conforms,
)
from migrator.codemod.findings import Report, with_todo
from migrator.codemod.flow import Across, bound_positions, summarise
from migrator.codemod.index import PROJECT_VERSIONS
from migrator.codemod.pieces import f_string, pieces, split_slug_number
from migrator.codemod.residual import Residue, residual_sites
from migrator.codemod.ruleset import CodeRules, guide_ref, keys_of_2025_01
from migrator.codemod.shapes import (
    CLIENT_BASE, SCOPE_OF_KIND, Scope, ScopeScanner, Shape, Tracer, base_url_argument, body_argument, dotted,
    is_integer, is_name, iter_nodes, method_call, params_argument, request_scope, string_key,
    subscript_key,
)
from migrator.codemod.suppress import Suppressions
from migrator.rules.endpoints import LAST_CHECKPOINT, NOTIFICATIONS, SLUG_NUMBER_ENDPOINTS
from migrator.rules.envelopes import PAGINATION, REQUEST_WRAPPER, RESPONSE_WRAPPER, TIME_PARAMETERS
from migrator.rules.general import (
    API_KEY_HEADER, BASE_URL, LEGACY_ONLY_KEYS, LEGACY_SDK, OTHER_VERSION, RATE_LIMITS, WEBHOOK_VERSION,
)
from migrator.rules.tracking_fields import DETECT_SLUG_LIST, LEGACY_ID, TRANSIT_TIME


def _with_text(node: cst.SimpleString, text: str) -> cst.SimpleString:
    """A string literal holding `text` (a key or header name), in the same prefix and quotes."""
    return _with_body(node, lambda body: text)


def _with_body(node: cst.SimpleString, edit) -> cst.SimpleString:
    """The literal with `edit` applied to its source text between the quotes.

    Working on the source text keeps every escape (`\\n`, `\\"`) and raw prefix as written; the
    edits are URL and key substitutions, which never span an escape.
    """
    start = len(node.prefix) + len(node.quote)
    body = node.value[start:len(node.value) - len(node.quote)]
    return node.with_changes(value=node.value[:start] + edit(body) + node.value[len(node.value) - len(node.quote):])


# Source text of one node (the module's default formatting: only a node's own text matters).
_code = cst.Module(body=[]).code_for_node


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
        self.url_bindings: dict[int, cst.Call] = {}  # slug/number URL expression bound for a call
        self.looked_up: set[int] = set()  # calls whose URL binding got the id lookup
        # Detect slugs held in names (_plan_slug_split): the strings behind each, and the
        # residues of those strings held back until the module's end.
        self.slug_sources: dict[int, list[cst.SimpleString]] = {}
        self.awaiting_split: set[int] = set()
        self.waiting: list[Residue] = []
        self.positions = positions
        self.reports: list[Report] = []
        self.fixes: Counter = Counter()
        self.tracers: list[Tracer] = []
        self.request_dicts: dict[int, tuple[str, str]] = {}  # id(Dict) -> (wrapped|request, scope)
        self.write_targets: set[int] = set()
        self.computed: set[int] = set()  # operands of arithmetic and comparisons
        self.statements: list[list] = []  # per open statement: its findings
        self.inserts: dict[int, list[cst.BaseStatement]] = {}
        self.current_statement: list[cst.SimpleStatementLine] = []
        self.open_statements: list[cst.CSTNode] = []  # simple and compound, innermost last
        self.in_with_item = 0  # inside `with <here> as x` of the innermost statement
        self.needed_imports: set[str] = set()  # modules an inserted lookup uses
        self.awaited: set[int] = set()
        self.nested_expression_scopes = 0  # comprehensions and lambdas being visited
        self.structured: set[int] = set()  # reads already in the 2025-01 structure (visit_Call)
        self.f_string_quotes: list[str] = []  # the quotes of the f-strings being visited, innermost last

    # Reporting ---------------------------------------------------------------------------------
    def _allowed(self, code: str, node: cst.CSTNode) -> bool:
        if not self.rules.on(code):
            return False
        line = self.positions[node].start.line if self.positions is not None else 0
        return not self.suppressions.covers(line, code)

    def report(self, node: cst.CSTNode, rule: Rule, detail: str = "", residual: bool = False) -> None:
        if not self._allowed(rule.code, node):
            return
        report = Report(node, rule.code, detail or rule.title, guide_ref(rule), residual)
        self.reports.append(report)
        if self.statements and all(r.code != report.code for r in self.statements[-1]):
            self.statements[-1].append(report)

    def fix(self, node: cst.CSTNode, rule: Rule) -> bool:
        """Whether to apply `rule`'s rewrite at `node`; reports the site when it may not."""
        if not self._allowed(rule.code, node):
            return False
        if self.rules.may_fix(rule):
            self.fixes[rule.code] += 1
            self.fixed.setdefault(id(node), set()).add(rule.code)
            self.edits.append(Report(node, rule.code, f"fixed: {rule.title}", guide_ref(rule)))
            return True
        self.report(node, rule, f"{rule.title} (fix with --unsafe-fixes)" if rule.safety == "unsafe" else "")
        return False

    def rule(self, code: str) -> Rule:
        return self.rules.catalogue[code]

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
        scopes = list(self.scanner.scopes.values())
        for scope in scopes:
            outer = tracers[id(scope.parent.node)] if scope.parent is not None else None
            # A nested function shares its handler's request; the module level shares nothing.
            webhook = scope.mentions_webhook_signature or bool(outer and outer.outer and outer.webhook)
            tracer = tracers[id(scope.node)] = Tracer(scope.bindings, outer, self.constants, webhook=webhook)
            tracer.awaits_json = scope.awaits_json
            tracer.calls = scope.calls
            tracer.param_names = set(scope.params)
            if outer is None:
                self._versions()
                self._collect_constants(tracer)
                # Code, not a comment, names AfterShip: a string of this module or a constant it
                # imports. Only then is an untraced `x["data"]["tracking"]` taken for AfterShip's.
                self.names_aftership = self.scanner.names_aftership or any(
                    "aftership" in value.lower() for value in self.constants.values())
            tracer.envelope_fallback = self.names_aftership
        summarise(scopes, tracers, self.across)
        for scope in scopes:
            self._seed_requests(scope.calls, tracers[id(scope.node)])
        # With --add-todo a function holding a residue is walked, so each marker lands above its
        # own statement; otherwise a function nothing else needs walked reports its residues whole.
        holding = set()
        if self.other_version is None:
            for residue in residual_sites(module, self.rules, self.imported):
                self.residues.setdefault(residue.statement, []).append(residue)
                for function in residue.functions:
                    self.residues_in.setdefault(function, []).append(residue)
                if self.add_todo:
                    holding.update(residue.functions)
        for scope in scopes:
            tracer, outer = tracers[id(scope.node)], tracers.get(id(scope.parent.node)) if scope.parent else None
            tracer.connected = bool(tracer.calls_aftership or tracer.params or scope.mentions_webhook_signature
                                    or (outer is not None and (outer.calls_aftership or outer.params))
                                    or any(tracer.shape_of(call) is not None or self._calls_aftership_helper(tracer, call)
                                           for call in scope.calls))
            tracer.quiet = not (scope.marked or tracer.connected or id(scope.node) in holding)
        return tracers

    def _calls_aftership_helper(self, tracer: Tracer, call: cst.Call) -> bool:
        """A call of a local function that calls AfterShip: what it hands back is AfterShip's,
        traced or not (so `data["count"]` after `data = fetch_page(...)` is v4's count)."""
        callee = tracer.summaries.callee(call.func) if tracer.summaries is not None else None
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
            tracer.calls_aftership |= shape is not None
            scope = request_scope(shape.endpoint, shape.method) if shape else None
            body = (tracer.summaries.body(call) if tracer.wraps_request(call) else body_argument(call, tracer)) \
                if scope else None
            if body is not None:
                self._register_body(tracer, body, scope)
            if shape is not None and shape.endpoint == "slug-number":
                self._plan_url_binding(tracer, call)
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
        callee = tracer.summaries.callee(expr.func) if isinstance(expr, cst.Call) and tracer.summaries else None
        if callee is not None:  # json=build_body(order): the literals the helper returns
            for value in callee.returns:
                self._register_dict(tracer.summaries.tracers[id(callee.node)], value, how, scope)
            return
        dicts = [expr] if is_dict_literal(expr) else []
        if isinstance(expr, cst.Name):
            dicts = [v for h, v in tracer.bindings.values.get(expr.value, ()) if h == "value" and is_dict_literal(v)]
        wrapped = any(self._wrapper_inner(d) is not None for d in dicts) if how == "wrapped" else False
        for literal in dicts:
            if scope == "detect-request" and how == "request":
                self._plan_slug_split(tracer, literal)
            inner = self._wrapper_inner(literal) if how == "wrapped" else None
            if inner is not None:
                self.request_dicts[id(literal)] = ("wrapped", scope)
                self._register_dict(tracer, inner, "request", scope)
            else:
                self.request_dicts[id(literal)] = ("request", scope)
        if isinstance(expr, cst.Name):
            tracer.request_shapes[expr.value] = Shape("request-wrapped" if wrapped else "request", scope=scope)

    def _plan_url_binding(self, tracer: Tracer, call: cst.Call) -> None:
        """`url = "%s/trackings/%s/%s" % (...)` then `requests.get(url)`: with --unsafe-fixes the
        lookup goes before the binding, which then holds the by-id URL (leave_Assign)."""
        url, _ = tracer.call_url(call)
        if (self.rules.unsafe_fixes and isinstance(url, cst.Name) and not tracer.wraps_request(call)
                and isinstance(call.func, cst.Attribute) and call.func.attr.value in ("get", "put", "delete", "post")):
            bound = [v for how, v in tracer.bindings.values.get(url.value, ()) if how == "value"]
            if len(bound) == 1 and len(tracer.bindings.values.get(url.value, ())) == 1:
                self.url_bindings[id(bound[0])] = call

    def _plan_slug_split(self, tracer: Tracer, literal: cst.BaseExpression) -> None:
        """A detect `slug` given by a name that holds text may be split where it is sent
        (_slug_list); the comma strings it comes from are then migrated too. Their residues wait
        for the end of the module (leave_Module), when it is known whether the split was made."""
        for key, value in literal_items(literal):
            if key == "slug" and isinstance(value, cst.Name) and tracer.holds_text(value) \
                    and self.rules.may_fix(DETECT_SLUG_LIST):
                sources = tracer.text_literals(value)
                self.slug_sources[id(value)] = sources
                self.awaiting_split.update(id(source) for source in sources)

    @staticmethod
    def _wrapper_inner(literal: cst.Dict | cst.Call) -> cst.BaseExpression | None:
        """X of `{"tracking": X}` or `dict(tracking=X)`."""
        items = literal_items(literal)
        return items[0][1] if len(items) == 1 and items[0][0] == "tracking" else None

    def visit_Module(self, node: cst.Module) -> bool:
        self.module_config = node.config_for_parsing  # inserted code uses the file's newlines and indent
        self._enter(node)
        if self.other_version is None:
            return True
        site = self.scanner.version_sites.get(self.other_version)
        if re.fullmatch(r"v[0-3]", self.other_version) and site is not None:
            self.report(site, OTHER_VERSION, f"AfterShip API {self.other_version} is retired: "
                                                  "move this code to 2025-01 by hand (this tool migrates v4)")
        return False  # another version's code: nothing here is v4

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        self.awaiting_split.clear()
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
        if self.add_todo and findings:
            result = with_todo(result, findings)
        before = self.inserts.pop(id(original), None)
        return cst.FlattenSentinel([*before, result]) if before else result

    def _report_residues(self, statement: cst.CSTNode) -> None:
        """What is left of v4 in the statement: every residue no fix of its own rule touched
        (at the site, around it or inside it) is reported, traced or not."""
        for residue in self.residues.pop(id(statement), ()):
            self._report_residue(residue)

    def _report_residue(self, residue: Residue) -> None:
        if id(residue.node) in self.awaiting_split:
            self.waiting.append(residue)  # reported by leave_Module unless its use was split
            return
        if any(residue.rule.code in self.fixed.get(near, ()) for near in residue.near):
            return
        # An ordinary word (`count`) in a function that neither calls AfterShip nor receives its
        # data is the function's own business; AfterShip's own field names are reported anywhere.
        if residue.ordinary_word and residue.functions and not self.tracer_of[residue.functions[0]].connected:
            return
        self.report(residue.node, residue.rule, residue.message, residual=True)

    visit_SimpleStatementLine = visit_ClassDef = visit_If = visit_For = visit_While = visit_With = visit_Try = (
        visit_TryStar) = visit_Match = _open_statement
    leave_SimpleStatementLine = leave_ClassDef = leave_If = leave_For = leave_While = leave_With = leave_Try = (
        leave_TryStar) = leave_Match = _close_statement

    # Strings: base URL, header, webhook signature, EDD source value ---------------------------------
    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.BaseExpression:
        value = string_key(original)
        if value is None:
            return updated
        lowered = value.lower()
        if urls.V4_BASE.search(value) and self.fix(original, BASE_URL):
            return _with_body(updated, urls.rewrite_base)
        if lowered == urls.HEADER_OLD:
            if not self.header_to_v4:
                self.report(original, API_KEY_HEADER, "`aftership-api-key` kept: this run's AfterShip URLs are "
                                                          "of another version; rename it where it is sent to v4")
            elif self.fix(original, API_KEY_HEADER):
                self.report(original, LEGACY_ONLY_KEYS)
                return _with_text(updated, urls.HEADER_NEW)
            return updated
        if lowered == urls.HEADER_NEW:
            self.report(original, LEGACY_ONLY_KEYS)
        elif lowered in urls.WEBHOOK_SIGNATURE_NAMES:
            self.report(original, WEBHOOK_VERSION,
                        "webhook handler: 2025-01 deliveries send `as-webhook-version` and a 2025-01 `msg`")
        elif value in self.rules.standalone_values:
            new, rule = self.rules.standalone_values[value]
            if self.fix(original, rule):
                return _with_text(updated, new)
        return updated

    def leave_FormattedStringText(self, original: cst.FormattedStringText,
                                  updated: cst.FormattedStringText) -> cst.FormattedStringText:
        if urls.V4_BASE.search(original.value) and self.fix(original, BASE_URL):
            return updated.with_changes(value=urls.rewrite_base(original.value))
        return updated

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.f_string_quotes.append(node.quote)

    def _fit_quotes(self, source: str) -> str | None:
        """`source` (new code whose string literals use double quotes) made valid where it lands:
        inside an f-string's braces a literal may not reuse the f-string's quote before Python
        3.12. None when both quote kinds are taken by enclosing f-strings."""
        taken = {quote[0] for quote in self.f_string_quotes}
        if '"' not in taken:
            return source
        return None if "'" in taken else source.replace('"', "'")

    def leave_FormattedString(self, original: cst.FormattedString, updated: cst.FormattedString) -> cst.FormattedString:
        self.f_string_quotes.pop()
        # f"{HOST}/v4/trackings": a path-only v4 prefix right after an AfterShip host.
        parts = list(updated.parts)
        for i in range(1, len(parts)):
            before, text = original.parts[i - 1], parts[i]
            if (isinstance(before, cst.FormattedStringExpression) and isinstance(text, cst.FormattedStringText)
                    and self._is_host(before.expression) and urls.V4_PATH.match(text.value)
                    and self.fix(original, BASE_URL)):
                parts[i] = text.with_changes(value=urls.rewrite_path(text.value))
        return updated.with_changes(parts=parts)

    def leave_BinaryOperation(self, original: cst.BinaryOperation,
                              updated: cst.BinaryOperation) -> cst.BaseExpression:
        # HOST + "/v4/trackings"
        right = self._path_after_host(original, updated.right) if isinstance(original.operator, cst.Add) else None
        return updated.with_changes(right=right) if right is not None else updated

    def leave_ConcatenatedString(self, original: cst.ConcatenatedString,
                                 updated: cst.ConcatenatedString) -> cst.ConcatenatedString:
        # ("https://api.aftership.com" "/v4/trackings"): adjacent literals a formatter wrapped.
        right = self._path_after_host(original, updated.right)
        return updated.with_changes(right=right) if right is not None else updated

    def _path_after_host(self, original, right: cst.BaseExpression) -> cst.SimpleString | None:
        """The literal after an AfterShip host with its `/v4` path rewritten, or None."""
        if not isinstance(right, cst.SimpleString) or not self._is_host(original.left):
            return None
        text = string_key(right)
        if text is None or not urls.V4_PATH.match(text) or not self.fix(original, BASE_URL):
            return None
        return _with_body(right, urls.rewrite_path)

    def _is_host(self, expr: cst.BaseExpression) -> bool:
        """An expression holding an AfterShip host with no API version path after it."""
        template = self.tracer.template_of(expr)
        return bool(template) and urls.path_of(template) in ("", "/")

    # Calls: endpoints, request bodies, `.get()` keys --------------------------------------------
    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.computed.add(id(node.left))
        self.computed.update(id(c.comparator) for c in node.comparisons)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.computed.update((id(node.left), id(node.right)))

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        call = self.url_bindings.get(id(original.value))
        if call is not None:
            return self._looked_up_binding(original, updated, call)
        # body["tracking"]["slug"] = "ups,fedex" in a detect body built over statements.
        if len(original.targets) == 1 and isinstance(original.targets[0].target, cst.Subscript):
            target = original.targets[0].target
            if subscript_key(target) == "slug":
                parent = self.tracer.shape_of(target.value)
                if parent is not None and parent.kind == "request" and parent.scope == "detect-request":
                    as_list = self._slug_list(original, updated.value)
                    if as_list is not None:
                        return updated.with_changes(value=as_list)
        return updated

    def _looked_up_binding(self, original: cst.Assign, updated: cst.Assign, call: cst.Call) -> cst.Assign:
        """The AS201 lookup before `url = <slug/number URL>`, and the binding given the by-id URL."""
        anchor = self.open_statements[-1] if self.open_statements else None
        kept = [a for a in call.args if a.keyword is not None and a.keyword.value in ("headers", "auth", "timeout")]
        if (self.nested_expression_scopes or not isinstance(anchor, cst.SimpleStatementLine) or id(call) in self.awaited
                or any("ftership" in _code(a) for a in kept)):  # a literal header would stay v4's
            return updated
        variable, temporary = self._fresh_name("tracking_id"), self._fresh_name("lookup")
        split = self._split_pieces(updated.value, variable)
        if split is None or not self.fix(original.value, SLUG_NUMBER_ENDPOINTS):
            return updated
        list_url, slug, number, new_url = split
        params = f'{{"slug": {_code(slug)}, "tracking_numbers": {_code(number)}}}'
        extra = "".join(", " + _code(a).strip().rstrip(",") for a in kept)
        source = _checked_lookup(variable, temporary, f"{_code(call.func.value)}.get({list_url}, params={params}{extra})")
        self.inserts.setdefault(id(anchor), []).extend(cst.parse_module(source, config=self.module_config).body)
        self.looked_up.add(id(call))
        return updated.with_changes(value=new_url)

    def _slug_list(self, node: cst.CSTNode, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """`"ups,fedex"` -> `["ups", "fedex"]`, and a name that always holds a string -> the same
        split the translator makes (AS303); None when nothing to do or not sure."""
        if isinstance(value, cst.Name) and self.tracer.holds_text(value):
            if not self.fix(node, DETECT_SLUG_LIST):
                return None
            for source in self.slug_sources.get(id(node.value), ()):  # the constants it splits
                self.fixed.setdefault(id(source), set()).add(DETECT_SLUG_LIST.code)
            return cst.parse_expression(f'[part.strip() for part in {value.value}.split(",") if part.strip()]')
        if not isinstance(value, cst.SimpleString):
            return None
        text = string_key(value) or ""
        if "," not in text or not self.fix(node, DETECT_SLUG_LIST):
            return None
        quote = value.quote if value.quote in ('"', "'") else '"'
        items = ", ".join(f"{quote}{part.strip()}{quote}" for part in text.split(",") if part.strip())
        return cst.parse_expression(f"[{items}]")

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self.in_with_item += 1

    def leave_WithItem(self, original: cst.WithItem, updated: cst.WithItem) -> cst.WithItem:
        self.in_with_item -= 1
        return updated

    def visit_Call(self, node: cst.Call) -> None:
        # `(t.get("shipment_weight") or {}).get("unit")` is how a migrated read looks (the rules'
        # read templates): its inner read is already 2025-01's, whatever the key's name.
        if method_call(node, "get") and isinstance(node.func.value, cst.BooleanOperation) \
                and isinstance(node.func.value.operator, cst.Or):
            self.structured.add(id(node.func.value.left))

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited.add(id(node.expression))

    def on_visit_expression_scope(self) -> None:
        self.nested_expression_scopes += 1

    def on_leave_expression_scope(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        self.nested_expression_scopes -= 1
        return updated

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda = (
        lambda self, node: self.on_visit_expression_scope())
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = leave_Lambda = on_leave_expression_scope

    def visit_Assign(self, node: cst.Assign) -> None:
        self.write_targets.update(id(t.target) for t in node.targets)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.write_targets.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self.write_targets.add(id(node.target))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if (dotted(alias.name) or "").split(".")[0] == "aftership":
                self.report(node, LEGACY_SDK)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative and (dotted(node.module) or "").split(".")[0] == "aftership":
            self.report(node, LEGACY_SDK)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.request_dicts:  # dict(tracking=dict(...)) sent as a body
            return self._request_literal(original, updated)
        shape = self.tracer.http_call(original)
        if shape is not None:
            return self._endpoint(original, updated, shape)
        if method_call(original, "get") and original.args:
            return self._get_call(original, updated)
        if dotted(original.func) in ("time.sleep", "sleep", "asyncio.sleep") and self.tracer.calls_aftership:
            self.report(original, RATE_LIMITS)
        if original.args:
            self._id_length_argument(original)
        return updated

    def _endpoint(self, original: cst.Call, updated: cst.Call, shape: Shape) -> cst.BaseExpression:
        template = self.tracer.call_template(original)
        if urls.TIME_BOUNDS.search(urls.normalise(template)):
            self.report(original, TIME_PARAMETERS)
        if dotted(original.func) and dotted(original.func).split(".")[-1] == "urlopen" and original.args and \
                self.tracer.request_object(original.args[0].value) is not None:
            return updated  # urlopen(req): the Request(...) that built req is where the URL is handled
        if shape.endpoint == "slug-number" and id(original) in self.looked_up:
            return updated  # its URL binding got the lookup (_looked_up_binding)
        if shape.endpoint == "slug-number":
            lookup = (self._wrapped_id_lookup if self.tracer.wraps_request(original) else self._id_lookup)(
                original, updated)
            if lookup is not None and self.rules.unsafe_fixes and self.fix(original, SLUG_NUMBER_ENDPOINTS):
                anchor, statements, call, imports = lookup
                self.inserts.setdefault(id(anchor), []).extend(statements)
                self.needed_imports.update(imports)
                return call
            hint = " (fixable with --unsafe-fixes)" if lookup is not None else ""
            self.report(original, SLUG_NUMBER_ENDPOINTS,
                        "/trackings/{slug}/{tracking_number} is removed: look the id up with "
                        f"GET /trackings?slug=...&tracking_numbers=... first{hint}")
        elif shape.endpoint == "last-checkpoint":
            fixed = self._last_checkpoint(original, updated)
            if fixed is not None:
                return fixed
        elif shape.endpoint == "last-checkpoint-slug-number":
            self.report(original, LAST_CHECKPOINT)
        elif shape.endpoint == "notifications":
            self.report(original, NOTIFICATIONS,
                        "/notifications is removed: PUT /trackings/{id} with `customers`, or GET /trackings/{id}")
        elif shape.endpoint == "trackings" and shape.method == "get" and self._pages(original, template):
            self.report(original, PAGINATION,
                        "page-number pagination is gone: pass `cursor=data['pagination']['next_cursor']` "
                        "until `has_next_page` is false")
        return updated

    @staticmethod
    def _pages(call: cst.Call, template: str) -> bool:
        if re.search(r"[?&]page=", template):
            return True
        params = params_argument(call)
        return isinstance(params, cst.Dict) and any(
            isinstance(e, cst.DictElement) and string_key(e.key) == "page" for e in params.elements)

    def _url_index(self, original: cst.Call) -> int | None:
        """Which argument of the call is its URL (positional or `url=`), as the tracer read it;
        None when the URL is not a direct argument (urlopen(Request(...)))."""
        url, _ = self.tracer.call_url(original)
        return next((i for i, a in enumerate(original.args) if a.value is url), None)

    def _f_string_url(self, call: cst.Call) -> bool:
        index = self._url_index(call)
        return index is not None and isinstance(call.args[index].value, cst.FormattedString)

    def _last_checkpoint(self, original: cst.Call, updated: cst.Call) -> cst.Call | None:
        rule = LAST_CHECKPOINT
        tracer = self.tracer
        if tracer.last_checkpoint_rewritable is None:
            # The `["checkpoint"]` reads of a function follow its calls only if every call of it
            # is rewritten: one call kept on /last_checkpoint keeps them all.
            tracer.last_checkpoint_rewritable = all(
                self._f_string_url(call) for call in tracer.calls
                if (shape := tracer.http_call(call)) is not None and shape.endpoint == "last-checkpoint")
        if not tracer.last_checkpoint_rewritable:
            self.report(original, rule, f"{rule.title} (rewritten only when every /last_checkpoint call "
                                        "of the function has an f-string URL argument)")
            return None
        if not self.fix(original, rule):
            return None
        url_index = self._url_index(original)
        url = updated.args[url_index].value
        parts = [p.with_changes(value=p.value.replace("/last_checkpoint/", "/trackings/"))
                 if isinstance(p, cst.FormattedStringText) else p for p in url.parts]
        tracer.rewrote_last_checkpoint = True
        args = list(updated.args)
        args[url_index] = args[url_index].with_changes(value=url.with_changes(parts=parts))
        return updated.with_changes(args=args)

    def _id_lookup(self, original: cst.Call, updated: cst.Call):
        """For a call to `.../trackings/{slug}/{number}[/action]`: (where to insert, the id lookup
        statements, the call with `/trackings/{id}`, modules the lookup imports), in the HTTP
        library the call already uses:
        requests/httpx (`x.get(...)`, also awaited), aiohttp (`async with session.get(...)`),
        urllib (`Request(...)`, `urlopen(...)`).

        None where an inserted statement would be wrong or unclear: a call inside a comprehension
        or lambda (its names do not exist outside), or a URL that is not an f-string.
        """
        if self.nested_expression_scopes or len(self.tracers) < 2 or self.tracer.wraps_request(original):
            return None
        variable, temporary = self._fresh_name("tracking_id"), self._fresh_name("lookup")
        anchor = self._anchor(original)
        split = self._split_slug_number_url(original, updated, variable)
        if anchor is None or split is None:
            return None
        url_index, list_url, slug, number, new_url = split
        params = f'{{"slug": {_code(slug)}, "tracking_numbers": {_code(number)}}}'
        kept = "".join(", " + _code(a).strip().rstrip(",") for a in updated.args
                       if a.keyword is not None and a.keyword.value in ("headers", "auth", "timeout"))
        def first(body: str) -> str:
            return _first_id(variable, f'{body}["data"]["trackings"]')

        func = updated.func
        name = dotted(func) or ""
        imports: tuple[str, ...] = ()
        if name.split(".")[-1] in ("Request", "urlopen"):
            prefix = name[: -len(name.split(".")[-1])]
            request = f"{prefix}Request({list_url} + \"?\" + urllib.parse.urlencode({params}){kept})"
            # urlopen raises HTTPError for an error status by itself.
            source = f"with {prefix}urlopen({request}) as {temporary}:\n    " + first(f"json.load({temporary})")
            imports = ("urllib.parse", "json")
        elif isinstance(func, cst.Attribute) and func.attr.value in ("get", "put", "delete", "post", "patch"):
            get = f"{_code(func.value)}.get({list_url}, params={params}{kept})"
            check = f"{temporary}.raise_for_status()\n"
            if isinstance(anchor, cst.With):
                awaited = "await " if anchor.asynchronous else ""
                source = (f"{'async ' if anchor.asynchronous else ''}with {get} as {temporary}:\n"
                          f"    {check}    " + first(f"({awaited}{temporary}.json())"))
            elif id(original) in self.awaited:
                # httpx answers .json() at once; aiohttp needs it awaited (seen in this function).
                body = f"(await {temporary}.json())" if self.tracer.awaits_json else f"{temporary}.json()"
                source = f"{temporary} = await {get}\n{check}" + first(body)
            else:
                source = _checked_lookup(variable, temporary, get)
        else:
            return None
        statements = cst.parse_module(source, config=self.module_config).body
        args = list(updated.args)
        args[url_index] = args[url_index].with_changes(value=new_url)
        return anchor, statements, updated.with_changes(args=args), imports

    def _anchor(self, call: cst.Call) -> cst.CSTNode | None:
        """The statement to insert a lookup before: the one holding the call, or its `with`."""
        if not self.open_statements:
            return None
        innermost = self.open_statements[-1]
        if isinstance(innermost, cst.SimpleStatementLine):
            return innermost
        if isinstance(innermost, cst.With) and self.in_with_item:
            return innermost
        return None  # a loop or branch header: a statement before it would run once, not each time

    def _split_slug_number_url(self, original: cst.Call, updated: cst.Call, variable: str):
        """(argument index, list URL source, slug and number expressions, URL with `{tracking_id}`)."""
        url_index = self._url_index(original)
        if url_index is None:
            return None
        split = self._split_pieces(updated.args[url_index].value, variable)
        return None if split is None else (url_index, *split)

    def _split_pieces(self, url: cst.BaseExpression, variable: str):
        """(list URL source, slug, number, new URL) for a URL written as an f-string or built with
        +, % or .format (or a relative path handed to a request wrapper); the new URL is one f-string."""
        found = pieces(url)
        split = split_slug_number(found) if found and not self.f_string_quotes else None
        if split is None:
            return None
        head, slug, number, tail = split
        reached = "".join(p if isinstance(p, str) else self.tracer.template_of(p) or "{}" for p in head)
        if not (reached.endswith("/trackings/") or reached == "trackings/"):
            return None
        # Text taken from a binding the pass has not rewritten yet: its v4 base is rewritten here.
        head = [urls.rewrite_base(p) if isinstance(p, str) else p for p in head]
        list_url = f_string(head[:-1] + ([head[-1][:-1]] if head[-1][:-1] else []), _code)
        new_url = f_string([*head, cst.Name(variable), *tail], _code)
        if list_url is None or new_url is None:
            return None
        return list_url, slug, number, cst.parse_expression(new_url)

    def _wrapped_id_lookup(self, original: cst.Call, updated: cst.Call):
        """The AS201 lookup for a call through a request wrapper (`self._request("GET", path)`):
        the same wrapper asked for `trackings?slug=...&tracking_numbers=...`, its answer read as
        the wrapper returns it (response, body, data or the list), the call sent to {id}."""
        summaries = self.tracer.summaries
        wrapper = summaries.wrapper(original.func)
        anchor = self._anchor(original)
        if self.nested_expression_scopes or not isinstance(anchor, cst.SimpleStatementLine):
            return None
        positions = bound_positions(original, wrapper.scope)
        if wrapper.path is None or wrapper.path not in positions or (wrapper.body_param in positions
                                             and positions[wrapper.body_param] != len(original.args) - 1):
            return None
        variable = self._fresh_name("tracking_id")
        split = self._split_pieces(updated.args[positions[wrapper.path]].value, variable)
        if split is None:
            return None
        list_url, slug, number, new_url = split
        encoded = f'urllib.parse.urlencode({{"slug": {_code(slug)}, "tracking_numbers": {_code(number)}}})'
        plain = list_url[:1] in "\"'"  # a plain literal takes the `?` inside its quotes
        query = f"{list_url[:-1]}?{list_url[-1]} + {encoded}" if plain else f'{list_url} + "?" + {encoded}'
        args = list(updated.args)
        args[positions[wrapper.path]] = args[positions[wrapper.path]].with_changes(value=cst.parse_expression(query))
        if wrapper.method_param in positions:
            index = positions[wrapper.method_param]
            args[index] = args[index].with_changes(value=cst.SimpleString('"GET"'))
        if wrapper.body_param in positions:
            args = args[:-1]
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        lookup = updated.with_changes(args=args)
        returned = summaries.returned_by_request(self.tracer, lookup)
        reach = {"response": '.json()["data"]["trackings"]', "body": '["data"]["trackings"]',
                 "data": '["trackings"]', "list": ""}.get(returned.kind if returned else "")
        if reach is None:
            return None
        call = f"(await {_code(lookup)})" if id(original) in self.awaited else _code(lookup)
        source = _first_id(variable, f"{call}{reach}")
        statements = cst.parse_module(source, config=self.module_config).body
        args = list(updated.args)
        args[positions[wrapper.path]] = args[positions[wrapper.path]].with_changes(value=new_url)
        return anchor, statements, updated.with_changes(args=args), ("urllib.parse",)

    def _fresh_name(self, base: str) -> str:
        used = set(self.tracer.bindings.values)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        return name

    def _get_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        key = string_key(original.args[0].value)
        if key is None:
            return updated
        parent = self.tracer.parent_shape(original.func.value, key)
        receiver = updated.func.value
        if parent is None:
            return updated
        unwrapped = self._unwrap(original, parent, key)
        if unwrapped:
            return receiver
        scope = self._scope(parent)
        if scope is None:
            return updated
        renamed = self._rename(original, scope, key)
        if renamed is not None:
            first = updated.args[0]
            return updated.with_changes(args=[first.with_changes(value=_with_text(first.value, renamed)),
                                              *updated.args[1:]])
        has_default = len(original.args) > 1 and not is_name(original.args[1].value, "None")
        read = self._read(original, scope, key, receiver, allow=not has_default)
        return read if read is not None else updated

    # Subscripts and dict literals -------------------------------------------------------------------
    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        key = subscript_key(original)
        if not isinstance(key, str):
            return updated
        parent = self.tracer.parent_shape(original.value, key)
        if parent is None:
            return updated
        if self._unwrap(original, parent, key):
            return updated.value
        if (parent.kind == "data" and parent.endpoint == "last-checkpoint" and key == "checkpoint"
                and self.tracer.rewrote_last_checkpoint):
            key = self._fit_quotes('"checkpoints"')
            if key is not None:
                return _index(_index(updated.value, cst.SimpleString(key)),
                              cst.UnaryOperation(cst.Minus(), cst.Integer("1")))
        scope = self._scope(parent)
        if scope is None:
            return updated
        is_write = id(original) in self.write_targets
        if key in self.rules.renames.get(scope, {}):
            renamed = self._rename(original, scope, key)
            if renamed is None:
                return updated
            element = updated.slice[0]
            index = element.slice
            return updated.with_changes(slice=[element.with_changes(
                slice=index.with_changes(value=_with_text(index.value, renamed)))])
        if is_write:
            self._report_write(original, scope, key)
            return updated
        read = self._read(original, scope, key, updated.value, allow=True)
        return read if read is not None else updated

    def _report_write(self, node: cst.CSTNode, scope: str, key: str) -> None:
        """Writing a key that 2025-01 restructured: the code that builds it needs a person."""
        rule = self.rules.reads.get(scope, {}).get(key, (None, None))[1] or self.rules.reported.get(scope, {}).get(key)
        if rule is not None:
            self.report(node, rule, f"`{key}` written: {rule.title}")

    def _unwrap(self, node: cst.CSTNode, parent: Shape, key: str) -> bool:
        if key != "tracking":
            return False
        if parent.kind == "data":
            return self.fix(node, RESPONSE_WRAPPER)
        if parent.kind == "request-wrapped":
            return self.fix(node, REQUEST_WRAPPER)
        return False

    @staticmethod
    def _scope(shape: Shape) -> str | None:
        if shape.kind == "request":
            return shape.scope
        if shape.single_tracking:
            return "tracking"
        if shape.kind == "data" and shape.endpoint == "trackings" and shape.method == "get":
            return "list-data"
        return SCOPE_OF_KIND.get(shape.kind)

    def _rename(self, node: cst.CSTNode, scope: str, key: str) -> str | None:
        """The new key when a rename applies and may be fixed (it is reported otherwise)."""
        entry = self.rules.renames.get(scope, {}).get(key)
        if entry is None:
            return None
        new, rule = entry
        if id(node) in self.computed and rule is TRANSIT_TIME:
            self.report(node, rule, "`transit_time` counts one day less than `delivery_time`: check this computation")
        return new if self.fix(node, rule) else None

    def _read(self, node: cst.CSTNode, scope: str, key: str, receiver: cst.BaseExpression,
              allow: bool) -> cst.BaseExpression | None:
        entry = self.rules.reads.get(scope, {}).get(key)
        if entry is None:
            reported = self.rules.reported.get(scope, {}).get(key)
            if reported is not None:
                self.report(node, reported, f"`{key}`: {reported.title}")
            return None
        template, rule = entry
        if id(node) in self.structured or (key in keys_of_2025_01() and not self.on_v4):
            # A key 2025-01 also has (shipment_weight) is v4's only in code that talks to v4.
            return None
        if not allow:
            self.report(node, rule, f"`{key}` read with a default: {rule.title}")
            return None
        if id(node) in self.write_targets:
            return None
        template = self._fit_quotes(template)
        if template is None:
            self.report(node, rule, f"`{key}` read inside nested f-strings: {rule.title}")
            return None
        if not self.fix(node, rule):
            return None
        receiver_code = _code(receiver)
        if not isinstance(receiver, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            receiver_code = f"({receiver_code})"
        return cst.parse_expression(template.format(obj=receiver_code))

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        if id(original) not in self.request_dicts:
            return updated
        return self._request_literal(original, updated)

    def _request_literal(self, original: cst.Dict | cst.Call, updated: cst.Dict | cst.Call) -> cst.BaseExpression:
        """A request body written as `{...}` or `dict(...)`: unwrapped, translated, or key by key."""
        how, scope = self.request_dicts[id(original)]
        if how == "wrapped":
            if self.fix(original, REQUEST_WRAPPER):
                inner = literal_items(updated)[0][1]
                return laid_out_like(inner, original) if isinstance(original, cst.Dict) else inner
            return updated
        if scope in BODY_KINDS and self._reshapes(original, scope):
            translated = self._translated_body(original, updated, scope)
            if translated is not None:
                return translated
        if isinstance(original, cst.Call):
            return updated  # dict(k=...) keywords left as they are: the residual pass reports them
        elements = []
        for element in updated.elements:
            key = string_key(element.key) if isinstance(element, cst.DictElement) else None
            original_element = original.elements[len(elements)]
            if key is not None:
                element = self._request_element(original_element, element, key, scope)
            elements.append(element)
        return updated.with_changes(elements=elements)

    def _reshapes(self, literal: cst.Dict | cst.Call, scope: str) -> bool:
        """Whether a key of the body is one a rule restructures (not just renames)."""
        consumed = {**self.rules.reads.get(scope, {}), **self.rules.reported.get(scope, {}),
                    **self.rules.reshaped_values.get(scope, {})}
        if isinstance(literal, cst.Call):  # dict(k=...) has no key-by-key rewrite: renames count too
            consumed.update(self.rules.renames.get(scope, {}))
        return any(key in consumed for key, _ in literal_items(literal))

    def _translated_body(self, original: cst.Dict | cst.Call, updated: cst.Dict | cst.Call,
                         scope: str) -> cst.BaseExpression | None:
        """The body literal as the payload translator makes it, when it can be made exactly and
        every rule that changes it may fix here; None leaves it to the key-by-key rewrite."""
        if self.f_string_quotes or "#" in _code(original):  # a rewritten literal would lose its comments
            return None
        result = translate_literal(updated, scope, _code)
        if result is None:
            return None
        source, codes = result
        rules = [self.rule(code) for code in sorted(codes)]
        if not all(self.rules.may_fix(rule) and self._allowed(rule.code, original) for rule in rules):
            return None
        for rule in rules:
            self.fix(original, rule)
        new = cst.parse_expression(source)
        return laid_out_like(new, original) if isinstance(original, cst.Dict) else new

    def _request_element(self, original: cst.DictElement, element: cst.DictElement, key: str,
                         scope: str) -> cst.DictElement:
        if scope == "detect-request" and key == "slug":
            as_list = self._slug_list(original, element.value)
            if as_list is not None:
                return element.with_changes(value=as_list)
        if scope == "list-query":
            return self._query_element(original, element, key)
        new = self._rename(original, scope, key)
        if new is not None:
            return element.with_changes(key=_with_text(element.key, new))
        rule = self.rules.reshaped_values.get(scope, {}).get(key)
        if rule is not None and not value_conforms(element.value, key, scope, rule):
            self.report(original, rule, f"`{key}` as sent here may not be what 2025-01 takes: {rule.title}")
        self._report_write(original, scope, key)
        return element

    def _query_element(self, original: cst.DictElement, element: cst.DictElement, key: str) -> cst.DictElement:
        """GET /trackings query parameters: renamed keys and renamed `fields=` values."""
        renames = self.rules.renames.get("list-query", {})
        new = self._rename(original, "list-query", key)
        if new is not None:
            return element.with_changes(key=_with_text(element.key, new))
        if key == "fields" and isinstance(element.value, cst.SimpleString):
            fields = {**self.rules.renames.get("tracking", {}), **renames}
            parts = [p.strip() for p in (string_key(element.value) or "").split(",")]
            changed = [fields[p] for p in parts if p in fields]
            if changed and all(self.fix(original, rule) for _, rule in changed):
                renamed = [fields[p][0] if p in fields else p for p in parts]
                return element.with_changes(value=_with_text(element.value, ",".join(renamed)))
        return element

    # Comparisons: enum values, tracking id lengths ---------------------------------------------------
    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        updated = self._courier_field_value(original, updated)
        left = original.left
        if (isinstance(left, cst.Call) and is_name(left.func, "len") and len(original.comparisons) == 1
                and is_integer(original.comparisons[0].comparator, "24")
                and "id" in _code(left).lower()):
            self.report(original, LEGACY_ID, "2025-01 tracking ids have 32 characters (legacy ids 24)")
        return updated

    def _courier_field_value(self, original: cst.Comparison, updated: cst.Comparison) -> cst.Comparison:
        """`"tracking_origin_country" in courier["required_fields"]`: the enum value was renamed."""
        value = string_key(original.left)
        if value not in self.rules.value_renames or len(original.comparisons) != 1:
            return updated
        shape = self.tracer.shape_of(original.comparisons[0].comparator)
        new, rule = self.rules.value_renames[value]
        if shape is not None and shape.kind == "courier-fields" and self.fix(original, rule):
            # The string is also a v4 field name: the residue of that name is resolved here too.
            key_rule = self.rules.residual_keys.get(value)
            if key_rule is not None:
                self.fixed[id(original)].add(key_rule.code)
            return updated.with_changes(left=_with_text(updated.left, new))
        return updated

    def _id_length_argument(self, call: cst.Call) -> None:
        """`CharField(max_length=24)` in a statement about ids (AS302)."""
        for arg in call.args:
            if (arg.keyword is not None and arg.keyword.value == "max_length" and is_integer(arg.value, "24")
                    and self.current_statement
                    and "id" in _code(self.current_statement[-1]).lower()):
                self.report(arg, LEGACY_ID, "2025-01 tracking ids have 32 characters (legacy ids 24)")


# The AS201 id lookup. No match gives None, so the call asks for /trackings/None and fails as
# the v4 call did for an unknown tracking (404); a failed lookup raises the library's HTTP error.
def _first_id(variable: str, trackings: str) -> str:
    """`variable = ` the first id of the `trackings` list expression, or None."""
    return f'{variable} = next((item["id"] for item in {trackings}), None)\n'


def _checked_lookup(variable: str, temporary: str, get: str) -> str:
    """`temporary = get`, its status checked, the first tracking's id taken."""
    return f"{temporary} = {get}\n{temporary}.raise_for_status()\n" + _first_id(
        variable, f'{temporary}.json()["data"]["trackings"]')


def _index(value: cst.BaseExpression, key: cst.BaseExpression) -> cst.Subscript:
    """`value[key]`."""
    return cst.Subscript(value, [cst.SubscriptElement(cst.Index(key))])
