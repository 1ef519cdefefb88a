"""VCR-style cassettes: the AfterShip v4 interactions of vcrpy / pytest-recording cassettes
(YAML or JSON: `interactions: [{request: {uri, method, headers, body}, response: {status,
headers, body: {string}}}]`) and betamax cassettes (JSON: `http_interactions`, bodies as
`string` or `base64_string`) become the interactions the migrated code makes.

Per interaction whose request goes to api.aftership.com/v4: the URI moves to /tracking/2025-01
(AS801) with the query renames the codemod applies to code; the `aftership-api-key` header
becomes `as-api-key` (AS802); each body is translated by the payload translator as the kind its
method, URI and status give (AS803), stored as it was (text, bytes, gzip, base64) with its
Content-Length told the new size. An endpoint 2025-01 removed, or one addressed by slug and
number, cannot be rewritten with certainty (the migrated code makes other requests): the
interaction is left as recorded and reported by the endpoint's rule (AS201, AS202, AS203).
Interactions with other hosts, or other versions, are not touched.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

from migrator.codemod.urls import HEADER_OLD, HEADER_NEW, HOST, endpoint_of_path, rewrite_base
from migrator.datafiles.recorded import NotText, dumps_like, open_body
from migrator.datafiles.ruleset import Said
from migrator.datafiles.spans import OPAQUE, Mapping, Node, Scalar, Sequence
from migrator.datafiles.translation import translate_text
from migrator.payload.endpoints import REQUEST, RESPONSE, api_path, kind_for_request

URL_RULE, HEADER_RULE, BODY_RULE, LEFT_RULE = "AS801", "AS802", "AS803", "AS805"
LISTS = ("interactions", "http_interactions")  # vcrpy and pytest-recording; betamax
# Endpoint families whose interactions stay as recorded: the migrated code asks otherwise.
_NOT_REWRITABLE = {
    "slug-number": ("AS201", "addresses a tracking by slug and number, which 2025-01 removed: the migrated code looks "
                             "the id up first (GET /trackings?slug=...&tracking_numbers=...) and calls /trackings/{id}"),
    "last-checkpoint": ("AS202", "calls /last_checkpoint, which 2025-01 removed: the migrated code calls "
                                 "GET /trackings/{id} and reads the last checkpoint"),
    "last-checkpoint-slug-number": ("AS202", "calls /last_checkpoint, which 2025-01 removed: the migrated code "
                                             "looks the id up and calls GET /trackings/{id}"),
    "notifications": ("AS203", "calls /notifications, which 2025-01 removed: the migrated code updates the "
                               "tracking's customers instead"),
}
_EVENTS_SHOWN = 3  # places named per rule and action in one body's finding; the rest are counted


def interactions_of(root: Node | None) -> Sequence | None:
    """The list of interactions of a cassette, or None when the tree is no cassette."""
    if isinstance(root, Mapping):
        for key in LISTS:
            found = root.get(key)
            if isinstance(found, Sequence):
                return found
    return None


@dataclass
class Slot:
    """Where a recorded body lies: a scalar holding text or bytes, or base64 text (betamax)."""

    scalar: Scalar
    base64: bool = False

    def value(self) -> str | bytes:
        return base64.b64decode(self.scalar.value, validate=False) if self.base64 else self.scalar.value

    def stored(self, new: str | bytes) -> str | bytes:
        if self.base64:
            return base64.b64encode(new if isinstance(new, bytes) else new.encode("utf-8")).decode("ascii")
        return new


def _slot(body: Node | None) -> Slot | None:
    """The body's place: vcrpy keeps a request body as a scalar and a response's in `string`;
    betamax keeps both in `string` or `base64_string`."""
    if isinstance(body, Scalar):
        return Slot(body) if isinstance(body.value, (str, bytes)) and body.value else None
    if isinstance(body, Mapping):
        encoded = body.get("base64_string")
        if isinstance(encoded, Scalar) and isinstance(encoded.value, str) and encoded.value:
            return Slot(encoded, base64=True)
        string = body.get("string")
        if isinstance(string, Scalar) and isinstance(string.value, (str, bytes)) and string.value:
            return Slot(string)
    return None


def _unread(body: Node | None) -> bool:
    """A body that holds something, in no form a cassette writer uses for text or bytes (an old
    vcrpy's `!!python/object/new:_io.BytesIO`, say)."""
    if isinstance(body, Scalar):
        return body.value is OPAQUE
    if isinstance(body, Mapping):
        return not any(key.value in ("string", "base64_string", "encoding") for key, _ in body.pairs)
    return isinstance(body, Sequence) and bool(body.items)


def _text(node: Node | None) -> str | None:
    return node.value if isinstance(node, Scalar) and isinstance(node.value, str) else None


def renamed_header(name: str) -> str:
    """`as-api-key` in the case style of `name` (AFTERSHIP-API-KEY, Aftership-Api-Key, ...)."""
    if name.isupper():
        return HEADER_NEW.upper()
    if all(part[:1].isupper() for part in name.split("-")):
        return "-".join(part.capitalize() for part in HEADER_NEW.split("-"))
    return HEADER_NEW


class CassetteRewrite:
    """The changes one cassette needs: `changes` maps each scalar to replace to its new value."""

    def __init__(self, said: Said) -> None:
        self.said = said
        self.rules = said.rules
        self.changes: dict[int, tuple[Scalar, Any]] = {}

    def run(self, interactions: Sequence) -> None:
        for item in interactions.items:
            if isinstance(item, Mapping) and isinstance(item.get("request"), Mapping):
                self.interaction(item.get("request"), item.get("response"))

    def change(self, scalar: Scalar, value: Any) -> None:
        self.changes[id(scalar)] = (scalar, value)

    def interaction(self, request: Mapping, response: Node | None) -> None:
        uri_node, method = request.get("uri"), _text(request.get("method"))
        uri = _text(uri_node)
        if uri is None or method is None:
            return
        try:
            parts = urlsplit(uri)
            host = parts.hostname
        except ValueError:
            return
        if host != HOST or not (parts.path == "/v4" or parts.path.startswith("/v4/")):
            return  # another host, or a version this run does not migrate (the code calling it is not)
        method = method.upper()
        path = api_path(uri) or "/"
        family = endpoint_of_path(path)
        where = f"{method} {parts.path}"
        if family in _NOT_REWRITABLE:
            if not self.rules.on(URL_RULE):
                return  # the URI is left alone on purpose: no word on why it could not move
            code, why = _NOT_REWRITABLE[family]
            self.said.report(code, uri_node.start, f"the recorded {where} {why}; the interaction is left as "
                                                   f"recorded: record it again against 2025-01")
            return
        response = response if isinstance(response, Mapping) else None
        if self.rules.on(URL_RULE):
            self.uri(uri_node, uri, method, family)
            url = response.get("url") if response is not None else None  # betamax's copy of the URI
            if _text(url) is not None and _text(url) == uri:
                self.change(url, self.changes[id(uri_node)][1] if id(uri_node) in self.changes else uri)
        if self.rules.on(HEADER_RULE):
            self.headers(request.get("headers"), where)
        if self.rules.on(BODY_RULE):
            status = _status(response)
            self.body(request, kind_for_request(method, uri, REQUEST), REQUEST, where)
            if response is not None:
                self.body(response, kind_for_request(method, uri, RESPONSE, status), RESPONSE, where)

    def uri(self, node: Scalar, uri: str, method: str, family: str) -> None:
        new = rewrite_base(uri)
        if method == "GET" and family == "trackings" and "?" in new:
            base, _, rest = new.partition("?")
            query, hash_mark, fragment = rest.partition("#")
            new = base + "?" + self.query(query, node) + hash_mark + fragment
        if new != uri:
            self.change(node, new)
            self.said.fixed(URL_RULE, node.start, f"{uri} becomes {new}")

    def query(self, query: str, node: Scalar) -> str:
        """GET /trackings query parameters renamed as the codemod renames them in code (a rule
        code applies only with --unsafe-fixes stays, and is reported, as in the code)."""
        code_rules = self.rules.code_rules
        renames = code_rules.renames.get("list-query", {})
        fields = {**code_rules.renames.get("tracking", {}), **renames}
        pieces = []
        for piece in query.split("&"):
            key, equals, value = piece.partition("=")
            name = unquote_plus(key)
            if name in renames:
                new, rule = renames[name]
                if code_rules.may_fix(rule):
                    piece = quote(new) + equals + value
                    self.said.fixed(rule.code, node.start, f"query parameter {name} becomes {new}")
                else:
                    self.said.report(rule.code, node.start, f"query parameter `{name}` is `{new}` in 2025-01: "
                                                            f"{rule.title} (kept, as in the code)")
            elif name == "fields" and value:
                names = unquote_plus(value).split(",")
                moved = [(part, *fields[part]) for part in names if part in fields]
                if moved and all(code_rules.may_fix(rule) for _, _, rule in moved):
                    renamed = ",".join(fields[part][0] if part in fields else part for part in names)
                    piece = key + equals + quote(renamed, safe="" if "%2c" in value.lower() else ",")
                    for old, new, rule in moved:
                        self.said.fixed(rule.code, node.start, f"`fields` value {old} becomes {new}")
            pieces.append(piece)
        return "&".join(pieces)

    def headers(self, headers: Node | None, where: str) -> None:
        if not isinstance(headers, Mapping):
            return
        names = {_text(key).lower() for key, _ in headers.pairs if _text(key) is not None}
        for key, _ in headers.pairs:
            name = _text(key)
            if name is None or name.lower() != HEADER_OLD:
                continue
            if HEADER_NEW in names:
                self.said.report(HEADER_RULE, key.start, f"the recorded {where} sends both `{name}` and "
                                                         f"`{HEADER_NEW}`: remove `{name}` by hand")
                continue
            self.change(key, renamed_header(name))
            self.said.fixed(HEADER_RULE, key.start, f"header {name} becomes {renamed_header(name)}")

    def body(self, message: Mapping, kind: str | None, direction: str, where: str) -> None:
        node = message.get("body")
        slot = _slot(node)
        if slot is None:
            if _unread(node):
                self.said.report(LEFT_RULE, node.start, f"the recorded {direction} body of {where} is stored in a "
                                                        f"form this tool does not read (a Python object?): left as "
                                                        f"recorded")
            return
        at = slot.scalar.start
        try:
            body = open_body(slot.value())
        except (NotText, ValueError) as error:
            self.said.report(LEFT_RULE, at, f"the recorded {direction} body of {where} is left as recorded: {error}")
            return
        if not body.text.strip():
            return
        outcome = translate_text(self.rules.translator, body.text, kind)
        if outcome.error:
            self.said.report(outcome.rule or LEFT_RULE, at,
                             f"the recorded {direction} body of {where} is left as recorded: {outcome.error}")
            return
        report_events(self.said, at, outcome.events, f"in the recorded {direction} body of {where}")
        if not outcome.changed:
            return
        stored = body.encode(dumps_like(outcome.document, body.text))
        self.change(slot.scalar, slot.stored(stored))
        self.said.fixed(BODY_RULE, at, f"the {direction} body of {where} is translated as {outcome.kind} "
                                       f"(stored as {body.form})")
        self.content_length(message.get("headers"), len(stored if isinstance(stored, bytes) else stored.encode()))

    def content_length(self, headers: Node | None, size: int) -> None:
        if not isinstance(headers, Mapping):
            return
        for key, value in headers.pairs:
            if _text(key) is None or _text(key).lower() != "content-length":
                continue
            for scalar in (value.items if isinstance(value, Sequence) else [value]):
                if isinstance(scalar, Scalar) and isinstance(scalar.value, (str, int)) and not isinstance(scalar.value, bool):
                    self.change(scalar, str(size) if isinstance(scalar.value, str) else size)


def _status(response: Mapping | None) -> int | None:
    status = response.get("status") if response is not None else None
    code = status.get("code") if isinstance(status, Mapping) else status
    return code.value if isinstance(code, Scalar) and isinstance(code.value, int) else None


def report_events(said: Said, at: int, events: list, where: str) -> None:
    """The values a translation dropped, approximated, defaulted...: one finding per rule and
    action, naming the first places (a list of fifty trackings drops the same key fifty times)."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for event in events:
        grouped.setdefault((event.rule, event.action, event.message), []).append(event.path)
    for (rule, action, message), paths in grouped.items():
        shown = ", ".join(paths[:_EVENTS_SHOWN]) + (f" and {len(paths) - _EVENTS_SHOWN} more"
                                                    if len(paths) > _EVENTS_SHOWN else "")
        said.report(rule, at, f"{action} {shown} {where}: {message}", translated=True)
