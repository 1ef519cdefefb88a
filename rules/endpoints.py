"""Guide §2: endpoints removed in 2025-01 (slug/tracking_number paths, last_checkpoint, notifications)."""

from migrator.catalogue import CodeExample, PayloadExample, Rule

SLUG_NUMBER_ENDPOINTS = Rule(
    code="AS201",
    name="slug-number-endpoints",
    title="/trackings/{slug}/{tracking_number} endpoints are replaced by /trackings/{id}",
    guide="§2 API Endpoints Deprecation",
    engines=frozenset({"code"}),
    residual=("endpoint:slug-number",),
    safety="unsafe",
    summary="""
GET, PUT and DELETE /trackings/{slug}/{tracking_number}, and its /retrack and
/mark-as-completed, are gone: 2025-01 addresses a tracking by id only. Safe mode reports the
call. With --unsafe-fixes the id is looked up first with
GET /trackings?slug=...&tracking_numbers=... (one more request, in the HTTP library the call
already uses: requests, httpx, aiohttp or urllib) and the call goes to /trackings/{id}.
The lookup keeps the v4 call's error contract: a failed lookup raises the library's HTTP error
(`raise_for_status`; urllib raises HTTPError itself), and a tracking that does not exist gives
an id of None, so the call answers 404 exactly as the v4 call did.
""",
    examples=(
        CodeExample(
            before='import requests\n\ndef fetch(slug, number):\n'
                   '    return requests.get(f"https://api.aftership.com/v4/trackings/{slug}/{number}", headers=HEADERS)\n',
            after='import requests\n\ndef fetch(slug, number):\n'
                  '    return requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{slug}/{number}", headers=HEADERS)\n',
            findings=("AS201",),
        ),
        CodeExample(
            before='import requests\n\ndef fetch(slug, number):\n'
                   '    return requests.get(f"https://api.aftership.com/v4/trackings/{slug}/{number}", headers=HEADERS)\n',
            after='import requests\n\ndef fetch(slug, number):\n'
                  '    lookup = requests.get("https://api.aftership.com/tracking/2025-01/trackings", '
                  'params={"slug": slug, "tracking_numbers": number}, headers=HEADERS)\n'
                  '    lookup.raise_for_status()\n'
                  '    tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '    return requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tracking_id}", headers=HEADERS)\n',
            unsafe_fixes=True,
        ),
    ),
)

LAST_CHECKPOINT = Rule(
    code="AS202",
    name="last-checkpoint-endpoint",
    title="/last_checkpoint is removed: GET /trackings/{id} and take the last checkpoint",
    guide="§2 API Endpoints Deprecation",
    engines=frozenset({"code", "payload"}),
    residual=("endpoint:last-checkpoint",),
    safety="unsafe",
    summary="""
Use GET /trackings/{id} and read the last element of `checkpoints` instead.
In code, /last_checkpoint/{id} becomes /trackings/{id} with --unsafe-fixes (the response shape
changes: `data.checkpoint` becomes `data.checkpoints[-1]`, rewritten in the same function);
the slug/number form is reported. Stored last_checkpoint bodies have no 2025-01 counterpart
and are refused: re-fetch the tracking instead.
""",
    examples=(
        CodeExample(
            before='import requests\n\ndef last(tid):\n'
                   '    body = requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}", headers=H).json()\n'
                   '    return body["data"]["checkpoint"]\n',
            after='import requests\n\ndef last(tid):\n'
                  '    body = requests.get(f"https://api.aftership.com/tracking/2025-01/last_checkpoint/{tid}", headers=H).json()\n'
                  '    return body["data"]["checkpoint"]\n',
            findings=("AS202",),
        ),
        CodeExample(
            before='import requests\n\ndef last(tid):\n'
                   '    body = requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}", headers=H).json()\n'
                   '    return body["data"]["checkpoint"]\n',
            after='import requests\n\ndef last(tid):\n'
                  '    body = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}", headers=H).json()\n'
                  '    return body["data"]["checkpoints"][-1]\n',
            unsafe_fixes=True,
        ),
        PayloadExample(
            kind="last-checkpoint-response",
            before={"meta": {"code": 200}, "data": {"id": "k5x2pq9rt7wz3mn8bv4cy6dj", "tracking_number": "RR1",
                                                    "slug": "royal-mail", "tag": "InTransit",
                                                    "checkpoint": {"message": "Sorted", "tag": "InTransit"}}},
            after=None,
            refused=True,
        ),
    ),
)

NOTIFICATIONS = Rule(
    code="AS203",
    name="notifications-endpoints",
    title="/notifications is removed: update the tracking's `customers` instead",
    guide="§2 API Endpoints Deprecation",
    engines=frozenset({"code", "payload"}),
    residual=("endpoint:notifications",),
    safety="manual",
    summary="""
Use PUT /trackings/{id} with `customers` to add or remove recipients and GET /trackings/{id}
to read them. Add/remove semantics need a read-modify-write, so calls are reported, not
rewritten. Stored notification bodies have no 2025-01 counterpart and are refused.
""",
    examples=(
        CodeExample(
            before='import requests\nrequests.post(f"https://api.aftership.com/v4/notifications/{tid}/add", '
                   'json={"notification": {"emails": [e]}}, headers=H)\n',
            after='import requests\nrequests.post(f"https://api.aftership.com/tracking/2025-01/notifications/{tid}/add", '
                  'json={"notification": {"emails": [e]}}, headers=H)\n',
            findings=("AS203",),
        ),
        PayloadExample(
            kind="notification-request",
            before={"notification": {"emails": ["ana@example.com"], "smses": []}},
            after=None,
            refused=True,
        ),
    ),
)

RULES = (SLUG_NUMBER_ENDPOINTS, LAST_CHECKPOINT, NOTIFICATIONS)
