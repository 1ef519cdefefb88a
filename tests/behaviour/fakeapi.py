"""A fake AfterShip Tracking API, v4 and 2025-01, on 127.0.0.1 (stdlib http.server).

    fake = FakeAfterShip().start()     # port 0: the OS picks a free port
    ... http://127.0.0.1:{fake.port}/v4/trackings ...
    fake.stop()

Each instance owns a fresh copy of the seeded dataset (tests/behaviour/dataset.py): creates,
updates and deletes change that copy only. The fake stores v4 trackings; a 2025-01 response
is the v4 response of the same operation translated by `migrator.api.translate_document`,
so both versions show the same facts through one transformation. 2025-01 request bodies are
validated against migrator/schemas/2025-01/<kind>-request.json and mapped back to v4 fields.

Run `python tests/behaviour/fakeapi.py` to serve until Ctrl-C; it prints the port.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

try:
    from . import dataset
except ImportError:  # run as a script: python tests/behaviour/fakeapi.py
    import dataset

from migrator.api import translate_document
from migrator.schemas import validation_errors

V4, V2025 = "v4", "2025-01"
PREFIXES = {V4: "/v4", V2025: "/tracking/2025-01"}
KEY_HEADERS = {V4: "aftership-api-key", V2025: "as-api-key"}
MAX_REQUESTS = 300  # per instance: a client stuck in a loop gets 429s and ends, instead of timing out
_TYPES = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 429: "TooManyRequests"}


class ApiError(Exception):
    """An error answer: HTTP status, meta code, message, and the `data` to send along."""

    def __init__(self, status: int, code: int, message: str, data: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.data = status, code, message, data or {}


def _not_found() -> ApiError:
    return ApiError(404, 4004, "Tracking does not exist.")


def _parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time (offset-aware; a date or naive time counts as UTC), or None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _as_list(value) -> list[str]:
    """v4 accepted a string or a list for emails, smses and slug."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


# 2025-01 request field -> v4 field (the renames of the create/update bodies).
_REQUEST_RENAMES = {
    "origin_country_region": "origin_country_iso3",
    "destination_country_region": "destination_country_iso3",
    "tracking_origin_country_region": "tracking_origin_country",
    "tracking_destination_country_region": "tracking_destination_country",
}


def _request_to_v4(body: dict) -> dict:
    """A (valid) 2025-01 create/update body as the v4 tracking fields it sets."""
    fields = {}
    for key, value in body.items():
        if key == "customers":
            customers = value or []
            names = [c["name"] for c in customers if c.get("name")]
            fields["customer_name"] = names[0] if names else None
            fields["emails"] = [c["email"] for c in customers if c.get("email")]
            fields["smses"] = [c["phone_number"] for c in customers if c.get("phone_number")]
        else:
            fields[_REQUEST_RENAMES.get(key, key)] = value
    return fields


