"""Tracing AfterShip data through one function: which expression holds which kind of object.

A `Shape` says what an expression evaluates to: an HTTP response from an AfterShip endpoint,
its JSON body, the `data` member, a tracking, a list of checkpoints, a webhook body, a request
body about to be sent... Generic keys (`emails`, `tag`, `country_name`) are rewritten only on
expressions whose shape is known, so code that merely looks similar is left alone.

The analysis is flow-insensitive within a function: a name assigned values of different
shapes has no shape.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import warnings
from functools import lru_cache
from dataclasses import dataclass
from typing import Mapping

import libcst as cst

from migrator.codemod import templates, urls

# Constants table entries for HTTP clients built with a base URL (httpx), by variable or attribute name.
CLIENT_BASE = "client-base-url:"
HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "request", "head"})
BODY_KEYWORDS = ("json", "data", "content", "body")
JSON_LOADERS = frozenset({"loads", "load"})
_APPLYING = frozenset({"map", "filter", "sorted", "min", "max"})  # builtins that apply a function to items
LIST_KEEPERS = frozenset({"sorted", "list", "reversed", "tuple", "filter"})
GATHERERS = frozenset({"asyncio.gather", "gather"})  # a list of what each awaitable gives


@dataclass(frozen=True)
class Shape:
    kind: str  # response, body, data, tracking, checkpoint, courier, edd, edd-address, aftership-edd,
    #            estimated-delivery, webhook, list, tuple, request-wrapped, request, client,
    #            instance (of a class of the module whose methods give AfterShip data; scope: its name)
    endpoint: str | None = None
    method: str | None = None
    item: "Shape | None" = None  # for kind == "list"
    items: tuple = ()  # for kind == "tuple": the shape of each element (None where unknown)
    scope: str | None = None  # for requests: create-request, update-request, detect-request, predict-batch
    base: str | None = None  # for kind == "client" (httpx.Client(base_url=...)): the base URL's template

    def child(self, key: str | int) -> "Shape | None":
        """The shape of `self[key]`."""
        if self.kind == "list":
            return self.item if isinstance(key, int) else None
        if self.kind == "tuple":
            return self.items[key] if isinstance(key, int) and -len(self.items) <= key < len(self.items) else None
        if not isinstance(key, str):
            return None
        if self.kind == "body":
            return Shape("data", self.endpoint, self.method) if key == "data" else None
        if self.kind == "data":
            return self._data_child(key)
        if self.kind == "webhook":
            return TRACKING if key == "msg" else None
        if self.kind == "request-wrapped":
            return Shape("request", scope=self.scope) if key == "tracking" else None
        return _CHILDREN.get(self.kind, {}).get(key)

    def _data_child(self, key: str) -> "Shape | None":
        if key == "tracking":
            return TRACKING
        if key in ("trackings", "couriers", "estimated_delivery_dates"):
            return _LISTS[key]
        if self.endpoint in ("last-checkpoint", "last-checkpoint-slug-number") and key == "checkpoint":
            return CHECKPOINT
        if self.single_tracking:
            # Already-unwrapped access (2025-01 style) on a single-tracking response.
            return TRACKING.child(key)
        return None

    @property
    def single_tracking(self) -> bool:
        """`data` of a response that holds one tracking (get, create, update, delete, ...)."""
        return self.kind == "data" and (
            self.endpoint in SINGLE_TRACKING_ENDPOINTS or (self.endpoint == "trackings" and self.method == "post"))


TRACKING = Shape("tracking")
CHECKPOINT = Shape("checkpoint")
_CHILDREN: Mapping[str, Mapping[str, Shape]] = {
    "tracking": {
        "checkpoints": Shape("list", item=CHECKPOINT),
        "aftership_estimated_delivery_date": Shape("aftership-edd"),
        "first_estimated_delivery": Shape("estimated-delivery"),
        "latest_estimated_delivery": Shape("estimated-delivery"),
    },
    "edd": {"origin_address": Shape("edd-address"), "destination_address": Shape("edd-address")},
    "courier": {"required_fields": Shape("courier-fields"), "optional_fields": Shape("courier-fields")},
}
_LISTS = {
    "trackings": Shape("list", item=TRACKING),
    "couriers": Shape("list", item=Shape("courier")),
    "estimated_delivery_dates": Shape("list", item=Shape("edd")),
}
SINGLE_TRACKING_ENDPOINTS = frozenset({"tracking", "tracking-action", "slug-number"})
# The payload scope whose renames apply to an object of each shape.
SCOPE_OF_KIND: Mapping[str, str] = {
    "tracking": "tracking", "checkpoint": "checkpoint", "courier": "courier",
    "edd": "edd-response-item", "edd-address": "edd-address", "aftership-edd": "aftership-edd",
    "estimated-delivery": "estimated-delivery",
}


def request_scope(endpoint: str | None, method: str | None) -> str | None:
    """Which request body an AfterShip call sends, from its endpoint and HTTP method."""
    if endpoint == "trackings" and method == "post":
        return "create-request"
    if endpoint in ("tracking", "slug-number") and method in ("put", "patch"):
        return "update-request"
    if endpoint == "detect":
        return "detect-request"
    if endpoint == "predict-batch":
        return "predict-batch"
    return None


# Node tests are plain isinstance checks: libcst.matchers would cost every worker 0.24 s to import.
def method_call(node: cst.BaseExpression, name: str) -> bool:
    """`<anything>.<name>(...)`."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == name


def root_name(expr: cst.BaseExpression) -> str | None:
    """The name a chain of subscripts, attributes and calls starts at (`body["tracking"].update` -> body)."""
    while isinstance(expr, (cst.Subscript, cst.Attribute, cst.Call)):
        expr = expr.func if isinstance(expr, cst.Call) else expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def is_name(node: cst.BaseExpression, *names: str) -> bool:
    return isinstance(node, cst.Name) and node.value in names


def is_integer(node: cst.BaseExpression, value: str) -> bool:
    return isinstance(node, cst.Integer) and node.value == value


def iter_nodes(root: cst.CSTNode):
    """Every node under `root`, in source order."""
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(_children(node)))


def string_key(node: cst.BaseExpression) -> str | None:
    """The text of a plain string literal (not an f-string or bytes)."""
    if not isinstance(node, cst.SimpleString):
        return None
    return string_value(node)


