"""What an AfterShip URL string says: the base URL to rewrite and the endpoint it calls.

Works on URL *templates*: the text of a string with every interpolated value replaced by
`{}` (f-string fields, %s, .format fields, concatenated variables).
"""

from __future__ import annotations

import re

HOST = "api.aftership.com"
NEW_BASE = "https://api.aftership.com/tracking/2025-01"
HEADER_OLD, HEADER_NEW = "aftership-api-key", "as-api-key"
WEBHOOK_SIGNATURE_HEADER = "aftership-hmac-sha256"
# How handlers spell it: the header, or Django's request.META key for it (lower-cased here).
WEBHOOK_SIGNATURE_NAMES = frozenset({WEBHOOK_SIGNATURE_HEADER, "http_aftership_hmac_sha256"})
# The header 2025-01 deliveries carry (and the WSGI name Django gives it).
WEBHOOK_VERSION_NAMES = frozenset({"as-webhook-version", "http_as_webhook_version"})

# The v4 base in any spelling: https, http, protocol-relative or no scheme; "/v4" ends at a
# slash, quote, query or end of string.
V4_BASE = re.compile(r"(https?://|//)?api\.aftership\.com/v4(?![\w.-])", re.IGNORECASE)
# A path-only v4 prefix, for strings joined onto an AfterShip host constant.
V4_PATH = re.compile(r"^/?v4(?=/|$)")
# A template whose host is a value (`f"{HOST}/v4/trackings"`) and whose path is v4's, naming an
# AfterShip resource: v4 even where the host's text is not known.
V4_AFTER_FIELD = re.compile(
    r"^\{\}/v4(?=/(?:trackings|last_checkpoint|notifications|couriers|estimated-delivery-date)(?:[/?#]|$))")
PLACEHOLDER = re.compile(r"%[sdr]|\{[^{}]*\}")
SEGMENT = r"(?:\{\}|[^/?#{}]+)"
_ACTIONS = ("retrack", "mark-as-completed")
TIME_BOUNDS = re.compile(r"[?&](created_at_min|created_at_max|updated_at_min|updated_at_max)=\{\}")


def rewrite_base(text: str) -> str:
    """Replace every v4 base URL in `text` by the 2025-01 base (the rest is kept).

    http becomes https (2025-01 is HTTPS only); a URL written without a scheme, or with `//`,
    keeps that form, because the code adds the scheme elsewhere (`f"https://{HOST_PATH}"`).
    """
    def replace(match: re.Match) -> str:
        scheme = match.group(1)
        prefix = "https://" if scheme and scheme.lower().startswith("http") else (scheme or "")
        return prefix + NEW_BASE[len("https://"):]

    return V4_BASE.sub(replace, text)


def rewrite_path(text: str) -> str:
    """`/v4/trackings` (a path joined onto an AfterShip host) -> `/tracking/2025-01/trackings`."""
    return V4_PATH.sub("/tracking/2025-01", text, count=1)


# Resources 2025-01 removed, as the path after the v4 base (or after a `/v4` fragment) starts.
_REMOVED = re.compile(r"/?(last_checkpoint|notifications)(?=[/?#]|$)")
_REMOVED_ENDPOINTS = {"last_checkpoint": "last-checkpoint", "notifications": "notifications"}


def removed_endpoint(text: str) -> str | None:
    """The removed endpoint family ("last-checkpoint", "notifications") whose path follows the v4
    base, or the `/v4` fragment a string starts with; None otherwise. Such a URL keeps its v4
    base until the rule that replaces its endpoint rewrites it whole: 2025-01 has no such path."""
    base = V4_BASE.search(text) or V4_PATH.match(text) or V4_AFTER_FIELD.match(text)
    removed = _REMOVED.match(text, base.end()) if base is not None else None
    return _REMOVED_ENDPOINTS[removed.group(1)] if removed is not None else None


def rewrite_v4(text: str, after_value: bool) -> str:
    """The 2025-01 form of a piece of URL text: its v4 base rewritten, or, right after a value
    (`f"{HOST}/v4/..."`, `HOST + "/v4/..."`), its `/v4` path."""
    return rewrite_path(text) if after_value and V4_PATH.match(text) else rewrite_base(text)