class FakeAfterShip:
    """The fake server; one instance per client run."""

    def __init__(self, v4_retired: bool = False) -> None:
        # After the rewrite v4 answers 404, as AfterShip's does since 2025-10-09: a v4 call left
        # behind (inside a library the program still uses, say) fails as it would in production.
        self.v4_retired = v4_retired
        data = dataset.fresh()
        self.trackings: list[dict] = data["trackings"]
        self.couriers: list[dict] = data["couriers"]
        self.requests: list[tuple[str, str]] = []  # (method, path with query), in arrival order
        self.refused: list[Refusal] = []  # the requests answered with an error status
        self._created = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.routes = self._routes()

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> "FakeAfterShip":
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() returns within 20 ms (serve_forever checks for shutdown at each poll).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-aftership",
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> "FakeAfterShip":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- routing ---------------------------------------------------------------------------

    def _routes(self):
        """(version, method, path regex) -> handler; the path is what follows the version prefix."""
        sn = r"(?P<slug>[^/]+)/(?P<number>[^/]+)"
        tid = r"(?P<id>[^/]+)"
        both = (V4, V2025)
        table = [
            (both, "GET", r"/trackings", self.list_trackings),
            (both, "POST", r"/trackings", self.create_tracking),
            (both, "GET", rf"/trackings/{tid}", self.get_tracking),
            (both, "PUT", rf"/trackings/{tid}", self.update_tracking),
            (both, "DELETE", rf"/trackings/{tid}", self.delete_tracking),
            (both, "POST", rf"/trackings/{tid}/retrack", self.retrack),
            (both, "POST", rf"/trackings/{tid}/mark-as-completed", self.mark_as_completed),
            ((V4,), "GET", rf"/trackings/{sn}", self.get_tracking),
            ((V4,), "PUT", rf"/trackings/{sn}", self.update_tracking),
            ((V4,), "DELETE", rf"/trackings/{sn}", self.delete_tracking),
            ((V4,), "POST", rf"/trackings/{sn}/retrack", self.retrack),
            ((V4,), "POST", rf"/trackings/{sn}/mark-as-completed", self.mark_as_completed),
            ((V4,), "GET", rf"/last_checkpoint/{sn}", self.last_checkpoint),
            ((V4,), "GET", rf"/last_checkpoint/{tid}", self.last_checkpoint),
            ((V4,), "GET", rf"/notifications/{sn}", self.get_notification),
            ((V4,), "GET", rf"/notifications/{tid}", self.get_notification),
            ((V4,), "POST", rf"/notifications/{sn}/(?P<action>add|remove)", self.change_notification),
            ((V4,), "POST", rf"/notifications/{tid}/(?P<action>add|remove)", self.change_notification),
            (both, "GET", r"/couriers", self.list_couriers),
            (both, "GET", r"/couriers/all", self.all_couriers),
            (both, "POST", r"/couriers/detect", self.detect_couriers),
            (both, "POST", r"/estimated-delivery-date/predict-batch", self.predict_batch),
        ]
        return [(versions, method, re.compile(pattern + "/?"), handler)
                for versions, method, pattern, handler in table]

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, dict, str | None]:
        """One request -> (HTTP status, JSON body, version or None); refusals are logged."""
        status, document, version = self._handle(method, raw_path, headers, body)
        if status >= 400:
            with self._lock:
                self.refused.append(Refusal(method, urlsplit(raw_path).path, status,
                                            document.get("meta", {}).get("code", status)))
        return status, document, version

    def _handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, dict, str | None]:
        url = urlsplit(raw_path)
        with self._lock:
            self.requests.append((method, raw_path))
            count = len(self.requests)
        version = next((v for v, p in PREFIXES.items() if url.path == p or url.path.startswith(p + "/")), None)
        try:
            if count > MAX_REQUESTS:
                raise ApiError(429, 429, "You have exceeded the API call rate limit.")
            if version is None or (version == V4 and self.v4_retired):
                raise ApiError(404, 404, "The URI requested is invalid or the resource requested does not exist.")
            if not (headers.get(KEY_HEADERS[version]) or "").strip():
                raise ApiError(401, 401, f"Invalid API key: send it in the `{KEY_HEADERS[version]}` header.")
            path = url.path[len(PREFIXES[version]):] or "/"
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            for versions, route_method, pattern, handler in self.routes:
                match = pattern.fullmatch(path)
                if match and route_method == method and version in versions:
                    request = _Request(version, match.groupdict(), query, body)
                    with self._lock:
                        status, data = handler(request)
                    return status, self._answer(version, {"meta": {"code": status}, "data": data}), version
            raise ApiError(404, 404, "The URI requested is invalid or the resource requested does not exist.")
        except ApiError as error:
            document = {"meta": {"code": error.code, "message": error.message,
                                 "type": _TYPES.get(error.status, "BadRequest")}, "data": error.data}
            return error.status, self._answer(version, document), version

    @staticmethod
    def _answer(version: str | None, v4_document: dict) -> dict:
        if version != V2025:
            return v4_document
        return translate_document(v4_document).document

    # ---- helpers ---------------------------------------------------------------------------

    def _find(self, request) -> dict:
        """The tracking a path names, by id or by slug and tracking number (404 if none)."""
        params = request.params
        for tracking in self.trackings:
            if "id" in params and tracking["id"] == params["id"]:
                return tracking
            if "slug" in params and (tracking["slug"], tracking["tracking_number"]) == (
                    params["slug"].lower(), params["number"]):
                return tracking
        raise _not_found()

    @staticmethod
    def _fields(tracking: dict, fields: str | None) -> dict:
        if not fields:
            return tracking
        wanted = {"id", "slug", "tracking_number", *(f.strip() for f in fields.split(",") if f.strip())}
        return {k: v for k, v in tracking.items() if k in wanted}

    def _body(self, request, kind: str, wrapper: str | None = None) -> dict:
        """The request body checked against the version's schema, as v4 fields (unwrapped)."""
        document = request.json()
        if request.version == V4:
            if wrapper and not (isinstance(document, dict) and isinstance(document.get(wrapper), dict)):
                raise ApiError(400, 4006 if wrapper == "tracking" else 4014,
                               f"{wrapper} object is required.", {})
            errors = validation_errors(V4, kind, document)
            if errors:
                raise ApiError(400, 4001, f"Invalid JSON data: {errors[0]}")
            return document[wrapper] if wrapper else document
        errors = validation_errors(V2025, kind, document)
        if errors:
            raise ApiError(400, 4001, f"Invalid JSON data: {errors[0]}")
        return document

    def _detect(self, number: str, slugs: list[str]) -> list[dict]:
        found = []
        for slug, pattern in dataset.DETECT_PATTERNS:
            if (not slugs or slug in slugs) and re.fullmatch(pattern, number.upper()):
                found.append(next(c for c in self.couriers if c["slug"] == slug))
        return found

    # ---- trackings -------------------------------------------------------------------------

    def _select(self, request) -> list[dict]:
        """The trackings matching the list filters, newest first."""
        q = request.query
        slugs = _as_list(q.get("slug"))
        tags = _as_list(q.get("tag"))
        numbers = _as_list(q.get("tracking_numbers"))
        origin = _as_list(q.get("origin"))
        destination = _as_list(q.get("destination"))
        keyword = (q.get("keyword") or "").lower()
        bounds = {}
        for name in ("created_at_min", "created_at_max"):
            if q.get(name):
                bounds[name] = _parse_time(q[name])
                if bounds[name] is None and request.version == V2025:
                    raise ApiError(400, 4008, f"The value of {name} is invalid.")
        selected = []
        for t in self.trackings:
            searchable = [t["tracking_number"], t.get("title"), t.get("order_id"), t.get("order_number"),
                          t.get("customer_name"), *(t.get("emails") or []), *(t.get("smses") or [])]
            created = _parse_time(t["created_at"])
            if ((slugs and t["slug"] not in slugs) or (tags and t["tag"] not in tags)
                    or (numbers and t["tracking_number"] not in numbers)
                    or (origin and t.get("origin_country_iso3") not in origin)
                    or (destination and t.get("destination_country_iso3") not in destination)
                    or (keyword and not any(keyword in (s or "").lower() for s in searchable))
                    or (bounds.get("created_at_min") and created < bounds["created_at_min"])
                    or (bounds.get("created_at_max") and created > bounds["created_at_max"])):
                continue
            selected.append(t)
        return sorted(selected, key=lambda t: _parse_time(t["created_at"]), reverse=True)

    @staticmethod
    def _limit(query) -> int:
        try:
            limit = int(query.get("limit") or 100)
        except ValueError:
            raise ApiError(400, 4008, "The value of limit is invalid.") from None
        if not 1 <= limit <= 200:
            raise ApiError(400, 4008, "The value of limit is invalid.")
        return limit

    def list_trackings(self, request):
        q = request.query
        selected = self._select(request)
        limit = self._limit(q)
        if request.version == V4:
            try:
                page = int(q.get("page") or 1)
            except ValueError:
                raise ApiError(400, 4008, "The value of page is invalid.") from None
            if page < 1:
                raise ApiError(400, 4008, "The value of page is invalid.")
            start = (page - 1) * limit
        else:
            start = _decode_cursor(q.get("cursor"))
        shown = [copy.deepcopy(self._fields(t, q.get("fields"))) for t in selected[start:start + limit]]
        if request.version == V2025:
            following = start + limit
            more = following < len(selected)
            return 200, {"trackings": shown, "pagination": {
                "total": len(selected), "next_cursor": _encode_cursor(following) if more else None,
                "has_next_page": more}}
        return 200, {
            "page": page, "limit": limit, "count": len(selected), "keyword": q.get("keyword", ""),
            "slug": q.get("slug", ""), "origin": _as_list(q.get("origin")),
            "destination": _as_list(q.get("destination")), "tag": q.get("tag", ""),
            "fields": q.get("fields", ""), "created_at_min": q.get("created_at_min", ""),
            "created_at_max": q.get("created_at_max", ""), "trackings": shown}

    def create_tracking(self, request):
        fields = self._body(request, "create-tracking-request", "tracking")
        if request.version == V2025:
            fields = _request_to_v4(fields)
        number = fields["tracking_number"]
        slugs = [s.lower() for s in _as_list(fields.get("slug"))]
        known = {c["slug"]: c for c in self.couriers}
        if any(s not in known for s in slugs):
            raise ApiError(400, 4010, "The value of slug is invalid.")
        candidates = [known[slugs[0]]] if len(slugs) == 1 else self._detect(number, slugs)
        if not candidates:
            raise ApiError(400, 4012, "Cannot detect courier. Activate courier at https://admin.aftership.com/settings/couriers.")
        slug = candidates[0]["slug"]
        missing = [f for f in candidates[0]["required_fields"] if not fields.get(f)]
        if missing:
            raise ApiError(400, 4011, f"Missing or invalid value of the required fields for this courier. "
                                      f"Besides tracking_number, also required: {', '.join(missing)}")
        for existing in self.trackings:
            if (existing["slug"], existing["tracking_number"]) == (slug, number):
                raise ApiError(400, 4003, "Tracking already exists.", {"tracking": {
                    "slug": slug, "tracking_number": number, "id": existing["id"],
                    "created_at": existing["created_at"]}})
        self._created += 1
        moment = datetime.fromisoformat("2025-03-05T12:00:00+00:00") + timedelta(minutes=self._created)
        tracking = _new_tracking(f"7c1d{self._created:020d}", number, slug, moment.isoformat())
        for key, value in fields.items():
            if key in ("emails", "smses"):
                value = _as_list(value)
            if key not in ("slug", "tracking_number"):
                tracking[key] = value
        if not tracking.get("title"):
            tracking["title"] = number
        self.trackings.append(tracking)
        return 201, {"tracking": copy.deepcopy(tracking)}

    def get_tracking(self, request):
        return 200, {"tracking": copy.deepcopy(self._fields(self._find(request), request.query.get("fields")))}

    def update_tracking(self, request):
        tracking = self._find(request)
        fields = self._body(request, "update-tracking-request", "tracking")
        if request.version == V2025:
            fields = _request_to_v4(fields)
        for key, value in fields.items():
            if key in ("emails", "smses"):
                value = _as_list(value)
            if key != "tracking_number":
                tracking[key] = value
        tracking["updated_at"] = "2025-03-05T13:00:00+00:00"
        return 200, {"tracking": copy.deepcopy(tracking)}

    def delete_tracking(self, request):
        tracking = self._find(request)
        self.trackings.remove(tracking)
        return 200, {"tracking": copy.deepcopy(tracking)}

    def retrack(self, request):
        tracking = self._find(request)
        if tracking.get("active"):
            raise ApiError(400, 4013, "Retrack is not allowed. You can only retrack an inactive tracking.")
        tracking["active"] = True
        return 200, {"tracking": copy.deepcopy(tracking)}

    def mark_as_completed(self, request):
        tracking = self._find(request)
        body = self._body(request, "mark-as-completed-request")
        tag, subtag, message = {
            "DELIVERED": ("Delivered", "Delivered_001", "Delivered"),
            "LOST": ("Exception", "Exception_013", "Shipment lost"),
            "RETURNED_TO_SENDER": ("Exception", "Exception_011", "Returned to sender"),
        }[body["reason"]]
        tracking.update(active=False, tag=tag, subtag=subtag, subtag_message=message)
        return 200, {"tracking": copy.deepcopy(tracking)}

    def last_checkpoint(self, request):
        tracking = self._find(request)
        checkpoints = tracking.get("checkpoints") or []
        return 200, {"id": tracking["id"], "tracking_number": tracking["tracking_number"],
                     "slug": tracking["slug"], "tag": tracking["tag"], "subtag": tracking["subtag"],
                     "subtag_message": tracking["subtag_message"],
                     "checkpoint": copy.deepcopy(checkpoints[-1]) if checkpoints else None}

    # ---- notifications (v4 only) -------------------------------------------------------------

    @staticmethod
    def _notification(tracking):
        return {"notification": {"emails": list(tracking.get("emails") or []),
                                 "smses": list(tracking.get("smses") or [])}}

    def get_notification(self, request):
        return 200, self._notification(self._find(request))

    def change_notification(self, request):
        tracking = self._find(request)
        document = self._body(request, "notification-request", "notification")
        for key in ("emails", "smses"):
            current = list(tracking.get(key) or [])
            for value in _as_list(document.get(key)):
                if request.params["action"] == "add" and value not in current:
                    current.append(value)
                elif request.params["action"] == "remove" and value in current:
                    current.remove(value)
            tracking[key] = current
        return 200, self._notification(tracking)

    # ---- couriers and EDD --------------------------------------------------------------------

    def list_couriers(self, request):
        couriers = [c for c in self.couriers if c["slug"] in dataset.ACCOUNT_COURIER_SLUGS]
        return 200, {"total": len(couriers), "couriers": copy.deepcopy(couriers)}

    def all_couriers(self, request):
        return 200, {"total": len(self.couriers), "couriers": copy.deepcopy(self.couriers)}

    def detect_couriers(self, request):
        body = self._body(request, "detect-courier-request", "tracking")
        couriers = self._detect(body["tracking_number"], [s.lower() for s in _as_list(body.get("slug"))])
        return 200, {"total": len(couriers), "couriers": copy.deepcopy(couriers)}

    def predict_batch(self, request):
        body = self._body(request, "predict-batch-request")
        answers = []
        for item in body["estimated_delivery_dates"]:
            item = copy.deepcopy(item)
            for side in ("origin_address", "destination_address"):  # the answer is built in v4 shape
                address = item.get(side) or {}
                if "country_region" in address:
                    address["country"] = address.pop("country_region")
            answers.append({**item, **_estimate_dates(item)})
        return 200, {"estimated_delivery_dates": answers}