def string_value(node: cst.SimpleString) -> str | None:
    """A SimpleString's value (None for bytes). Every scan and fixer asks it of every literal:
    answered from the literal's source text, remembered per text."""
    return _literal_value(node.value)


@lru_cache(maxsize=8192)
def _literal_value(raw: str) -> str | None:
    prefix = len(raw) - len(raw.lstrip("rRuUbBfF"))
    if "b" in raw[:prefix].lower():
        return None
    body = raw[prefix:]
    quote = body[:3] if body[:3] in ('"""', "\'\'\'") else body[:1]
    text = body[len(quote):-len(quote)]
    if "\\" not in text:
        return text
    try:
        with warnings.catch_warnings():  # `"\d"`: an invalid escape warns (3.12: SyntaxWarning) but reads
            warnings.simplefilter("ignore")
            value = ast.literal_eval(raw)  # escapes as Python reads them (libcst's evaluated_value does too)
    except (ValueError, SyntaxError, MemoryError):  # `"\N{NO SUCH NAME}"`: libcst parses it, Python does not
        return None
    return value if isinstance(value, str) else None


def subscript_key(node: cst.Subscript) -> str | int | None:
    """`x["k"]` -> "k", `x[0]` / `x[-1]` -> an int; anything else -> None."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    key = string_key(value)
    if key is not None:
        return key
    if isinstance(value, cst.Integer):
        return int(value.value, 0)  # 0xa0, 1_000
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus) and \
            isinstance(value.expression, cst.Integer):
        return -int(value.expression.value, 0)
    return None


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` -> "a.b.c" for names and attributes only."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


class SourceOrder:
    """Where the nodes of one module lie, from the scan's preorder: each node's index, its
    parent's, and the end of its subtree (built on first use: only a name bound to data of
    different shapes needs it)."""

    def __init__(self, preorder: list) -> None:
        self.preorder = preorder
        self.index: dict[int, int] = {}
        self.parent: list[int] = []
        self.end: list[int] = []

    def build(self) -> None:
        if self.index or not self.preorder:
            return
        index = self.index = {id(node): i for i, (node, _) in enumerate(self.preorder)}
        parent = self.parent = [index.get(id(p), -1) if p is not None else -1 for _, p in self.preorder]
        end = self.end = list(range(1, len(self.preorder) + 1))  # exclusive: a subtree is contiguous
        for i in range(len(end) - 1, 0, -1):
            if end[i] > end[parent[i]]:
                end[parent[i]] = end[i]

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.index[id(node)]
        return start, self.end[start]

    def region(self, site: int, name: str) -> tuple[int, int] | None:
        """Where the binding of `name` made at preorder index `site` holds for sure: the rest of
        its statement's block, a `for`/`with` body, an `except` body; None for any other binding
        (a comprehension, a lambda, a walrus: their extent is not a run of statements)."""
        node = self.preorder[site][0]
        if isinstance(node, (cst.Assign, cst.AnnAssign)):
            statement = self.parent[site]
            return self.end[statement], self.end[self.parent[statement]]
        if isinstance(node, cst.For):
            return self.span(node.body)
        if isinstance(node, cst.WithItem):
            return self.span(self.preorder[self.parent[site]][0].body)
        if isinstance(node, cst.Try):
            return next((self.span(h.body) for h in node.handlers if h.name is not None
                         and isinstance(h.name.name, cst.Name) and h.name.name.value == name), None)
        return None

    def after_statement(self, site: int) -> tuple[int, int]:
        """Where the rest of the block after the statement holding node `site` lies."""
        statement = site
        while self.parent[statement] >= 0 and not isinstance(
                self.preorder[self.parent[statement]][0], (cst.IndentedBlock, cst.Module)):
            statement = self.parent[statement]
        block = self.parent[statement]
        return (self.end[statement], self.end[block]) if block >= 0 else (0, 0)

    def dominating(self, sites: list[int], regions: list[tuple[int, int]], use: int) -> int | None:
        """Which of `sites` (each sure to hold in its region) alone reaches node `use`: the last
        whose region holds the use, with no other site after it before the use, nor in a loop
        around the use alone. None when straight-line code does not say."""
        holding = [k for k, (start, end) in enumerate(regions) if start <= use < end]
        if not holding:
            return None
        chosen = max(holding, key=lambda k: sites[k])
        if any(k != chosen and (sites[chosen] < site < use or self.loop_between(use, sites[chosen], site))
               for k, site in enumerate(sites)):
            return None
        return chosen

    def loop_between(self, use: int, outer: int, site: int) -> bool:
        """Whether a loop around `use` but not around `outer` holds `site` (a binding there reaches
        the use through the loop's next round)."""
        at = self.parent[use]
        while at >= 0 and not at <= outer < self.end[at]:
            if isinstance(self.preorder[at][0], (cst.For, cst.While)) and at <= site < self.end[at]:
                return True
            at = self.parent[at]
        return False


class Bindings:
    """Every way each name is bound in one function (or module body), in source order, with
    where in `order` (the scan's preorder) each binding was made."""

    def __init__(self, order: SourceOrder | None = None) -> None:
        self.values: dict[str, list[tuple[str, cst.BaseExpression]]] = {}
        self.sites: dict[str, list[int]] = {}
        self.order = order

    def add(self, name: str, how: str, expr: cst.BaseExpression) -> None:
        self.values.setdefault(name, []).append((how, expr))
        self.sites.setdefault(name, []).append(len(self.order.preorder) - 1 if self.order is not None else -1)

    def reaching(self, name: str, use: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
        """The one binding of `name` that reaches `use`, where straight-line code says so: each
        binding is a statement, the last one whose region holds the use dominates it, and no
        other is made between them or in a loop around the use alone. None when that cannot be told."""
        order, sites = self.order, self.sites.get(name, ())
        if order is None or len(sites) < 2 or -1 in sites:
            return None
        order.build()
        use_at = order.index.get(id(use))
        if use_at is None:
            return None
        regions = [order.region(site, name) for site in sites]
        chosen = order.dominating(sites, regions, use_at) if None not in regions else None
        return self.values[name][chosen] if chosen is not None else None

    def bind_target(self, target: cst.BaseExpression, how: str, expr: cst.BaseExpression | None) -> None:
        """Bind the names of `target`. `a, b = x, y` binds pairwise; a name unpacked from anything
        else (`body, error = call()`, `for slug, number in pairs`) is bound "opaque": a local
        whose value is not followed, never the outer name it shadows."""
        if isinstance(target, cst.Name):
            self.add(target.value, how, expr)
        elif isinstance(target, (cst.Tuple, cst.List)):
            values = None
            starred = any(isinstance(e, cst.StarredElement) for e in target.elements)
            if how == "value" and isinstance(expr, (cst.Tuple, cst.List)) and len(expr.elements) == len(target.elements) \
                    and not any(isinstance(e, cst.StarredElement) for e in (*expr.elements, *target.elements)):
                values = [e.value for e in expr.elements]
            for i, element in enumerate(target.elements):
                if values is not None:
                    self.bind_target(element.value, how, values[i])
                elif how == "value" and isinstance(element.value, cst.Name) and not starred:
                    self.add(element.value.value, f"item:{i}", expr)  # `status, body = call()`
                else:
                    self.bind_target(element.value, "opaque", None)


_LEAVE_FUNCTION = object()  # the scan's marker for "the function ends here"
_FIELDS: dict[type, tuple[str, ...]] = {}
# isinstance() against libcst's abstract base classes goes through abc and is slow on hot paths.
_NODE_TYPES: dict[type, bool] = {}


# Whitespace, comments and punctuation: six in ten nodes of a file, none of them code a rule
# reads (operators are read off their expression), so the scans never descend into them.
_TOKEN_BASES = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
    cst.Comma, cst.Colon, cst.Semicolon, cst.Dot, cst.AssignEqual, cst.LeftParen, cst.RightParen,
    cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Asynchronous,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp,
)


# Fields that hold only such tokens, by libcst's naming: not even read.
_TOKEN_FIELD = re.compile(r"whitespace|lpar$|rpar$|comma$|leading_lines$|lines_after_decorators$|header$|footer$|"
                          r"semicolon$|newline$|equal$|colon$|dot$|asynchronous$|operator$")


def is_node_type(kind: type) -> bool:
    """Whether `kind` is a libcst node type the scans walk into (not whitespace or punctuation),
    remembered per type."""
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode) and not issubclass(kind, _TOKEN_BASES)
    return found