def normalise(template: str) -> str:
    """Placeholders of every syntax become `{}`."""
    return PLACEHOLDER.sub("{}", template)


def path_of(template: str) -> str | None:
    """The API path after the base (v4 or 2025-01), without query; None if not AfterShip."""
    lowered = template.lower()
    at = lowered.find(HOST)
    if at < 0:
        return None
    rest = template[at + len(HOST):]
    rest = re.sub(r"^/(?:v4|tracking/\d{4}-\d{2})(?=/|$|\?)", "", rest)
    return re.split(r"[?#]", rest, maxsplit=1)[0]


def endpoint_of(template: str) -> str | None:
    """The endpoint family a URL template calls, or None when it is not an AfterShip API URL.

    trackings (list or create), tracking (one by id), tracking-action (retrack,
    mark-as-completed by id), slug-number (the removed slug/tracking_number forms),
    last-checkpoint (by id), last-checkpoint-slug-number, notifications, couriers, detect, predict-batch, predict, other.
    """
    path = path_of(normalise(template))
    return None if path is None else endpoint_of_path(path)


# The resources of the API: a relative path handed to a helper starts with one of them.
_RESOURCES = re.compile(r"^(?:\{\}|/)*(?=/?(?:trackings|last_checkpoint|notifications|couriers)(?:/|$|\?))")


def relative_endpoint(template: str) -> str | None:
    """The endpoint family of a template that is a full AfterShip URL *or* a path relative to
    an unknown base (`f"{base}/trackings/{slug}/{n}"`, `"trackings/%s/%s"`); None otherwise."""
    template = normalise(template)
    path = path_of(template)
    if path is None:
        match = _RESOURCES.match(template)
        if match is None:
            return None
        path = "/" + re.split(r"[?#]", template[match.end():], maxsplit=1)[0].lstrip("/")
    return endpoint_of_path(path)


def endpoint_of_path(path: str) -> str:
    """The endpoint family of an API path (after the base, without query)."""
    path = path.rstrip("/")
    if re.fullmatch(r"/trackings", path):
        return "trackings"
    if re.fullmatch(rf"/trackings/{SEGMENT}", path):
        return "tracking"
    if re.fullmatch(rf"/trackings/{SEGMENT}/(?:{'|'.join(_ACTIONS)})", path):
        return "tracking-action"
    if re.fullmatch(rf"/trackings/{SEGMENT}/{SEGMENT}(?:/(?:{'|'.join(_ACTIONS)}))?", path):
        return "slug-number"
    if re.fullmatch(rf"/last_checkpoint/{SEGMENT}", path):
        return "last-checkpoint"
    if path.startswith("/last_checkpoint/"):
        return "last-checkpoint-slug-number"
    if path.startswith("/notifications/"):
        return "notifications"
    if path == "/couriers/detect":
        return "detect"
    if path in ("/couriers", "/couriers/all"):
        return "couriers"
    if path.endswith("/predict-batch"):
        return "predict-batch"
    if path.endswith("/predict"):
        return "predict"
    return "other"


# The API version a URL names right after the host: v3, v4, tracking/2024-04, or a variable.
# A field right after the host (f"https://api.aftership.com/{path}") says nothing of the version.
_VERSIONED = re.compile(r"api\.aftership\.com/(?:(v\d+)|tracking/(\d{4}-\d{2})|tracking/(\{))", re.IGNORECASE)
CURRENT, LEGACY = "2025-01", "v4"
VARIABLE = "a version variable"


def api_versions(text: str) -> set[str]:
    """The API versions the AfterShip URLs in `text` name (`tracking/{...}`: VARIABLE)."""
    found = set()
    for match in _VERSIONED.finditer(normalise(text)):
        found.add((match.group(1) or "").lower() or match.group(2) or VARIABLE)
    return found


def other_versions(versions: set[str] | frozenset[str]) -> set[str]:
    """Versions this tool does not migrate from or to (v3, a dated version, a variable)."""
    return set(versions) - {CURRENT, LEGACY}


def is_aftership_url(template: str) -> bool:
    return HOST in template.lower()
