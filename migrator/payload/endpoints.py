"""The kind of a body from the endpoint it was sent to or answered by: a kind given by context.

A recorded interaction (a cassette entry, an HTTP mock) says which endpoint a body belongs to,
which its shape alone may not (a request holding only detection keys is a create or a detect
body). `kind_for_request` reads the method and URL (v4, an intermediate version or 2025-01);
the translator takes its answer as the body's kind.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from migrator.codemod.urls import HOST, endpoint_of_path

REQUEST, RESPONSE = "request", "response"
# The base of every version this tool reads: v4, and the dated tracking versions.
_BASE = re.compile(r"^/(?:v4|tracking/\d{4}-\d{2})(?=/|$)")

# (endpoint family as urls.endpoint_of_path names it, method) -> (request kind, response kind).
_KINDS: dict[tuple[str, str], tuple[str | None, str | None]] = {
    ("trackings", "POST"): ("create-tracking-request", "tracking-response"),
    ("trackings", "GET"): (None, "tracking-list-response"),
    ("tracking", "GET"): (None, "tracking-response"),
    ("tracking", "PUT"): ("update-tracking-request", "tracking-response"),
    ("tracking", "DELETE"): (None, "tracking-response"),
    ("tracking-action", "POST"): (None, "tracking-response"),  # retrack; mark-as-completed below
    ("last-checkpoint", "GET"): (None, "last-checkpoint-response"),
    ("last-checkpoint-slug-number", "GET"): (None, "last-checkpoint-response"),
    ("notifications", "GET"): (None, "notification-response"),
    ("notifications", "POST"): ("notification-request", "notification-response"),
    ("couriers", "GET"): (None, "courier-list-response"),
    ("detect", "POST"): ("detect-courier-request", "courier-list-response"),
    ("predict-batch", "POST"): ("predict-batch-request", "predict-batch-response"),
}
# v4's /trackings/:slug/:tracking_number forms take what the /trackings/:id forms take.
_KINDS.update({("slug-number", method): kinds for (family, method), kinds in list(_KINDS.items())
               if family in ("tracking", "tracking-action")})
MARK_AS_COMPLETED = ("mark-as-completed-request", "tracking-response")
_ACTIONS = ("retrack", "mark-as-completed")


def api_path(url: str) -> str | None:
    """The path of an AfterShip tracking API URL after its version base, without the query;
    None for another host or path. A path alone (`/v4/trackings`) is taken as AfterShip's."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # a port that is no number, an unclosed IPv6 bracket
        return None
    if parts.netloc and host != HOST:
        return None
    base = _BASE.match(parts.path)
    return None if base is None else parts.path[base.end():] or "/"


def kind_for_request(method: str, url: str, direction: str, status: int | None = None) -> str | None:
    """The kind of the body `direction` ("request" or "response") of `method url`; None when the
    endpoint has no such body or is not AfterShip's (the shape then decides, or nothing does).

    `status`: the response's HTTP status, when known; any but 2xx gives an error response.
    """
    if direction not in (REQUEST, RESPONSE):
        raise ValueError(f"direction must be {REQUEST!r} or {RESPONSE!r}, not {direction!r}")
    path = api_path(url)
    if path is None:
        return None
    family = endpoint_of_path(path)
    method = method.upper()
    kinds = _KINDS.get((family, method))
    if kinds is None:
        return None
    action = path.rstrip("/").rsplit("/", 1)[-1]
    if family == "slug-number" and method == "POST" and action not in _ACTIONS:
        return None  # /trackings/:slug/:number takes no POST of its own
    if method == "POST" and action == "mark-as-completed":
        kinds = MARK_AS_COMPLETED
    if direction == REQUEST:
        return kinds[0]
    if status is not None and not 200 <= status < 300:
        return "error-response"
    return kinds[1]