def _children(node: cst.CSTNode) -> list:
    """The child nodes of `node` in source order (field order of libcst's node dataclasses),
    whitespace and punctuation left out."""
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if not _TOKEN_FIELD.match(f.name))
    out = []
    for name in names:
        value = getattr(node, name)
        if is_node_type(type(value)):
            out.append(value)
        elif type(value) in (list, tuple):
            out.extend(item for item in value if is_node_type(type(item)))
    return out


@dataclass
class Scope:
    """What one function (or the module body) binds and calls."""

    bindings: Bindings
    calls: list
    mentions_webhook_signature: bool = False
    awaits_json: bool = False  # `await r.json()`: aiohttp-style responses
    # Holds a literal some rule may act on (an AfterShip URL, a known key, 24); a function with
    # none, no AfterShip call and no webhook is not walked by the transformer at all.
    marked: bool = False
    node: cst.CSTNode | None = None  # the Module or FunctionDef
    parent: "Scope | None" = None
    params: tuple[str, ...] = ()  # parameter names in call order (self/cls included)
    returns: list = dataclasses.field(default_factory=list)  # the expressions it returns
    # `map(fn, items)` / `filter(fn, items)`: (fn, items), so fn's parameter gets an item's shape.
    applied: list = dataclasses.field(default_factory=list)
    globals: set = dataclasses.field(default_factory=set)  # names declared `global` in it


_SCANNER_HANDLERS: dict[type, object] = {}  # node type -> ScopeScanner.visit_<Type> or None
_UNKNOWN = object()