def _estimate_dates(item: dict) -> dict:
    """A deterministic EDD: pickup date + 2 days at home, + 4 abroad, + 1 over 5 kg."""
    pickup = item.get("pickup_time") or (item.get("estimated_pickup") or {}).get("order_time") or "2025-03-01"
    start = _parse_time(pickup) or _parse_time("2025-03-01")
    origin = (item.get("origin_address") or {}).get("country")
    destination = (item.get("destination_address") or {}).get("country")
    days = 2 if origin == destination else 4
    weight = item.get("weight") or {}
    kilos = (weight.get("value") or 0) * (0.4536 if weight.get("unit") == "lb" else 1)
    days += 1 if kilos > 5 else 0
    day = start.date()
    return {"estimated_delivery_date": (day + timedelta(days=days)).isoformat(),
            "estimated_delivery_date_min": (day + timedelta(days=days - 1)).isoformat(),
            "estimated_delivery_date_max": (day + timedelta(days=days + 1)).isoformat(),
            "confidence_score": 0.75}


def _new_tracking(tracking_id: str, number: str, slug: str, created_at: str) -> dict:
    """A just-created v4 tracking: every field of the seeded ones, Pending, no checkpoints."""
    template = dict.fromkeys(dataset.TRACKINGS[0], None)
    template.update(
        id=tracking_id, created_at=created_at, updated_at=created_at, last_updated_at=created_at,
        tracking_number=number, slug=slug, active=True, android=[], ios=[], custom_fields={},
        delivery_time=0, emails=[], smses=[], tag="Pending", subtag="Pending_001",
        subtag_message="No information", tracked_count=0, unique_token="deprecated", checkpoints=[],
        subscribed_smses=[], subscribed_emails=[], return_to_sender=False, order_tags=[],
        shipment_tags=[], next_couriers=[], source="api")
    return template


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["offset"]
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, 4008, "The value of cursor is invalid.") from None
    if not isinstance(offset, int) or offset < 0:
        raise ApiError(400, 4008, "The value of cursor is invalid.")
    return offset


class _Request:
    def __init__(self, version: str, params: dict, query: dict, body: bytes) -> None:
        self.version, self.params, self.query, self.body = version, params, query, body

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise ApiError(400, 4001, "Invalid JSON data.") from None


@dataclass(frozen=True)
class Refusal:
    """A request the fake answered with an error status (the harness explains differences by them)."""

    method: str
    path: str
    status: int
    code: int


class _Handler(BaseHTTPRequestHandler):
    api: FakeAfterShip
    protocol_version = "HTTP/1.1"  # keep-alive, as the client libraries expect

    def _serve(self) -> None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = self._read_chunks()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        status, document, version = self.api.handle(self.command, self.path, self.headers, body)
        payload = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if version == V2025:
            self.send_header("as-api-version", V2025)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def _read_chunks(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def log_message(self, format, *args) -> None:  # quiet: the harness compares program output
        pass


def main() -> None:
    fake = FakeAfterShip().start()
    print(fake.port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
