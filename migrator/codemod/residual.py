"""What is left of v4 after the rewrite, reported at its line whether or not it was traced.

The rewrite changes a site only where the tracer proved the data is AfterShip's. This is the
guarantee behind it: in a file that talks to AfterShip, every v4 key, wrapper, removed endpoint
or v4-only value is a *residue*, and the rewrite pass reports each residue that no fix of its own
rule touched (MigrationTransformer._report_residue). What is looked for comes from the
catalogue: each key a rule's changes consume that 2025-01 does not define, and the named checks
below, each owned by the rule that lists it in `Rule.residual`.

The scan walks the input module once before the rewrite, reading node dataclasses directly as
`ScopeScanner` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

import libcst as cst

from migrator.catalogue import Rule
from migrator.codemod import urls
from migrator.codemod.bodies import literal_items
from migrator.codemod.index import IMPORTED_BY_AFTERSHIP, IMPORTS_AFTERSHIP
from migrator.codemod.ruleset import CodeRules
from migrator.codemod.shapes import (
    Bindings, Tracer, _children, _key_access, dotted, is_integer, is_name, iter_nodes, string_key, subscript_key,
)

# Keys that are ordinary words: reported only where code uses them as keys, never as bare strings,
# and only where AfterShip data is handled (see Residue.ordinary_word).
ORDINARY_WORDS = frozenset({"tracking", "page", "count", "limit", "country", "ios", "android"})
KEY_METHODS = frozenset({"get", "pop", "setdefault"})
EDD_ADDRESSES = frozenset({"origin_address", "destination_address"})
COURIER_FIELD_LISTS = frozenset({"required_fields", "optional_fields"})
TIME_BOUNDS = frozenset({"created_at_min", "created_at_max", "updated_at_min", "updated_at_max"})
_FIELD_LIST = re.compile(r"^[a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)+$")
_JSON_KEY = re.compile(r'"([A-Za-z0-9_]+)"\s*:\s*(\{)?')  # a key of JSON written as text: `"{\"tracking\": {`
_COMMA_SLUGS = re.compile(r"^\s*[a-z0-9][a-z0-9-]*(?:\s*,\s*[a-z0-9][a-z0-9-]*)+\s*$")
_QUERY_FIELDS = re.compile(r"[?&]fields=([^&#]*)")
_PAGE_QUERY = re.compile(r"[?&]page=")
_V4_PATH = re.compile(r"^/?v4(?:/|$)")


@dataclass(frozen=True)
class Site:
    """One v4 construct left: the node, the check or key that found it, and what to say."""

    node: cst.CSTNode
    check: str  # a CHECKS name, or "key:<name>"
    detail: str


# The checks a rule may own, by name: what each looks for.
CHECKS: Mapping[str, str] = {
    "v4-base": "a v4 base URL or `/v4` path fragment",
    "v4-header": "the `aftership-api-key` header name",
    "endpoint:slug-number": "a /trackings/{slug}/{tracking_number} path in any string form",
    "endpoint:last-checkpoint": "a /last_checkpoint path in any string form",
    "endpoint:notifications": "a /notifications path in any string form",
    "page-query": "`page=` in a GET /trackings URL",
    "tracking-wrapper": "a `tracking` key written or built into a request body",
    "tracking-envelope": "a `tracking` key read from a response",
    "id-length": "a 24-character length test or field",
    "comma-slug": "a comma-separated courier slug string",
    "integer-time-bound": "a created_at/updated_at bound sent as a number",
    "edd-address-country": "`country` of an EDD origin/destination address",
    "custom-field-value": "a `custom_fields` value that is not a string",
    "courier-field-values": "a courier's `required_fields`/`optional_fields` read whole: its values are renamed",
    "compact-ship-date": "a `tracking_ship_date` written YYYYMMDD",
}
_TRACKING_CHECKS = ("tracking-wrapper", "tracking-envelope")
_ENDPOINT_CHECKS = {"slug-number": "endpoint:slug-number", "last-checkpoint": "endpoint:last-checkpoint",
                    "last-checkpoint-slug-number": "endpoint:last-checkpoint", "notifications": "endpoint:notifications"}


class ResidualScanner:
    """Collects the `Site`s of one module; `keys` are the residual keys of the catalogue."""

    def __init__(self, keys: frozenset[str] | set[str], retyped: frozenset[str] | set[str] = frozenset()) -> None:
        self.keys = keys
        self.retyped = retyped  # keys 2025-01 keeps with another type (ruleset.CodeRules.retyped_keys)
        self.sites: list[Site] = []
        # The module names api.aftership.com or its header, or imports an AfterShip SDK.
        self.talks_to_api = False
        self._handled: set[int] = set()  # string nodes already judged in a key or URL context
        self._stores: set[int] = set()  # subscripts written to (and the chains under them)
        self._envelopes: set[int] = set()  # keys of a dict literal that is a response's `data`
        self.enveloped: set[int] = set()  # keys read off a `["data"]`: an envelope's, whatever the word
        # Judged once the whole module is read: `country` keys are EDD addresses in a module that
        # calls predict-batch, and comma lists of slugs are detect slugs in one that calls detect.
        self._country_keys: list[cst.CSTNode] = []
        self._field_lists: list[cst.CSTNode] = []  # reads of a courier's required/optional fields
        self._handled_lists: set[int] = set()  # those read by an `in` test of one value
        self._ship_dates: list[cst.CSTNode] = []  # `tracking_ship_date` literals written YYYYMMDD
        self._edd_keys: set[int] = set()  # `country` keys of an origin_address/destination_address
        self._comma_lists: list[cst.CSTNode] = []
        self._endpoints: set[str] = set()
        self._slugs: set[int] = set()  # strings already reported as comma slugs
        self._tracer = Tracer(Bindings(), None, {})  # templates of the module's own text
        self.parents: dict[int, cst.CSTNode | None] = {}  # every node's parent, by id
        self._handlers: dict[type, Callable[[cst.CSTNode], None]] = {
            cst.SimpleString: self._simple_string,
            cst.FormattedString: self._string_expression,
            cst.ConcatenatedString: self._string_expression,
            cst.BinaryOperation: self._binary,
            cst.Subscript: self._subscript,
            cst.Call: self._call,
            cst.Comparison: self._comparison,
            cst.DictElement: self._dict_element,
            cst.Assign: self._assign,
            cst.AnnAssign: self._annassign,
            cst.AugAssign: self._augassign,
            cst.Del: self._del,
            cst.Import: self._import,
            cst.ImportFrom: self._import,
            cst.Expr: self._expression_statement,
        }

    def scan(self, module: cst.Module, preorder: list | None = None) -> list[Site]:
        """The sites of `module`, walked in `preorder` ((node, parent) pairs in source order, as
        ScopeScanner.scan keeps them) or afresh."""
        handlers = self._handlers
        parents = self.parents
        for node, parent in preorder if preorder is not None else _preorder(module):
            parents[id(node)] = parent
            handler = handlers.get(type(node))
            if handler is not None:
                handler(node)
        self.sites.extend(Site(node, "courier-field-values", "") for node in self._field_lists
                          if id(node) not in self._handled_lists)
        edd = bool(self._endpoints & {"predict-batch", "predict"})
        self.sites.extend(Site(node, "edd-address-country", "") for node in self._country_keys
                          if edd or id(node) in self._edd_keys)
        if "detect" in self._endpoints:
            self.sites.extend(Site(node, "comma-slug", "") for node in self._comma_lists if id(node) not in self._slugs)
        else:  # detect bodies keep YYYYMMDD: only a module that never detects is sure to mean create/update
            self.sites.extend(Site(node, "compact-ship-date", "") for node in self._ship_dates)
        return self.sites

    def _add(self, node: cst.CSTNode, check: str, detail: str = "") -> None:
        self.sites.append(Site(node, check, detail))

    # Keys --------------------------------------------------------------------------------------
    def _key(self, node: cst.BaseExpression, written: bool = False) -> None:
        """A string used as a key (subscript, dict key, .get, `in`): every residual key counts."""
        key = string_key(node)
        if key is None or id(node) in self._handled:
            return
        self._handled.add(id(node))
        if key == "country":
            self._country_keys.append(node)
        if key == "tracking":
            self._add(node, "tracking-wrapper" if written else "tracking-envelope")
        elif key in self.keys:
            self._add(node, "key:" + key, f"`{key}` left as in v4")

    def _subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            written = id(node) in self._stores
            if written:
                self._stores.add(id(node.value))  # body["tracking"]["slug"] = ...: builds the wrapper
            key = subscript_key(node)
            if key in COURIER_FIELD_LISTS and not written:
                self._field_lists.append(node)
            if isinstance(key, str):
                self._key(node.slice[0].slice.value, written)
                if _key_access(node.value) == "data":  # x["data"]["page"]: read off AfterShip's envelope
                    self.enveloped.add(id(node.slice[0].slice.value))
            if key == "country" and _key_access(node.value) in EDD_ADDRESSES:
                self._edd_keys.add(id(node.slice[0].slice.value))

    def _dict_element(self, node: cst.DictElement) -> None:
        key = string_key(node.key)
        # {"data": {"tracking": ...}} builds a v4 response (a test's mock), not a request body.
        self._key(node.key, written=id(node.key) not in self._envelopes)
        if key == "data" and isinstance(node.value, cst.Dict):
            self._envelopes.update(id(e.key) for e in node.value.elements if isinstance(e, cst.DictElement))
        if key == "notification" and isinstance(node.value, cst.Dict):
            # A /notifications body: its `emails` are part of the removed endpoint's finding (AS203).
            self._handled.update(id(e.key) for e in node.value.elements if isinstance(e, cst.DictElement))
        if key is not None:
            self._keyed_value(key, node.value)

    def _keyed_value(self, key: str, value: cst.BaseExpression) -> None:
        """What a value is under its key, wherever the pair is written: `{k: v}`, `dict(k=v)`,
        `x[k] = v`."""
        if key == "slug":
            self._comma_slug(value)
        elif key == "custom_fields":
            for _, field_value in literal_items(value):
                if isinstance(field_value, (cst.Integer, cst.Float)) or is_name(field_value, "True", "False"):
                    self._add(field_value, "custom-field-value")
        elif key == "tracking_ship_date" and re.fullmatch(r"\d{8}", string_key(value) or ""):
            self._ship_dates.append(value)
        elif key in TIME_BOUNDS:
            self._time_bound(value)
        elif key in EDD_ADDRESSES and isinstance(value, cst.Dict):
            self._edd_keys.update(id(e.key) for e in value.elements if isinstance(e, cst.DictElement))

    def _comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) == 1 and isinstance(node.comparisons[0].operator, (cst.In, cst.NotIn)):
            self._key(node.left)
            compared = node.comparisons[0].comparator
            if string_key(node.left) is not None and _key_access(compared) in COURIER_FIELD_LISTS:
                # `"tracking_postal_code" in c["required_fields"]`: the value test itself is the
                # rewrite's (AS502 renames the value), not a whole-list read.
                self._handled_lists.add(id(compared))
        for left, right in ((node.left, node.comparisons[0].comparator),
                            (node.comparisons[0].comparator, node.left)):
            if (isinstance(left, cst.Call) and dotted(left.func) == "len" and is_integer(right, "24")
                    and len(node.comparisons) == 1):
                self._add(node, "id-length")

    def _call(self, node: cst.Call) -> None:
        func = node.func
        name = dotted(func) or ""
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        if method in KEY_METHODS and node.args and node.args[0].keyword is None:
            if string_key(node.args[0].value) in self.retyped and self._structured_read(node):
                self._handled.add(id(node.args[0].value))  # 2025-01's key: no residue as a key or a string
            else:
                self._key(node.args[0].value, written=method == "setdefault")
            if method == "get" and string_key(node.args[0].value) == "country" and _key_access(func.value) in EDD_ADDRESSES:
                self._edd_keys.add(id(node.args[0].value))
        builds_dict = name == "dict" or method == "update"
        for arg in node.args:
            if arg.keyword is None:
                continue
            keyword = arg.keyword.value
            if keyword == "tracking" and builds_dict:
                self._add(arg.keyword, "tracking-wrapper")
            elif keyword in self.keys and (builds_dict or keyword not in ORDINARY_WORDS):
                self._add(arg.keyword, "key:" + keyword, f"`{keyword}` left as in v4")
            self._keyed_value(keyword, arg.value)
            if keyword in ("max_length", "min_length") and is_integer(arg.value, "24"):
                self._add(arg, "id-length")
        if method == "format" or name.split(".")[-1] == "urljoin":
            self._string_expression(node)

    def _structured_read(self, node: cst.Call) -> bool:
        """`(x.get(K) or {}).get("value")`: how a migrated read of a key 2025-01 keeps with another
        type looks (`shipment_weight`, an object there; the rules' read templates). Reported again,
        a fixed read would never pass --check; a v4-only key so read (`tracking`) stays reported."""
        operation = self.parents.get(id(node))
        if not (isinstance(operation, cst.BooleanOperation) and isinstance(operation.operator, cst.Or)
                and operation.left is node and isinstance(operation.right, cst.Dict) and not operation.right.elements):
            return False
        attribute = self.parents.get(id(operation))
        return isinstance(attribute, cst.Attribute) and attribute.value is operation and attribute.attr.value == "get"

    # Statements: writes and slug constants ---------------------------------------------------------
    def _class_field(self, node: cst.AnnAssign | cst.Assign, name: cst.BaseExpression) -> None:
        """`origin_country_iso3: str` (or `= Field(...)`) in a class body: a model, dataclass or
        TypedDict field named after a v4 key, filled from AfterShip data by name."""
        statement = self.parents.get(id(node))
        block = self.parents.get(id(statement)) if statement is not None else None
        owner = self.parents.get(id(block)) if block is not None else None
        # A key 2025-01 keeps (retyped) names a 2025-01 model's field just as well: not counted.
        if isinstance(owner, cst.ClassDef) and isinstance(name, cst.Name) and name.value in self.keys \
                and name.value not in ORDINARY_WORDS and name.value not in self.retyped:
            self._add(name, "key:" + name.value, f"`{name.value}` is a field of class {owner.name.value}, "
                                                 "named as in v4")

    def _annassign(self, node: cst.AnnAssign) -> None:
        self._class_field(node, node.target)

    def _assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._class_field(node, node.targets[0].target)
        for target in node.targets:
            self._store(target.target)
            if "slug" in (dotted(target.target) or "").lower():  # DETECT_SLUGS = "ups,fedex"
                self._comma_slug(node.value)
            key = subscript_key(target.target) if isinstance(target.target, cst.Subscript) else None
            if isinstance(key, str):
                self._keyed_value(key, node.value)

    def _augassign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def _del(self, node: cst.Del) -> None:
        self._store(node.target)

    def _store(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript):
            self._stores.add(id(target))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)

    def _expression_statement(self, node: cst.Expr) -> None:
        # A docstring or a bare string statement is prose, not a key.
        if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):
            self._handled.add(id(node.value))
            if isinstance(node.value, cst.ConcatenatedString):
                for part in (node.value.left, node.value.right):
                    self._handled.add(id(part))

    def _import(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.ImportFrom):
            modules = [dotted(node.module) or ""] if node.module is not None and not node.relative else []
        else:
            modules = [dotted(alias.name) or "" for alias in node.names]
        if any(m.split(".")[0] in ("aftership", "pyaftership") for m in modules):
            self.talks_to_api = True

    # Values -----------------------------------------------------------------------------------
    def _comma_slug(self, value: cst.BaseExpression) -> None:
        text = string_key(value)
        joined = isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
            and value.func.attr.value == "join" and string_key(value.func.value) == ","
        if (joined or (text is not None and _COMMA_SLUGS.match(text))) and id(value) not in self._slugs:
            self._slugs.add(id(value))
            self._add(value, "comma-slug")

    def _time_bound(self, value: cst.BaseExpression) -> None:
        name = dotted(value.func) if isinstance(value, cst.Call) else None
        method = value.func.attr.value if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) else ""
        if isinstance(value, (cst.Integer, cst.Float)) or name in ("int", "time.time", "time") or method == "timestamp":
            self._add(value, "integer-time-bound")

    # Strings: URLs, header, field lists ---------------------------------------------------------
    def _binary(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Add, cst.Modulo)):
            self._string_expression(node)

    def _string_expression(self, node: cst.BaseExpression) -> None:
        """A string built of parts, judged once as a whole (its parts are not judged again)."""
        if id(node) in self._handled:
            return
        template = self._tracer.template_of(node)
        self._mark_parts(node)
        if template is not None:
            self._template(node, template)

    def _mark_parts(self, node: cst.BaseExpression) -> None:
        pending = [node]
        while pending:
            part = pending.pop()
            self._handled.add(id(part))
            if isinstance(part, (cst.BinaryOperation, cst.ConcatenatedString)):
                pending.extend((part.left, part.right))
            elif isinstance(part, cst.Call) and isinstance(part.func, cst.Attribute) and part.func.attr.value == "format":
                pending.append(part.func.value)
            elif isinstance(part, cst.Call) and (dotted(part.func) or "").split(".")[-1] == "urljoin":
                pending.extend(a.value for a in part.args[:2])

    def _simple_string(self, node: cst.SimpleString) -> None:
        if id(node) in self._handled:
            return
        value = string_key(node)
        if value is None:
            return
        self._template(node, value)
        if value in self.keys and value not in ORDINARY_WORDS:
            self._add(node, "key:" + value, f"`{value}` left as in v4")
        elif _FIELD_LIST.match(value):
            self._field_list(node, value)
        if "_" not in value and _COMMA_SLUGS.match(value):
            self._comma_lists.append(node)

    def _field_list(self, node: cst.CSTNode, text: str) -> None:
        left = [part.strip() for part in text.split(",") if part.strip() in self.keys]
        if left:
            self._add(node, "key:" + left[0], f"field list names v4 field{'s' if len(left) > 1 else ''} "
                                                f"{', '.join(f'`{k}`' for k in left)}")

    def _template(self, node: cst.CSTNode, template: str) -> None:
        lowered = template.lower()
        if urls.HOST in lowered or lowered == urls.HEADER_OLD or lowered == urls.HEADER_NEW:
            self.talks_to_api = True
        removed = urls.removed_endpoint(template)
        if removed is not None:  # its base waits for its endpoint's rule (AS101 leaves it)
            self._add(node, _ENDPOINT_CHECKS[removed])
        elif urls.V4_BASE.search(template) or _V4_PATH.match(template) or urls.V4_AFTER_FIELD.match(template):
            self._add(node, "v4-base")
        if lowered == urls.HEADER_OLD:
            self._add(node, "v4-header")
        endpoint = urls.relative_endpoint(template) or (urls.endpoint_of(template) if urls.HOST in lowered else None)
        self._endpoints.add(endpoint or "")
        if "estimated-delivery-date/predict" in lowered:
            self._endpoints.add("predict-batch")
        check = _ENDPOINT_CHECKS.get(endpoint or "")
        if check is not None and removed is None:
            self._add(node, check)
        if endpoint == "trackings" and _PAGE_QUERY.search(template):
            self._add(node, "page-query")
        fields = _QUERY_FIELDS.search(template)
        if fields is not None and endpoint is not None:
            self._field_list(node, fields.group(1))
        if '"' in template:
            self._json_text(node, template)

    def _json_text(self, node: cst.CSTNode, text: str) -> None:
        """A body or response written as JSON text (`payload = "{\"tracking\": {...}}"`): its
        `tracking` wrapper and its v4 keys are as much v4 as in a dict."""
        for match in _JSON_KEY.finditer(text):
            key, opens = match.groups()
            if key == "tracking" and opens:
                self._add(node, "tracking-wrapper")
            elif key in self.keys and key not in ORDINARY_WORDS:
                self._add(node, "key:" + key, f"`{key}` left as in v4 (in JSON text)")


def _names_api(template: str) -> bool:
    lowered = template.lower()
    return urls.HOST in lowered or lowered in (urls.HEADER_OLD, urls.HEADER_NEW)


@dataclass(frozen=True)
class Residue:
    """A site left of v4 and the rule that owns it. `statement` is the innermost statement
    holding it (where the rewrite pass reports it), `functions` the functions around it, and
    `near` the nodes a fix of the same rule at which means this site was rewritten after all
    (the site, the nodes around it, the nodes inside it)."""

    node: cst.CSTNode
    rule: Rule
    message: str
    statement: int
    functions: tuple[int, ...]
    near: frozenset[int]
    ordinary_word: bool = False  # `count`, `page`...: reported only where AfterShip data is handled
    retyped: bool = False  # a key 2025-01 keeps with another type: reported only in code on v4
    resolved_by: frozenset[str] = frozenset()  # rule codes whose fix near the site resolves it


_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


def residual_sites(module: cst.Module, rules: CodeRules, imported: Mapping[str, str],
                   preorder: list | None = None) -> list[Residue]:
    """Every v4 construct in `module` owned by an enabled rule; none when the module does not
    talk to AfterShip's API (names its host or header, imports its SDK, or imports a constant
    another module of the run defines with them) and no AfterShip code imports it. The rewrite
    pass reports those it did not fix (MigrationTransformer._report_residues)."""
    scanner = ResidualScanner(set(rules.residual_keys) | set(rules.retyped_keys), set(rules.retyped_keys))
    scanner.talks_to_api = any(_names_api(value) for value in imported.values())
    sites = scanner.scan(module, preorder)
    if not scanner.talks_to_api:
        if IMPORTED_BY_AFTERSHIP not in imported and IMPORTS_AFTERSHIP not in imported:
            return []
        # A module that imports AfterShip code or that AfterShip code imports: only AfterShip's
        # own field names and its `["data"]["tracking"]` envelope are unmistakable.
        sites = [s for s in sites if (s.check.startswith("key:") and s.check[4:] not in ORDINARY_WORDS)
                 or (s.check == "tracking-envelope" and id(s.node) in scanner.enveloped)]
    found = []
    for site in sites:
        key = site.check[4:] if site.check.startswith("key:") else None
        rule = (rules.residual_keys.get(key) or rules.retyped_keys.get(key)) if key is not None \
            else rules.residual_checks.get(site.check)
        if rule is None or not rules.on(rule.code):
            continue
        message = f"{site.detail}: {rule.title}" if site.detail else f"{rule.title} (left here: {CHECKS[site.check]})"
        around = _ancestors(site.node, scanner.parents)
        statement = next(n for n in around if isinstance(n, _STATEMENTS))
        functions = tuple(id(n) for n in around if isinstance(n, cst.FunctionDef))
        near = frozenset(id(n) for n in (*around, *iter_nodes(site.node)))
        ordinary = site.check.startswith("key:") and site.check[4:] in ORDINARY_WORDS and id(site.node) not in scanner.enveloped
        # A `tracking` key read off a body built over statements (`body["tracking"].update(...)`)
        # is resolved by either unwrap rule: which one a site needs is the rewrite's to tell.
        resolvers = frozenset(r.code for check in _TRACKING_CHECKS if (r := rules.residual_checks.get(check))) \
            if site.check in _TRACKING_CHECKS else frozenset({rule.code})
        found.append(Residue(site.node, rule, message, id(statement), functions, near, ordinary,
                             retyped=key in rules.retyped_keys, resolved_by=resolvers))
    return found


def _preorder(module: cst.Module):
    pending: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(module, None)]
    while pending:
        node, parent = pending.pop()
        yield node, parent
        pending.extend((child, node) for child in reversed(_children(node)))


def _ancestors(node: cst.CSTNode, parents: Mapping[int, cst.CSTNode | None]) -> list[cst.CSTNode]:
    """`node` and the nodes around it, innermost first."""
    chain = []
    while node is not None:
        chain.append(node)
        node = parents.get(id(node))
    return chain