class ScopeScanner:
    """One pass over a module collecting every scope's bindings and calls, and all assignments.

    Scopes are the module and each function; classes and lambdas belong to the enclosing scope.
    The pass only reads, so it walks the dataclass fields itself: libcst's visitor dispatch costs
    5x more per node (measured 6.1 ms against 1.1 ms on a 1,000-node module), and this pass
    runs over every node of every AfterShip file. Iterative, so deep trees cannot overflow.
    """

    def __init__(self, keys: frozenset[str] = frozenset()) -> None:
        self.scopes: dict[int, Scope] = {}
        self.assignments: list[tuple[cst.Assign, Scope]] = []
        self._stack: list[Scope] = []
        self._keys = keys
        self._signature_constants: set[str] = set()  # module names holding the webhook header
        self.names_aftership = False  # a string literal of the module mentions AfterShip
        self.reads_webhook_version = False  # a string literal names the `as-webhook-version` header
        self.api_versions: set[str] = set()  # API versions its AfterShip URLs name (urls.api_versions)
        self.version_sites: dict[str, cst.CSTNode] = {}  # the first string naming each version
        self.preorder: list[tuple[cst.CSTNode, cst.CSTNode | None]] = []
        self.awaited: set[int] = set()  # expressions under `await`, known before the walk reaches them
        self.with_items: dict[int, bool] = {}  # id of a `with` item expression -> `async with`
        self.order: SourceOrder | None = None

    def scan(self, module: cst.Module) -> None:
        """Walk `module` in source order, calling `visit_<Type>` and `leave_FunctionDef`; the
        (node, parent) pairs met are kept in `preorder` for the residual scan to walk again."""
        pending: list = [(module, None)]
        preorder = self.preorder = []
        self.order = SourceOrder(preorder)
        while pending:
            node, parent = pending.pop()
            if node is _LEAVE_FUNCTION:
                self.leave_FunctionDef()
                continue
            preorder.append((node, parent))
            kind = type(node)
            handler = _SCANNER_HANDLERS.get(kind, _UNKNOWN)
            if handler is _UNKNOWN:
                handler = _SCANNER_HANDLERS[kind] = getattr(ScopeScanner, "visit_" + kind.__name__, None)
            if handler is not None:
                handler(self, node)
            if kind is cst.FunctionDef:
                pending.append((_LEAVE_FUNCTION, None))
            pending.extend((child, node) for child in reversed(_children(node)))

    def _push(self, node: cst.CSTNode) -> None:
        scope = Scope(Bindings(self.order), [], node=node, parent=self._stack[-1] if self._stack else None)
        if isinstance(node, cst.FunctionDef):
            params = node.params
            scope.params = tuple(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))
        self.scopes[id(node)] = scope
        self._stack.append(scope)

    def visit_Module(self, node: cst.Module) -> None:
        self._push(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._push(node)

    def leave_FunctionDef(self) -> None:
        inner = self._stack.pop()
        # Only `marked` rises: a webhook handler is the function that checks the signature,
        # not every function of its module (a sibling route's JSON is not AfterShip's).
        self._stack[-1].marked |= inner.marked

    @property
    def _bindings(self) -> Bindings:
        return self._stack[-1].bindings

    def visit_Call(self, node: cst.Call) -> None:
        self._stack[-1].calls.append(node)
        if not (isinstance(node.func, cst.Name) and node.func.value in _APPLYING):
            return  # every call of every file passes here: the common case returns at once
        name = node.func.value
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if name in ("map", "filter") and len(positional) >= 2:
            function, items = positional[0], positional[1]
        elif name in ("sorted", "min", "max") and positional:
            items = positional[0]
            function = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "key"), None)
        else:
            return
        # The element a lambda or function applied to `items` receives has an item's shape.
        if isinstance(function, cst.Lambda) and function.params.params:
            self._bindings.add(function.params.params[0].name.value, "element", items)
        elif isinstance(function, cst.Name):
            self._stack[-1].applied.append((function.value, items))

    def visit_Global(self, node: cst.Global) -> None:
        self._stack[-1].globals.update(item.name.value for item in node.names)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._stack[-1].returns.append(node.value)

    def _mark(self, text: str) -> None:
        lowered = text.lower()
        if "aftership" in lowered:
            self.names_aftership = True
        if "aftership" in lowered or text in self._keys or lowered.startswith(("/v4", "v4/")):
            self._stack[-1].marked = True

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = string_key(node) or ""
        if "ftership" in value:
            self._versions(node, value)
        if value.lower() in urls.WEBHOOK_SIGNATURE_NAMES:
            self._stack[-1].mentions_webhook_signature = True
        elif value.lower() in urls.WEBHOOK_VERSION_NAMES:
            self.reads_webhook_version = True
        self._mark(value)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self._mark(node.value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        # f"https://api.aftership.com/{VERSION}/...": the text parts alone would hide the field.
        text = "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
        if "ftership" in text:
            self._versions(node, text)

    def _versions(self, node: cst.CSTNode, text: str) -> None:
        for version in urls.api_versions(text):
            self.api_versions.add(version)
            self.version_sites.setdefault(version, node)

    def visit_Integer(self, node: cst.Integer) -> None:
        if node.value == "24":
            self._stack[-1].marked = True

    def visit_Assign(self, node: cst.Assign) -> None:
        self.assignments.append((node, self._stack[-1]))
        for target in node.targets:
            self._bindings.bind_target(target.target, "value", node.value)
            if (len(self._stack) == 1 and isinstance(target.target, cst.Name)
                    and (string_key(node.value) or "").lower() in urls.WEBHOOK_SIGNATURE_NAMES):
                self._signature_constants.add(target.target.value)

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited.add(id(node.expression))
        if method_call(node.expression, "json"):
            self._stack[-1].awaits_json = True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self._signature_constants:
            self._stack[-1].mentions_webhook_signature = True

    def visit_Param(self, node: cst.Param) -> None:
        # A default is the value when the caller passes none: `base_url="https://...v4"`.
        if node.default is not None:
            self._bindings.bind_target(node.name, "param", node.default)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bindings.bind_target(node.target, "value", node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bindings.bind_target(node.target, "value", node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind_element(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_element(node.target, node.iter)

    def _bind_element(self, target: cst.BaseExpression, items: cst.BaseExpression) -> None:
        # `for i, cp in enumerate(checkpoints)`: the second name is the element.
        if (isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(items, cst.Call)
                and dotted(items.func) == "enumerate" and items.args):
            self._bindings.bind_target(target.elements[0].value, "opaque", None)
            self._bindings.bind_target(target.elements[1].value, "element", items.args[0].value)
        else:
            self._bindings.bind_target(target, "element", items)

    def visit_With(self, node: cst.With) -> None:
        self.with_items.update((id(item.item), node.asynchronous is not None) for item in node.items)

    def visit_Try(self, node: cst.Try) -> None:
        # `except urllib.error.HTTPError as err`: urllib raises the error answer as the response
        # (`err.read()`, `json.load(err)`) of the one urlopen call the `try` makes.
        handlers = [h for h in node.handlers if h.name is not None and isinstance(h.name.name, cst.Name)
                    and h.type is not None and (dotted(h.type) or "").split(".")[-1] == "HTTPError"]
        if not handlers:
            return
        opened = [n for n in iter_nodes(node.body) if isinstance(n, cst.Call)
                  and (dotted(n.func) or "").split(".")[-1] == "urlopen"]
        if len(opened) == 1:
            for handler in handlers:
                self._bindings.bind_target(handler.name.name, "value", opened[0])

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bindings.bind_target(node.asname.name, "value", node.item)


_UNREAD, _READING = object(), object()  # a name's shape not read yet in this evaluation; being read


class Tracer:
    """Answers `shape_of(expr)` and `template_of(expr)` inside one function."""

    def __init__(self, bindings: Bindings, outer: "Tracer | None", constants: Mapping[str, str],
                 webhook: bool = False) -> None:
        self.bindings, self.outer, self.constants, self.webhook = bindings, outer, constants, webhook
        self._busy: set[int] = set()
        self._busy_shapes: set[int] = set()
        # Within one evaluation, a name's shape over all its bindings is read once (`text = text.strip()`
        # ten times over would otherwise read each binding's `text` anew: exponential work).
        self._names_read: dict[str, Shape | None | object] = {}
        self._names_templated: dict[str, str | None | object] = {}  # the same for URL templates
        self.request_shapes: dict[str, Shape] = {}
        self.sdk_calls: Mapping[int, Shape] = {}  # id of a legacy SDK call a rule rewrites -> the data it gives
        self.calls_aftership = False
        self._http: dict[int, tuple[Shape | None, str]] = {}
        self.quiet = False  # nothing in the function any rule acts on: not walked
        self.connected = False  # calls AfterShip, or receives or gets its data
        self.awaits_json = False
        self.calls: list[cst.Call] = []  # the calls made in this function (from the scope scan)
        self.envelope_fallback = False  # see parent_shape
        # Across calls (flow.summarise): what each parameter receives, what each local function returns.
        self.params: dict[str, Shape] = {}
        self.summaries = None
        self.param_templates: dict[str, str] = {}  # set while flow reads a wrapper's URL
        self.param_names: set[str] = set()  # the function's parameters (a default or not)
        self.keywords_param: str | None = None  # its `**kwargs` parameter
        self.text_params: set[str] = set()  # parameters every caller (or the default) gives a string
        self.text_sources: dict[str, list] = {}  # param -> (tracer, expression) of what callers give it

    # URL templates -------------------------------------------------------------------------
    @staticmethod
    def _guarded(expr: cst.BaseExpression, compute, busy: set) -> object:
        """compute(expr), or None while expr is already being computed (`x = x + 1` loops)."""
        key = id(expr)
        if key in busy:
            return None
        busy.add(key)
        try:
            return compute(expr)
        finally:
            busy.discard(key)

    def template_of(self, expr: cst.BaseExpression) -> str | None:
        """The text of a URL-like expression with unknown parts as `{}`; None if not a string."""
        if not self._busy:
            self._names_templated.clear()  # a new evaluation (a wrapper's slots may differ)
        return self._guarded(expr, self._template, self._busy)

    def _template(self, expr: cst.BaseExpression) -> str | None:
        return templates.evaluate(expr, cst_view, self._name_template)

    def _name_template(self, expr: cst.BaseExpression) -> str | None:
        name = dotted(expr)
        if name is None:
            return None
        if isinstance(expr, cst.Name):
            if name in self.param_templates:
                return self.param_templates[name]
            bound = self.bindings.values.get(name, ())
            reaching = self.bindings.reaching(name, expr) if len(bound) > 1 else None
            if reaching is not None:  # `url = url + "/trackings"` after `url = BASE`: the one before
                return self.template_of(reaching[1]) if reaching[0] in ("value", "param") else None
            known = self._names_templated.get(name, _UNREAD)
            if known is _READING:
                return None  # built from itself (`text = text.strip()`): another binding decides
            if known is not _UNREAD:
                if known is not None:
                    return known
            else:
                self._names_templated[name] = _READING
                found = next((t for how, value in bound if how in ("value", "param")
                              for t in (self.template_of(value),) if t is not None), None)
                self._names_templated[name] = found
                if found is not None:
                    return found
        if name in self.constants:
            return self.constants[name]
        last = name.split(".")[-1]
        if isinstance(expr, cst.Attribute) and last in self.constants:
            return self.constants[last]  # self.BASE_URL / cls.BASE_URL / module.BASE_URL
        return self.outer.template_of(expr) if self.outer else None

    # Shapes --------------------------------------------------------------------------------
    def shape_of(self, expr: cst.BaseExpression) -> Shape | None:
        """What `expr` holds, as far as AfterShip data goes; None when unknown."""
        if not self._busy_shapes:
            self._names_read.clear()  # a new evaluation: what the summaries say may have changed
        return self._guarded(expr, self._shape, self._busy_shapes)

    def _shape(self, expr: cst.BaseExpression) -> Shape | None:
        if isinstance(expr, cst.Name):
            return self._name_shape(expr.value, expr)
        if isinstance(expr, cst.Await):
            return self.shape_of(expr.expression)
        if isinstance(expr, cst.Subscript):
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Slice):
                return self._list_shape(expr.value)  # checkpoints[1:] is still a list of checkpoints
            key = subscript_key(expr)
            parent = self.parent_shape(expr.value, key)
            return parent.child(key) if parent and key is not None else None
        if isinstance(expr, cst.Tuple) and expr.elements and \
                not any(isinstance(e, cst.StarredElement) for e in expr.elements):
            items = tuple(self.shape_of(e.value) for e in expr.elements)  # `return r.status_code, r.json()`
            return Shape("tuple", items=items) if any(item is not None for item in items) else None
        if isinstance(expr, cst.List) and expr.elements and not any(isinstance(e, cst.StarredElement) for e in expr.elements):
            items = {self.shape_of(e.value) for e in expr.elements}  # [Client(a), Client(b)]: a list of them
            item = items.pop() if len(items) == 1 else None
            return Shape("list", item=item) if item is not None else None
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            item = self.shape_of(expr.elt)  # [fetch(i) for i in ids]: a list of what fetch returns
            return Shape("list", item=item) if item is not None else None
        if isinstance(expr, cst.Call):
            return self._call_shape(expr)
        if isinstance(expr, cst.Attribute):
            if self.webhook and expr.attr.value == "json":
                return Shape("webhook")
            return None
        if isinstance(expr, cst.BooleanOperation):
            # `x.get("data") or {}` keeps the shape of its left side.
            return self.shape_of(expr.left)
        return None

    def parent_shape(self, expr: cst.BaseExpression, key) -> Shape | None:
        """The shape of `expr` about to be indexed by `key`.

        `x["data"]["tracking"]` is AfterShip's v4 envelope whatever `x` is, so in a file whose
        code names AfterShip (`envelope_fallback`) it is traced even when `x` (a parameter, say)
        is not.
        """
        shape = self.shape_of(expr)
        if (shape is None and self.envelope_fallback and key == "tracking" and _key_access(expr) == "data"
                and not self._bound_root(expr)):
            return Shape("data")
        return shape

    def _bound_root(self, expr: cst.BaseExpression) -> bool:
        """Whether the chain `expr` starts at a name this code assigns (then tracing decides)."""
        name = root_name(expr)
        if name is None:
            return False
        tracer: Tracer | None = self
        while tracer is not None:
            # An unpacked name (`status, body = call()`) is assigned, but tracing cannot decide it.
            if any(how not in ("param", "opaque") and not how.startswith("item:")
                   for how, _ in tracer.bindings.values.get(name, ())):
                return True
            tracer = tracer.outer
        return False

    def _name_shape(self, name: str, use: cst.Name | None = None) -> Shape | None:
        if name in self.request_shapes:
            return self.request_shapes[name]
        known = self._names_read.get(name, _UNREAD)
        if known is _UNREAD:
            self._names_read[name] = _READING
            shapes = {self.params[name]} if name in self.params else set()
            for how, value in self.bindings.values.get(name, ()):
                if how != "param":  # a default says what a parameter may hold, not what it holds
                    shapes.add(self._binding_shape(how, value))
            if len(shapes) == 1:
                known = shapes.pop()
            elif not shapes and self.outer:
                known = self.outer._name_shape(name)
            else:
                known = _common(shapes)
            self._names_read[name] = known
        elif known is _READING:
            known = None  # defined through itself (`x = f(x)`): what the other bindings say decides
        if known is None and use is not None and name not in self.param_names \
                and len(self.bindings.values.get(name, ())) > 1:
            # `body` rebound call after call (couriers, then a tracking): the binding reaching this use.
            reaching = self.bindings.reaching(name, use)
            return self._binding_shape(*reaching) if reaching is not None else None
        return known

    def _binding_shape(self, how: str, value: cst.BaseExpression) -> Shape | None:
        shape = self.shape_of(value) if how != "opaque" else None
        if how == "element":
            if shape is not None and shape.kind == "tuple":  # `for x in (a, b)`: x is each in turn
                return shape.items[0] if len(set(shape.items)) == 1 else None
            return shape.child(0) if shape else None
        if how.startswith("item:"):
            return shape.child(int(how[5:])) if shape else None
        return shape

    def _list_shape(self, expr: cst.BaseExpression) -> Shape | None:
        shape = self.shape_of(expr)
        return shape if shape is not None and shape.kind == "list" else None

    def _call_shape(self, call: cst.Call) -> Shape | None:
        sdk = self.sdk_calls.get(id(call))
        if sdk is not None:  # a legacy SDK call: the response's `data`, as v4 gave it
            return sdk
        if self.wraps_request(call):  # what the wrapper returns, not the response it gets
            return self.summaries.returned_by_request(self, call)
        name = dotted(call.func)
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if name in LIST_KEEPERS and positional:
            # sorted(trackings, key=...), list(...), reversed(...): the same items, reordered.
            return self._list_shape(positional[1] if name == "filter" and len(positional) > 1 else positional[0])
        # `gather(...)` is asyncio's unless the module defines its own.
        if name in GATHERERS and (name == "asyncio.gather" or self.summaries is None
                                  or self.summaries.callee(call.func, self) is None):
            return self._gathered(call)
        if name in ("min", "max") and len(positional) == 1:  # max(trackings, key=...): one of them
            items = self._list_shape(positional[0])
            return items.item if items is not None else None
        response = self.http_call(call)
        if response is not None:
            return response
        if isinstance(call.func, cst.Name) and self.summaries is not None \
                and self.summaries.holds_aftership(call.func.value):
            return Shape("instance", scope=call.func.value)  # AfterShipClient(...): its methods resolve where it goes
        if self.summaries is not None and (dotted(call.func) or "") in self.summaries.across.classes:
            return Shape("instance", scope=self.summaries.across.classes[dotted(call.func)])  # another module's
        base = base_url_argument(call)
        if base is not None:  # httpx.Client(base_url=AFTERSHIP): a client handed around, returned, passed
            template = self.template_of(base)
            return Shape("client", base=template) if template and urls.is_aftership_url(template) else None
        if self.summaries is not None:
            returned = self.summaries.returned(call.func, self)
            if returned is not None:
                return returned
        func = call.func
        if isinstance(func, cst.Attribute):
            attr = func.attr.value
            receiver = self.shape_of(func.value)
            if attr == "json" and receiver and receiver.kind == "response":
                return Shape("body", receiver.endpoint, receiver.method)
            if attr == "get" and call.args:
                key = string_key(call.args[0].value)
                receiver = self.parent_shape(func.value, key)
                return receiver.child(key) if receiver and key is not None else None
            if attr == "get_json" and self.webhook:
                return Shape("webhook")
            if attr == "getresponse" and isinstance(func.value, cst.Name):
                made = self._last_request(func.value.value, call)  # http.client: conn.request(...) above
                return self.http_call(made) if made is not None else None
            if attr in ("read", "text") and receiver and receiver.kind == "response":
                return Shape("raw", receiver.endpoint, receiver.method)
            if attr == "decode" and receiver and receiver.kind == "raw":  # resp.read().decode("utf-8")
                return receiver
        name = dotted(func) or ""
        last = name.split(".")[-1]
        if last in JSON_LOADERS and name.split(".")[0] in ("json", "orjson", "ujson", "simplejson") and call.args:
            source = call.args[0].value
            inner = self.shape_of(source.value if isinstance(source, cst.Attribute) else source)
            if inner and inner.kind in ("response", "raw"):
                return Shape("body", inner.endpoint, inner.method)
            if self.webhook and inner is None:
                return Shape("webhook")
            return None
        return None

    def _gathered(self, call: cst.Call) -> Shape | None:
        """`asyncio.gather(fetch(a), fetch(b))` or `gather(*(fetch(i) for i in ids))`: a list of
        what each awaitable gives, when they all give the same."""
        items = set()
        for arg in call.args:
            if arg.keyword is not None:
                continue  # return_exceptions=...
            shape = self.shape_of(arg.value)
            items.add(shape.item if arg.star == "*" and shape is not None and shape.kind == "list"
                      else None if arg.star else shape)
        item = items.pop() if len(items) == 1 else None
        return Shape("list", item=item) if item is not None else None

    def http_call(self, call: cst.Call) -> Shape | None:
        """The response shape of an HTTP call to an AfterShip URL, else None (memoised)."""
        return self._http_entry(call)[0]

    def call_template(self, call: cst.Call) -> str:
        """The full URL template an AfterShip call requests (client base URL included)."""
        return self._http_entry(call)[1]

    def _last_request(self, connection: str, use: cst.Call) -> cst.Call | None:
        """`conn.getresponse()`: the `conn.request(...)` of this function made last before it,
        when straight-line code says so (its statement's block holds the use, and no other
        request on `conn` sits in a loop around the use alone)."""
        order = self.bindings.order
        made = [c for c in self.calls if method_call(c, "request") and is_name(c.func.value, connection)]
        if order is None or not made:
            return None
        order.build()
        at = order.index.get(id(use))
        sites = [order.index.get(id(c), -1) for c in made]
        if at is None or -1 in sites:
            return None
        chosen = order.dominating(sites, [order.after_statement(site) for site in sites], at)
        return made[chosen] if chosen is not None else None

    def forget_misses(self, receivers: set[str]) -> None:
        """Forget that calls on these names (`client.get(...)`) were no AfterShip requests."""
        for call in self.calls if receivers else ():
            func = call.func
            if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in receivers
                    and id(call) in self._http and self._http[id(call)][0] is None):
                del self._http[id(call)]

    def _http_entry(self, call: cst.Call) -> tuple[Shape | None, str]:
        key = id(call)
        if key not in self._http:
            self._http[key] = self._http_call(call)
        return self._http[key]

    def _http_call(self, call: cst.Call) -> tuple[Shape | None, str]:
        url, method = self.call_url(call)
        template = self.full_template(call, url) if url is not None else None
        if template is not None and urls.is_aftership_url(template):
            return Shape("response", urls.endpoint_of(template), method), template
        # A module's own request wrapper, even one named like an HTTP method (`get(path)`).
        wrapped = self.summaries.request(self, call) if self.summaries is not None else None
        return wrapped if wrapped is not None else (None, "")

    def full_template(self, call: cst.Call, url: cst.BaseExpression) -> str | None:
        """The template of a call's URL, with the base URL of the client it is called on."""
        template = self.template_of(url)
        if template is not None and not urls.is_aftership_url(template) and isinstance(call.func, cst.Attribute):
            base = self._client_base_url(call.func.value, path_like="/" in template)
            if base is not None:
                template = base.rstrip("/") + "/" + template.lstrip("/")
        return template

    def bindings_of(self, name: str) -> list[tuple[str, cst.BaseExpression]]:
        """The bindings of `name` in the innermost scope (this function, or an enclosing one, or
        the module) that binds it; [] when none does."""
        tracer: Tracer | None = self
        while tracer is not None and name not in tracer.bindings.values:
            tracer = tracer.outer
        return tracer.bindings.values[name] if tracer is not None else []

    def is_connection_name(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr` names an http.client connection (here, or where it is bound)."""
        bound = self.bindings_of(expr.value) if isinstance(expr, cst.Name) else []
        return bool(bound) and all(how == "value" and is_connection(value) for how, value in bound)

    def instance_class(self, name: str) -> str | None:
        """The class every binding of `name` (here, or where it is bound) makes an instance of:
        `client = AfterShipClient(...)` -> "AfterShipClient"; None when any binding is something else."""
        bound = self.bindings_of(name)
        classes = {value.func.value if how == "value" and isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
                   else None for how, value in bound}
        if len(classes) == 1 and None not in classes:
            return classes.pop()
        # Handed in as a parameter, or a loop's element over a list of them: what the shapes say
        # (not any binding's shape: every `x.m()` of a method name some class defines comes here).
        if name in self.params:
            shape = self.params[name]
        elif bound and all(how == "element" for how, _ in bound):
            shape = self._name_shape(name)
        else:
            shape = None
        return shape.scope if shape is not None and shape.kind == "instance" else None

    def holds_text(self, name: cst.Name) -> bool:
        """Whether `name` holds a string wherever it comes from (a string-building expression, or
        a parameter every caller gives one and the function never rebinds to anything else)."""
        values = [v for how, v in self.bindings.values.get(name.value, ()) if how == "value"]
        if name.value in self.param_names:
            return name.value in self.text_params and all(self.template_of(v) is not None for v in values)
        if values:
            return all(self.template_of(v) is not None for v in values)
        if name.value in self.bindings.values:
            return False
        if name.value in self.constants:
            return True
        return self.outer.holds_text(name) if self.outer is not None else False

    def text_literals(self, name: cst.Name, seen: set | None = None) -> list[cst.SimpleString]:
        """The string literals a name that holds text is made of (its binding, its callers'
        arguments, the constant it names), so a fix at its use can count as theirs too."""
        seen = set() if seen is None else seen
        if (id(self), name.value) in seen:
            return []
        seen.add((id(self), name.value))
        local = name.value in self.param_names or name.value in self.bindings.values
        if not local and self.outer is not None:
            return self.outer.text_literals(name, seen)
        pairs = [(self, v) for how, v in self.bindings.values.get(name.value, ()) if how in ("value", "param")]
        found = []
        for tracer, value in pairs + self.text_sources.get(name.value, []):
            if isinstance(value, cst.SimpleString):
                found.append(value)
            elif isinstance(value, cst.Name):
                found.extend(tracer.text_literals(value, seen))
        return found

    def wraps_request(self, call: cst.Call) -> bool:
        """Whether `call` goes through a local request wrapper (`self._request("GET", path)`)."""
        return self.summaries is not None and self.summaries.wrapper(call.func, self) is not None

    @staticmethod
    def method_argument(call: cst.Call) -> cst.BaseExpression | None:
        """The expression giving the method of `x.request(method, url)` / `Request(method=...)`."""
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "method":
                return arg.value
        name = dotted(call.func) or (call.func.attr.value if isinstance(call.func, cst.Attribute) else "")
        positional = [a for a in call.args if a.keyword is None and not a.star]
        return positional[0].value if name.split(".")[-1] == "request" and len(positional) >= 2 else None

    def _client_base_url(self, client: cst.BaseExpression, path_like: bool = True) -> str | None:
        """`client = httpx.Client(base_url=...)`, `with ... as client`, `self.client = ...`: its base
        URL; also, for a path (`path_like`), a client a factory returned or a parameter was given
        (not for `d.get("key")`: every `.get` of every file comes here)."""
        if isinstance(client, cst.Attribute):
            return self.constants.get(CLIENT_BASE + client.attr.value)
        if not isinstance(client, cst.Name):
            return None
        if CLIENT_BASE + client.value in self.constants:
            return self.constants[CLIENT_BASE + client.value]
        tracer: Tracer | None = self
        while tracer is not None:
            for how, value in tracer.bindings.values.get(client.value, ()):
                base = base_url_argument(value) if how == "value" else None
                if base is not None:
                    return self.template_of(base)
            tracer = tracer.outer
        shape = self.shape_of(client) if path_like else None
        return shape.base if shape is not None and shape.kind == "client" else None

    def call_url(self, call: cst.Call) -> tuple[cst.BaseExpression | None, str | None]:
        """The URL argument of an HTTP call and its method, for requests/httpx/aiohttp/urllib."""
        name = dotted(call.func) or (call.func.attr.value if isinstance(call.func, cst.Attribute) else "")
        last = name.split(".")[-1]
        positional = [a for a in call.args if a.keyword is None and a.star == ""]
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        if last == "urlopen":
            target = keywords.get("url") or (positional[0].value if positional else None)
            request = self.request_object(target) if target is not None else None
            if request is not None:
                return self.call_url(request)  # urlopen(Request(url, ...)): the Request says where
            return target, "post" if "data" in keywords or len(positional) > 1 else "get"
        if last == "Request":
            target = keywords.get("url") or (positional[0].value if positional else None)
            method = string_key(keywords["method"]) if "method" in keywords else None
            return target, (method or ("post" if "data" in keywords or len(positional) > 1 else "get")).lower()
        if last not in HTTP_METHODS:
            return None, None
        if last == "request":
            if len(positional) >= 2:
                method = string_key(positional[0].value)
                return positional[1].value, method.lower() if method else None
            return keywords.get("url"), (string_key(keywords["method"]) or "").lower() if "method" in keywords else None
        return keywords.get("url") or (positional[0].value if positional else None), last

    def request_object(self, expr: cst.BaseExpression) -> cst.Call | None:
        if isinstance(expr, cst.Call) and (dotted(expr.func) or "").endswith("Request"):
            return expr
        if isinstance(expr, cst.Name):
            for how, value in self.bindings.values.get(expr.value, ()):
                if how == "value" and isinstance(value, cst.Call) and (dotted(value.func) or "").endswith("Request"):
                    return value
        return None


def cst_view(node: cst.CSTNode) -> tuple:
    """The form of a libcst node, for `templates.evaluate`."""
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return ("text", value) if value is not None else ("unknown",)
    if isinstance(node, cst.ConcatenatedString):
        return ("adjacent", node.left, node.right)
    if isinstance(node, cst.FormattedString):
        return ("parts", [p.value if isinstance(p, cst.FormattedStringText) else p.expression for p in node.parts])
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return ("add", node.left, node.right)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        values = node.right.elements if isinstance(node.right, cst.Tuple) else [node.right]
        return ("percent", node.left, [v.value if isinstance(v, cst.BaseElement) else v for v in values])
    if isinstance(node, (cst.Name, cst.Attribute)):
        return ("name", node)
    if isinstance(node, cst.Call):
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        named = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        return templates.call_form(dotted(node.func) or "", method, positional, named, receiver)
    return ("unknown",)


CONNECTIONS = frozenset({"HTTPSConnection", "HTTPConnection"})  # http.client: the host, then request(method, path)


def base_url_argument(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The `base_url=` of a client constructor call (httpx.Client, AsyncClient), or the host of
    an http.client connection (`HTTPSConnection("api.aftership.com")`), if any."""
    if not isinstance(value, cst.Call):
        return None
    connection = is_connection(value)
    keyword = "host" if connection else "base_url"
    found = next((arg.value for arg in value.args if arg.keyword is not None and arg.keyword.value == keyword), None)
    if found is None and connection and value.args and value.args[0].keyword is None:
        found = value.args[0].value  # HTTPSConnection("api.aftership.com"): the host comes first
    return found


def is_connection(value: cst.BaseExpression) -> bool:
    """`http.client.HTTPSConnection(...)` (or HTTPConnection, however imported)."""
    return isinstance(value, cst.Call) and (dotted(value.func) or "").split(".")[-1] in CONNECTIONS


def _common(shapes: set) -> "Shape | None":
    """One shape for a name bound to several that the rewrite treats alike: responses (or their
    bodies, or their `data`) that each hold one tracking (`r = post(...)` then `r = delete(...)`)."""
    if None in shapes or len({s.kind for s in shapes}) != 1:
        return None
    data = [s if s.kind == "data" else Shape("data", s.endpoint, s.method) for s in shapes]
    if shapes and next(iter(shapes)).kind in ("response", "body", "data") and all(d.single_tracking for d in data):
        return min(shapes, key=repr)  # any of them: the same rewrite applies
    return None


def _key_access(expr: cst.BaseExpression) -> str | int | None:
    """`x["k"]` or `x.get("k", ...)` -> "k"."""
    if isinstance(expr, cst.Subscript):
        return subscript_key(expr)
    if method_call(expr, "get") and expr.args:
        return string_key(expr.args[0].value)
    return None


def body_argument(call: cst.Call, tracer: "Tracer | None" = None) -> cst.BaseExpression | None:
    """The request body a call sends: `json=`, or what `json.dumps(...)` encodes in `data=`
    (also through a name: `data = json.dumps(body).encode()`), or in the body an http.client
    connection's `request(method, path, body)` sends."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    body_at = positional[2] if len(positional) > 2 and method_call(call, "request") and tracer is not None \
        and tracer.is_connection_name(call.func.value) else None
    for arg in call.args:
        if arg is body_at:  # what the caller hands in, when a wrapper passes its parameter on
            return encoded_body(arg.value, tracer) or arg.value
        if arg.keyword is not None and arg.keyword.value in BODY_KEYWORDS:
            found = arg.value if arg.keyword.value == "json" else encoded_body(arg.value, tracer)
            if found is not None:
                return found
    return None


def encoded_body(value: cst.BaseExpression, tracer: "Tracer | None") -> cst.BaseExpression | None:
    """What a body sent as text encodes: the `x` of `json.dumps(x)`, `json.dumps(x).encode()`,
    also through a name bound once, or behind `... if body is not None else None`; None when
    it is not such an encoding."""
    if isinstance(value, cst.Name) and tracer is not None:
        bound = [v for h, v in tracer.bindings.values.get(value.value, ()) if h == "value"]
        value = bound[0] if len(bound) == 1 else value
    if isinstance(value, cst.IfExp):  # json.dumps(body).encode() if body is not None else None
        value = value.body
    if method_call(value, "encode"):
        value = value.func.value
    if method_call(value, "dumps") and value.args:
        return value.args[0].value
    return None


def params_argument(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "params":
            return arg.value
    return None
