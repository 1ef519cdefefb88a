"""Guide §4-§6 (and api-mapping §4 facts the guide misses): the tracking and checkpoint fields."""

from __future__ import annotations

import math
import re
from datetime import date

from migrator.catalogue import CodeExample, Fixer, PayloadExample, Rule, fixes
from migrator.lazy import lazy_module
from migrator.payload.ops import Remove, Rename, RenameValue, Reshape, is_empty

from ._scopes import CREATE, DETECT, LIST_QUERY, RESPONSE, UPDATE, WRITE

bodies = lazy_module("migrator.codemod.bodies")
cst = lazy_module("libcst")
edits = lazy_module("migrator.codemod.edits")
shapes = lazy_module("migrator.codemod.shapes")

MAX_CUSTOMERS = 3


def _to_float(value, limit: float):
    """A finite number within ±limit, from a number or a numeric string; else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value) if isinstance(value, (int, float)) else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and abs(number) <= limit else None


def _coordinates_to_coordinate(obj: dict, path, ctx) -> dict:
    value = obj.pop("coordinates")
    if not value and type(value) is list and "coordinate" not in obj:
        obj["coordinate"] = None  # v4's usual `[]`: null, nothing lost (as below, without the tests)
        return obj
    coordinate = None
    if isinstance(value, list) and len(value) == 2:
        latitude, longitude = _to_float(value[0], 90), _to_float(value[1], 180)
        if latitude is not None and longitude is not None:
            coordinate = {"latitude": latitude, "longitude": longitude}
            if any(isinstance(v, str) for v in value):
                ctx.report("coerced", path + ("coordinates",), value,
                           "string coordinates read as numbers, in [latitude, longitude] order")
    if "coordinate" in obj:
        if coordinate is not None and obj["coordinate"] != coordinate:
            ctx.report("dropped", path + ("coordinates",), value, "`coordinate` is already present")
        return obj
    if coordinate is None and not is_empty(value):
        ctx.report("dropped", path + ("coordinates",), value,
                   "not a [latitude, longitude] pair of numbers in range")
    obj["coordinate"] = coordinate
    return obj


COORDINATES = Rule(
    code="AS301",
    name="coordinates-to-coordinate",
    title="`checkpoints[].coordinates` array becomes the `coordinate` object",
    guide="§5.1 Coordinates field replaced by Coordinate",
    engines=frozenset({"code", "payload"}),
    safety="unsafe",
    summary="""
`[lat, lng]` becomes `{"latitude": lat, "longitude": lng}` (strings are read as numbers and
reported as coerced); `[]` becomes null. v4 never documented the order: [latitude, longitude]
is assumed, as v4's own SDK comments did. Anything else is dropped and reported. In code, a
read of `coordinates` is reported; with --unsafe-fixes it is rewritten to build the same
[latitude, longitude] pair from `coordinate` (numbers, where v4 often sent strings), or `[]`.
""",
    changes=(Reshape(("coordinates",), _coordinates_to_coordinate, ("checkpoint",)),),
    code_reads={"coordinates": '([{obj}["coordinate"]["latitude"], {obj}["coordinate"]["longitude"]] '
                               'if {obj}.get("coordinate") else [])'},
    examples=(
        PayloadExample(
            kind="tracking",
            before={"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "tracking_number": "1Z9", "legacy_id": "aaaaaaaaaaaaaaaaaaaaaaaa",
                    "checkpoints": [{"coordinates": ["52.37", "4.89"]}, {"coordinates": []}]},
            after={"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "tracking_number": "1Z9", "legacy_id": "aaaaaaaaaaaaaaaaaaaaaaaa",
                   "checkpoints": [{"coordinate": {"latitude": 52.37, "longitude": 4.89}}, {"coordinate": None}]},
            reported=("coerced:$.checkpoints[0].coordinates",),
        ),
        CodeExample(
            before='def where(body):\n    cp = body["data"]["tracking"]["checkpoints"][-1]\n    return cp["coordinates"]\n'
                   'URL = "https://api.aftership.com/v4/trackings"\n',
            after='def where(body):\n    cp = body["data"]["checkpoints"][-1]\n    return cp["coordinates"]\n'
                  'URL = "https://api.aftership.com/tracking/2025-01/trackings"\n',
            findings=("AS301",),
        ),
        CodeExample(
            before='def where(body):\n    cp = body["data"]["tracking"]["checkpoints"][-1]\n    return cp["coordinates"]\n'
                   'URL = "https://api.aftership.com/v4/trackings"\n',
            after='def where(body):\n    cp = body["data"]["checkpoints"][-1]\n'
                  '    return ([cp["coordinate"]["latitude"], cp["coordinate"]["longitude"]] if cp.get("coordinate") else [])\n'
                  'URL = "https://api.aftership.com/tracking/2025-01/trackings"\n',
            unsafe_fixes=True,
        ),
    ),
)


def _keep_legacy_id(obj: dict, path, ctx) -> dict:
    identifier = obj.get("id")
    if isinstance(identifier, str) and len(identifier) == 24 and "legacy_id" not in obj:
        obj["legacy_id"] = identifier
        ctx.touch()
    return obj


LEGACY_ID = Rule(
    code="AS302",
    name="tracking-id-legacy-id",
    title="Tracking ids grow from 24 to 32 characters; the old id is kept as `legacy_id`",
    guide="§5.2 Tracking ID format changed; §4 (legacy_id)",
    engines=frozenset({"code", "payload"}),
    residual=("id-length",),
    safety="manual",
    summary="""
A stored v4 tracking gets `legacy_id` = its 24-character id. Its 32-character 2025-01 id cannot
be derived offline, so `id` keeps the legacy value, which every 2025-01 endpoint still accepts
as {id}; re-fetch the tracking to learn the new id. In code, checks of a 24-character length
next to tracking ids (`len(x) == 24`, `max_length=24`) are reported.
""",
    changes=(Reshape(("id",), _keep_legacy_id, RESPONSE, replaces_keys=False),),
    examples=(
        PayloadExample(
            kind="tracking",
            before={"id": "k5x2pq9rt7wz3mn8bv4cy6dj", "tracking_number": "RR123456789CN", "tag": "Pending"},
            after={"id": "k5x2pq9rt7wz3mn8bv4cy6dj", "tracking_number": "RR123456789CN", "tag": "Pending",
                   "legacy_id": "k5x2pq9rt7wz3mn8bv4cy6dj"},
        ),
        CodeExample(
            before='from django.db import models\n\nclass Shipment(models.Model):\n'
                   '    aftership_tracking_id = models.CharField(max_length=24)\n'
                   'API = "https://api.aftership.com/v4"\n',
            after='from django.db import models\n\nclass Shipment(models.Model):\n'
                  '    aftership_tracking_id = models.CharField(max_length=24)\n'
                  'API = "https://api.aftership.com/tracking/2025-01"\n',
            findings=("AS302",),
        ),
    ),
)


_LONGER_IDS = "2025-01 tracking ids have 32 characters (legacy ids 24)"


@fixes(LEGACY_ID)
class LegacyIdFixer(Fixer):
    """`len(tracking_id) == 24` and `CharField(max_length=24)` in a statement about ids."""

    def visit_Comparison(self, node) -> None:
        left = node.left
        if (isinstance(left, cst.Call) and shapes.is_name(left.func, "len") and len(node.comparisons) == 1
                and shapes.is_integer(node.comparisons[0].comparator, "24") and "id" in edits.code_of(left).lower()):
            self.report(node, _LONGER_IDS)

    def visit_Call(self, node) -> None:
        for arg in node.args:
            if (arg.keyword is not None and arg.keyword.value == "max_length" and shapes.is_integer(arg.value, "24")
                    and self.file.current_statement
                    and "id" in edits.code_of(self.file.current_statement[-1]).lower()):
                self.report(arg, _LONGER_IDS)


def _slug_string_to_list(obj: dict, path, ctx) -> dict:
    slug = obj.get("slug")
    if isinstance(slug, str):
        obj["slug"] = [part.strip() for part in slug.split(",") if part.strip()]
        ctx.touch()
    return obj


DETECT_SLUG_LIST = Rule(
    code="AS303",
    name="detect-slug-list",
    title="Detect-courier `slug` must be a list, not a comma-separated string",
    guide="§5.3 Slug format change",
    engines=frozenset({"code", "payload"}),
    residual=("comma-slug",),
    safety="safe",
    summary="""
`"ups,fedex"` becomes `["ups", "fedex"]` in POST /couriers/detect bodies.
""",
    changes=(Reshape(("slug",), _slug_string_to_list, DETECT, replaces_keys=False),),
    examples=(
        PayloadExample(
            kind="detect-courier-request",
            before={"tracking": {"tracking_number": "1Z999AA10123456784", "slug": "ups, fedex"}},
            after={"tracking_number": "1Z999AA10123456784", "slug": ["ups", "fedex"]},
        ),
        CodeExample(
            before='import requests\nrequests.post("https://api.aftership.com/v4/couriers/detect", '
                   'json={"tracking": {"tracking_number": n, "slug": "ups,fedex"}})\n',
            after='import requests\nrequests.post("https://api.aftership.com/tracking/2025-01/couriers/detect", '
                  'json={"tracking_number": n, "slug": ["ups", "fedex"]})\n',
        ),
    ),
)


@fixes(DETECT_SLUG_LIST)
class DetectSlugListFixer(Fixer):
    """`"ups,fedex"` -> `["ups", "fedex"]` in a detect body, and a name that always holds a string
    -> the same split the translator makes, with the comma strings behind it."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.slug_sources: dict[int, list] = {}  # id of a slug name sent in a detect body -> its strings

    def plan_body(self, tracer, literal, how: str, scope: str) -> None:
        """A slug sent by name may be split where it is sent (_slug_list); the strings it comes
        from are migrated with it, so their residues wait for the module's end, when it is known
        whether the split was made."""
        # "wrapped" is a body that may hold the v4 wrapper: its `slug`, if any, is the body's own.
        if scope != "detect-request" or how not in ("request", "wrapped") or not self.file.rules.may_fix(self.rule):
            return
        for key, value in bodies.literal_items(literal):
            split = _split_name(value) if key == "slug" else None  # split by an earlier run: migrated with it
            if split is not None and tracer.holds_text(split):
                for source in tracer.text_literals(split):
                    self.file.covered(source, self.rule)
            elif key == "slug" and isinstance(value, cst.Name) and tracer.holds_text(value):
                sources = tracer.text_literals(value)
                self.slug_sources[id(value)] = sources
                self.file.hold_residues(sources)

    def leave_body_item(self, original, element, key: str, scope: str):
        if scope == "detect-request" and key == "slug":
            as_list = self._slug_list(original, element.value)
            if as_list is not None:
                return element.with_changes(value=as_list)
            if not isinstance(element.value, (cst.List, cst.ListComp)) and \
                    not bodies.value_conforms(original.value, "slug", scope, self.rule):
                self.report(original, f"`slug` as sent here may not be what 2025-01 takes: {self.rule.title}")
        return element

    def leave_Assign(self, original, updated):
        # body["tracking"]["slug"] = "ups,fedex" in a detect body built over statements.
        target = original.targets[0].target if len(original.targets) == 1 else None
        if not isinstance(target, cst.Subscript) or shapes.subscript_key(target) != "slug":
            return updated
        parent = self.file.tracer.shape_of(target.value)
        if parent is None or parent.kind != "request" or parent.scope != "detect-request":
            return updated
        as_list = self._slug_list(original, updated.value)
        if as_list is None and not bodies.value_conforms(original.value, "slug", "detect-request", self.rule):
            self.report(original, f"`slug` as set here may not be what 2025-01 takes: {self.rule.title}")
        return updated if as_list is None else updated.with_changes(value=as_list)

    def _slug_list(self, node, value):
        """The list for `value` (None when nothing to do or not sure)."""
        if isinstance(value, cst.Name) and self.file.tracer.holds_text(value):
            if not self.fix(node):
                return None
            for source in self.slug_sources.get(id(node.value), ()):  # the constants it splits
                self.file.covered(source, self.rule)
            return cst.parse_expression(f'[part.strip() for part in {value.value}.split(",") if part.strip()]')
        if not isinstance(value, cst.SimpleString):
            return None
        text = shapes.string_key(value) or ""
        if "," not in text or not self.fix(node):
            return None
        quote = value.quote if value.quote in ('"', "'") else '"'
        items = ", ".join(f"{quote}{part.strip()}{quote}" for part in text.split(",") if part.strip())
        return cst.parse_expression(f"[{items}]")

def _split_name(value) -> cst.Name | None:
    """NAME of `[part.strip() for part in NAME.split(",") if part.strip()]`, the split this rule
    writes for a slug held in a name."""
    if not isinstance(value, cst.ListComp) or not isinstance(value.for_in.iter, cst.Call):
        return None
    call = value.for_in.iter
    if shapes.method_call(call, "split") and isinstance(call.func.value, cst.Name) and len(call.args) == 1 \
            and shapes.string_key(call.args[0].value) == ",":
        return call.func.value
    return None


ORDER_PROMISED_DATE = Rule(
    code="AS304",
    name="order-promised-delivery-date",
    title="`order_promised_delivery_date` keeps its value; 2025-01 also accepts time and zone",
    guide="§5.4 order_promised_delivery_date new value format",
    engines=frozenset({"payload"}),
    safety="safe",
    summary="""
Every v4 value (YYYY-MM-DD) is a valid 2025-01 value, so it passes through unchanged. It stays
a string in 2025-01 (it becomes an object only in 2026-01).
""",
    examples=(
        PayloadExample(
            kind="update-tracking-request",
            before={"tracking": {"order_promised_delivery_date": "2024-05-20"}},
            after={"order_promised_delivery_date": "2024-05-20"},
        ),
    ),
)


def _expected_delivery(obj: dict, path, ctx) -> dict:
    value = obj.pop("expected_delivery")
    if "courier_estimated_delivery_date" in obj:
        if not is_empty(value):
            ctx.report("dropped", path + ("expected_delivery",), value,
                       "`courier_estimated_delivery_date` is already present")
        return obj
    obj["courier_estimated_delivery_date"] = None if value is None else {
        "estimated_delivery_date": value, "estimated_delivery_date_min": None, "estimated_delivery_date_max": None}
    return obj


EXPECTED_DELIVERY = Rule(
    code="AS305",
    name="expected-delivery",
    title="`expected_delivery` becomes `courier_estimated_delivery_date.estimated_delivery_date`",
    guide="§5.5 expected_delivery renamed and structure changed",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    summary="""
The string moves into an object that can also hold a range: `{estimated_delivery_date: v,
estimated_delivery_date_min: null, estimated_delivery_date_max: null}`; null stays null.
In code, `t["expected_delivery"]` and `t.get("expected_delivery")` become a None-safe read of
the new field.
""",
    changes=(Reshape(("expected_delivery",), _expected_delivery, RESPONSE),),
    code_reads={"expected_delivery":
                '({obj}.get("courier_estimated_delivery_date") or {{}}).get("estimated_delivery_date")'},
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "9400", "expected_delivery": "2024-03-02"},
            after={"tracking_number": "9400", "courier_estimated_delivery_date": {
                "estimated_delivery_date": "2024-03-02", "estimated_delivery_date_min": None,
                "estimated_delivery_date_max": None}},
        ),
        CodeExample(
            before='import requests\n\ndef eta(tid):\n'
                   '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                   '    return t["expected_delivery"]\n',
            after='import requests\n\ndef eta(tid):\n'
                  '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                  '    return (t.get("courier_estimated_delivery_date") or {}).get("estimated_delivery_date")\n',
        ),
    ),
)


def _next_couriers_to_last_mile(keys: tuple[str, ...], empty_is_null: bool):
    def reshape(obj: dict, path, ctx) -> dict:
        couriers = obj.pop("next_couriers")
        if not keys:
            if not is_empty(couriers):
                ctx.report("dropped", path + ("next_couriers",), couriers,
                           "2025-01 update requests cannot set `last_mile`")
            return obj
        if not isinstance(couriers, list) or not couriers:
            if not is_empty(couriers):
                ctx.report("dropped", path + ("next_couriers",), couriers, "not a list of couriers")
            if empty_is_null:
                obj.setdefault("last_mile", None)
            return obj
        first, extra = couriers[0], couriers[1:]
        for i, courier in enumerate(extra, start=1):
            ctx.report("dropped", path + ("next_couriers", i), courier,
                       "2025-01 `last_mile` holds one courier; only the first is kept")
        if not isinstance(first, dict):
            ctx.report("dropped", path + ("next_couriers", 0), first, "not a courier object")
            return obj
        for key, value in first.items():
            if key not in keys and not is_empty(value):
                ctx.report("dropped", path + ("next_couriers", 0, key), value, f"`last_mile` has no `{key}`")
        if "last_mile" in obj and obj["last_mile"] is not None:
            ctx.report("dropped", path + ("next_couriers", 0), first, "`last_mile` is already present")
            return obj
        obj["last_mile"] = {key: first[key] for key in keys if key in first}
        return obj

    return reshape


NEXT_COURIERS = Rule(
    code="AS306",
    name="next-couriers-to-last-mile",
    title="`next_couriers` list becomes the `last_mile` object",
    guide="§5.6 tracking.next_couriers renamed and structure changed",
    engines=frozenset({"code", "payload"}),
    safety="unsafe",
    summary="""
The first element becomes `last_mile` ({slug, tracking_number, source} in responses;
{tracking_number, slug} in create requests); further elements are dropped and reported.
`[]` becomes null in responses. 2025-01 update requests cannot set it: dropped and reported.
In code, a read of `next_couriers` is reported, since a list becomes one object.
""",
    changes=(
        Reshape(("next_couriers",), _next_couriers_to_last_mile(("tracking_number", "slug", "source"), True), RESPONSE),
        Reshape(("next_couriers",), _next_couriers_to_last_mile(("tracking_number", "slug"), False), CREATE),
        Reshape(("next_couriers",), _next_couriers_to_last_mile((), False), UPDATE),
    ),
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "LX1", "next_couriers": [
                {"slug": "usps", "tracking_number": "9200", "source": "system"},
                {"slug": "ups", "tracking_number": "1Z2", "source": "user"}]},
            after={"tracking_number": "LX1",
                   "last_mile": {"tracking_number": "9200", "slug": "usps", "source": "system"}},
            reported=("dropped:$.next_couriers[1]",),
        ),
        CodeExample(
            before='def hook(request):\n    verify(request.headers["aftership-hmac-sha256"], request.body)\n'
                   '    payload = request.get_json()\n    for c in payload["msg"]["next_couriers"]:\n        print(c)\n',
            after='def hook(request):\n    verify(request.headers["aftership-hmac-sha256"], request.body)\n'
                  '    payload = request.get_json()\n    for c in payload["msg"]["next_couriers"]:\n        print(c)\n',
            findings=("AS104", "AS306"),
        ),
    ),
)


def _split_recipients(value) -> list[tuple[int, str]]:
    """(index in the input, recipient) pairs; blanks are skipped but keep their places."""
    if not value:
        return []
    if isinstance(value, str):
        return [(i, part.strip()) for i, part in enumerate(value.split(",")) if part.strip()]
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if not is_empty(v)]
    return []


def _recipients(obj: dict, field: str, path, ctx) -> list[tuple[int, str]]:
    """The recipients of `emails` or `smses`, taken out of `obj`; a value holding none (blanks
    only, a number, a bool, an object) has no place in `customers` and is reported dropped."""
    value = obj.pop(field, None)
    if is_empty(value):
        return []  # no recipient, nothing lost
    found = _split_recipients(value)
    if not found:
        ctx.report("dropped", path + (field,), value, "no recipient in it" if isinstance(value, (str, list))
                   else "not a list or comma-separated string of recipients")
    return found


def _recipients_to_customers(is_request: bool):
    def reshape(obj: dict, path, ctx) -> dict:
        name = obj.pop("customer_name", None)
        has_name = not is_empty(name)
        emails, phones = _recipients(obj, "emails", path, ctx), _recipients(obj, "smses", path, ctx)
        count = max(len(emails), len(phones), 1 if has_name else 0)
        customers = []
        for i in range(count):
            customer = {}
            if i == 0 and has_name:
                customer["name"] = name
            if i < len(phones):
                customer["phone_number"] = phones[i][1]
            if i < len(emails):
                customer["email"] = emails[i][1]
            customers.append(customer)
        if count > MAX_CUSTOMERS:
            for field, values in (("emails", emails), ("smses", phones)):
                for index, value in values[MAX_CUSTOMERS:]:
                    ctx.report("dropped", path + (field, index), value,
                               f"2025-01 allows at most {MAX_CUSTOMERS} customers")
            customers = customers[:MAX_CUSTOMERS]
        if "customers" in obj and obj["customers"]:
            if customers:
                ctx.report("dropped", path + ("customers",), customers,
                           "`customers` is already present; v4 recipients not merged")
            return obj
        if customers or not is_request:
            obj["customers"] = customers
        return obj

    return reshape


CUSTOMERS = Rule(
    code="AS307",
    name="recipients-to-customers",
    title="`customer_name`, `emails` and `smses` move into `customers[]`",
    guide="§5.7 customer_name, §5.8 emails, §5.9 smses replaced",
    engines=frozenset({"code", "payload"}),
    safety="unsafe",
    summary="""
Pairing: customer i gets `emails[i]` and `smses[i]`; `customer_name` goes to the first customer
(v4 had one name for the whole tracking). Comma-separated strings are split. At most 3
customers: the extras are dropped and reported. No `role` is invented. A response always gets
`customers` (possibly []), a request only when it has recipients.
In code, reads become None-safe expressions over `customers` (the first name; the list of
emails or phone numbers); writes are reported.
""",
    changes=(
        Reshape(("customer_name", "emails", "smses"), _recipients_to_customers(False), RESPONSE),
        Reshape(("customer_name", "emails", "smses"), _recipients_to_customers(True), WRITE),
    ),
    code_reads={
        "customer_name": '(({obj}.get("customers") or [{{}}])[0] or {{}}).get("name")',
        "emails": '[c["email"] for c in {obj}.get("customers") or [] if c.get("email")]',
        "smses": '[c["phone_number"] for c in {obj}.get("customers") or [] if c.get("phone_number")]',
    },
    examples=(
        PayloadExample(
            kind="create-tracking-request",
            before={"tracking": {"tracking_number": "TN1", "title": "Order 7", "customer_name": "Ana",
                                 "emails": ["a@x.io", "b@x.io", "c@x.io", "d@x.io"], "smses": "+85291230000"}},
            after={"tracking_number": "TN1", "title": "Order 7", "customers": [
                {"name": "Ana", "phone_number": "+85291230000", "email": "a@x.io"},
                {"email": "b@x.io"}, {"email": "c@x.io"}]},
            reported=("dropped:$.tracking.emails[3]",),
        ),
        PayloadExample(  # no recipient in it: reported, never dropped in silence
            kind="tracking",
            before={"tracking_number": "TN2", "customer_name": "Bo", "emails": 5, "smses": " "},
            after={"tracking_number": "TN2", "customers": [{"name": "Bo"}]},
            reported=("dropped:$.emails", "dropped:$.smses"),
        ),
        CodeExample(
            before='import requests\n\ndef who(tid):\n'
                   '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                   '    return t["customer_name"], t.get("emails")\n',
            after='import requests\n\ndef who(tid):\n'
                  '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                  '    return ((t.get("customers") or [{}])[0] or {}).get("name"), '
                  '[c["email"] for c in t.get("customers") or [] if c.get("email")]\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # keyword arguments a helper gathers into its body (`**extra`): translated at the call
            before='import requests\n\ndef create(slug, number, **extra):\n'
                   '    body = {"slug": slug, "tracking_number": number}\n    body.update(extra)\n'
                   '    return requests.post("https://api.aftership.com/v4/trackings", json={"tracking": body})\n\n'
                   'create("dhl", "1", title="Mat", customer_name=name, emails=[email])\n',
            after='import requests\n\ndef create(slug, number, **extra):\n'
                  '    body = {"slug": slug, "tracking_number": number}\n    body.update(extra)\n'
                  '    return requests.post("https://api.aftership.com/tracking/2025-01/trackings", json=body)\n\n'
                  'create("dhl", "1", title="Mat", customers=[{"name": name, "email": email}])\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # the body's customer_name and the caller's emails would both become `customers`: reported
            before='import requests\n\ndef create(slug, number, name, **extra):\n'
                   '    body = {"slug": slug, "tracking_number": number, "customer_name": name}\n    body.update(extra)\n'
                   '    return requests.post("https://api.aftership.com/v4/trackings", json={"tracking": body})\n\n'
                   'create("dhl", "1", "Ana", emails=[email])\n',
            after='import requests\n\ndef create(slug, number, name, **extra):\n'
                  '    body = {"slug": slug, "tracking_number": number, "customer_name": name}\n    body.update(extra)\n'
                  '    return requests.post("https://api.aftership.com/tracking/2025-01/trackings", json=body)\n\n'
                  'create("dhl", "1", "Ana", emails=[email])\n',
            findings=("AS307", "AS307"),
            unsafe_fixes=True,
        ),
        CodeExample(  # the same, safe: reported at the keyword
            before='import requests\n\ndef create(slug, number, **extra):\n'
                   '    return requests.post("https://api.aftership.com/v4/trackings", '
                   'json={"tracking": {"slug": slug, "tracking_number": number, **extra}})\n\n'
                   'create("dhl", "1", customer_name=name)\n',
            after='import requests\n\ndef create(slug, number, **extra):\n'
                  '    return requests.post("https://api.aftership.com/tracking/2025-01/trackings", '
                  'json={"slug": slug, "tracking_number": number, **extra})\n\n'
                  'create("dhl", "1", customer_name=name)\n',
            findings=("AS307",),
        ),
    ),
)

_YYYYMMDD = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _ship_date_iso(obj: dict, path, ctx) -> dict:
    value = obj.get("tracking_ship_date")
    match = _YYYYMMDD.match(value) if isinstance(value, str) else None
    if match:
        try:
            obj["tracking_ship_date"] = date(*map(int, match.groups())).isoformat()
            ctx.touch()
        except ValueError:
            pass  # not a real date: left for the API to reject, as v4 would have
    return obj


SHIP_DATE_FORMAT = Rule(
    code="AS308",
    name="tracking-ship-date-format",
    title="Request `tracking_ship_date` YYYYMMDD becomes YYYY-MM-DD",
    guide="§5.10 tracking.tracking_ship_date format updated",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    residual=("compact-ship-date",),
    summary="""
2025-01 documents YYYY-MM-DD (optionally with time and zone) for create and update bodies and
answers 400 to invalid values, so `20240131` is sent as `2024-01-31`. Detect-courier bodies keep
YYYYMMDD, which their 2025-01 contract still documents; responses pass through.
In code, a create or update body literal is rewritten by the translator itself; a date given
by an expression is reported, since v4 code sent YYYYMMDD.
""",
    changes=(Reshape(("tracking_ship_date",), _ship_date_iso, WRITE, replaces_keys=False),),
    examples=(
        CodeExample(
            before='import requests\n\ndef create(n):\n'
                   '    return requests.post("https://api.aftership.com/v4/trackings", '
                   'json={"tracking": {"tracking_number": n, "tracking_ship_date": "20240131"}})\n',
            after='import requests\n\ndef create(n):\n'
                  '    return requests.post("https://api.aftership.com/tracking/2025-01/trackings", '
                  'json={"tracking_number": n, "tracking_ship_date": "2024-01-31"})\n',
        ),
        PayloadExample(
            kind="create-tracking-request",
            before={"tracking": {"tracking_number": "TN2", "title": "x", "tracking_ship_date": "20240131"}},
            after={"tracking_number": "TN2", "title": "x", "tracking_ship_date": "2024-01-31"},
        ),
    ),
)


def _parse_day(value) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _delivery_time_to_transit_time(obj: dict, path, ctx) -> dict:
    old = obj.pop("delivery_time")
    if "transit_time" in obj:
        if old is not None and old != obj["transit_time"]:
            ctx.report("superseded", path + ("delivery_time",), old, "`transit_time` is already present")
        return obj
    pickup = _parse_day(obj.get("shipment_pickup_date"))
    delivered = _parse_day(obj.get("shipment_delivery_date")) if pickup else None  # no pickup: not needed
    if pickup and delivered:
        new = max((delivered - pickup).days, 0)
        ctx.report("recomputed", path + ("delivery_time",), old,
                   f"transit_time = delivery date - pickup date = {new} (2025-01 formula)")
    elif isinstance(old, int) and not isinstance(old, bool) and old > 0:
        new = old - 1
        ctx.report("approximated", path + ("delivery_time",), old,
                   f"no pickup/delivery dates: transit_time taken as delivery_time - 1 = {new}")
    else:
        new = None
        if old == 0 and type(old) is int:
            ctx.report("coerced", path + ("delivery_time",), old, "0 meant no data in v4; 2025-01 says so with null")
        elif old is not None:
            ctx.report("dropped", path + ("delivery_time",), old, "not a number of days")
    obj["transit_time"] = new
    return obj


TRANSIT_TIME = Rule(
    code="AS309",
    name="delivery-time-to-transit-time",
    title="`delivery_time` becomes `transit_time`, computed without the pickup day",
    guide="§5.11 transit_time formula updated; §6 (delivery_time); §8.1.3 (query parameter)",
    engines=frozenset({"code", "payload"}),
    safety="unsafe",
    summary="""
2025-01 counts delivery date - pickup date (v4 added one day and counted from the first
checkpoint; 0 meant no data, now null). With shipment_pickup_date and shipment_delivery_date the
value is recomputed exactly; otherwise it is approximated as delivery_time - 1 (null for 0) and
reported. In code the key and the `delivery_time` query parameter are renamed (unsafe: the
numbers differ by a day); arithmetic or comparisons on the value are reported.
""",
    changes=(
        Reshape(("delivery_time",), _delivery_time_to_transit_time, RESPONSE),
        # Stored bodies are recomputed above, which consumes the key; code only renames it.
        Rename("delivery_time", "transit_time", RESPONSE + LIST_QUERY),
    ),
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T", "delivery_time": 5,
                    "shipment_pickup_date": "2024-02-01T09:00:00+01:00",
                    "shipment_delivery_date": "2024-02-05T15:00:00+01:00"},
            after={"tracking_number": "T",
                   "shipment_pickup_date": "2024-02-01T09:00:00+01:00",
                   "shipment_delivery_date": "2024-02-05T15:00:00+01:00", "transit_time": 4},
            reported=("recomputed:$.delivery_time",),
        ),
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T", "delivery_time": 3},
            after={"tracking_number": "T", "transit_time": 2},
            reported=("approximated:$.delivery_time",),
        ),
        PayloadExample(  # 0 was v4's "no data"
            kind="tracking",
            before={"tracking_number": "T", "delivery_time": 0},
            after={"tracking_number": "T", "transit_time": None},
            reported=("coerced:$.delivery_time",),
        ),
        CodeExample(
            before='import requests\nr = requests.get("https://api.aftership.com/v4/trackings", params={"delivery_time": 3})\n',
            after='import requests\nr = requests.get("https://api.aftership.com/tracking/2025-01/trackings", params={"transit_time": 3})\n',
            unsafe_fixes=True,
        ),
        CodeExample(
            before='import requests\n\ndef late(tid):\n'
                   '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                   '    return t["delivery_time"] > 5\n',
            after='import requests\n\ndef late(tid):\n'
                  '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                  '    return t["transit_time"] > 5\n',
            findings=("AS309",),
            unsafe_fixes=True,
        ),
    ),
)


@fixes(TRANSIT_TIME)
class TransitTimeFixer(Fixer):
    """The rename itself is declared (`changes`); a renamed read used in arithmetic or a comparison
    is also reported, since the new value counts one day less."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.computed: set[int] = set()  # operands of arithmetic and comparisons

    def visit_Comparison(self, node) -> None:
        self.computed.add(id(node.left))
        self.computed.update(id(c.comparator) for c in node.comparisons)

    def visit_BinaryOperation(self, node) -> None:
        self.computed.update((id(node.left), id(node.right)))

    def leave_access(self, access):
        renamed = self.file.rules.renames.get(access.scope, {}).get(access.key)
        if renamed is not None and renamed[1] is self.rule and id(access.original) in self.computed:
            self.report(access.original, "`transit_time` counts one day less than `delivery_time`: "
                                         "check this computation")
        return access.updated


def _rename_rule(code, name, old, new, scopes, guide, extra=""):
    """A plain field rename: one declaration drives both engines."""
    scope_names = ", ".join(scopes)
    return Rule(
        code=code,
        name=name,
        title=f"`{old}` is renamed `{new}`",
        guide=guide,
        engines=frozenset({"code", "payload"}),
        safety="safe",
        summary=f"""
Same value, new key (in: {scope_names}). In code the key is renamed in subscripts, `.get()`
calls and dict literals traced to AfterShip data, and in `fields=` query values.{extra}
""",
        changes=(Rename(old, new, scopes),),
        examples=(
            PayloadExample(
                kind="tracking",
                before={"tracking_number": "T", old: "USA"} if "tracking" in scopes
                else {"tracking_number": "T", "checkpoints": [{old: "USA"}]},
                after={"tracking_number": "T", new: "USA"} if "tracking" in scopes
                else {"tracking_number": "T", "checkpoints": [{new: "USA"}]},
            ),
            CodeExample(
                before='import requests\n\ndef read(tid):\n'
                       '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                       f'    return t["{old}"], t.get("{old}")\n',
                after='import requests\n\ndef read(tid):\n'
                      '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                      f'    return t["{new}"], t.get("{new}")\n',
            ) if "tracking" in scopes else CodeExample(
                before='import requests\n\ndef read(tid):\n'
                       '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                       f'    return [cp["{old}"] for cp in t["checkpoints"]]\n',
                after='import requests\n\ndef read(tid):\n'
                      '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                      f'    return [cp["{new}"] for cp in t["checkpoints"]]\n',
            ),
        ),
    )


_TRACKING_REQUESTS = RESPONSE + CREATE + UPDATE + DETECT
RENAMES = (
    _rename_rule("AS311", "origin-country-region", "origin_country_iso3", "origin_country_region",
                 _TRACKING_REQUESTS, "§6 Tracking Model Fields Renamed; §10.3.1 (detect body)"),
    _rename_rule("AS312", "destination-country-region", "destination_country_iso3", "destination_country_region",
                 _TRACKING_REQUESTS, "§6 Tracking Model Fields Renamed; §10.3.1 (detect body)"),
    _rename_rule("AS313", "courier-destination-country-region", "courier_destination_country_iso3",
                 "courier_destination_country_region", RESPONSE + LIST_QUERY,
                 "§6 Tracking Model Fields Renamed (also the GET /trackings query parameter)"),
    _rename_rule("AS314", "tracking-origin-country-region", "tracking_origin_country",
                 "tracking_origin_country_region", _TRACKING_REQUESTS,
                 "§6 Tracking Model Fields Renamed; §10.3.1 (detect body)"),
    _rename_rule("AS315", "tracking-destination-country-region", "tracking_destination_country",
                 "tracking_destination_country_region", _TRACKING_REQUESTS,
                 "§6 Tracking Model Fields Renamed; §10.3.1 (detect body)"),
    _rename_rule("AS316", "checkpoint-country-region", "country_iso3", "country_region", ("checkpoint",),
                 "§6 Tracking Model Fields Renamed (checkpoints.*.country; v4 spelled it country_iso3)",
                 " The guide writes `checkpoints.*.country`; v4 bodies and SDKs spell it `country_iso3`."),
    _rename_rule("AS317", "checkpoint-country-region-name", "country_name", "country_region_name", ("checkpoint",),
                 "§6 Tracking Model Fields Renamed (checkpoints.*.country_name)"),
)

CONFIDENCE_SCORE = Rule(
    code="AS318",
    name="confidence-score-unmappable",
    title="`confidence_score` (0-1) has no 2025-01 value; `confidence_code` is a different scale",
    guide="§6 Tracking Model Fields Renamed (aftership_estimated_delivery_date.confidence_score); §12.1.2",
    engines=frozenset({"code", "payload"}),
    safety="manual",
    summary="""
The guide lists a rename, but 2025-01's `confidence_code` is an enumerated code (10001, 20001,
30001...), not a probability: no value maps. The score is dropped and reported; no code is
invented. Reads in code are reported.
""",
    changes=(Remove(("confidence_score",),
                    "`confidence_code` is an enumerated code, not a probability; no value maps",
                    ("aftership-edd", "edd-response-item")),),
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T", "aftership_estimated_delivery_date": {
                "estimated_delivery_date": "2024-06-01", "confidence_score": 0.82,
                "estimated_delivery_date_min": None, "estimated_delivery_date_max": None}},
            after={"tracking_number": "T", "aftership_estimated_delivery_date": {
                "estimated_delivery_date": "2024-06-01",
                "estimated_delivery_date_min": None, "estimated_delivery_date_max": None}},
            reported=("dropped:$.aftership_estimated_delivery_date.confidence_score",),
        ),
        CodeExample(
            before='import requests\n\ndef sure(tid):\n'
                   '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                   '    return t["aftership_estimated_delivery_date"]["confidence_score"]\n',
            after='import requests\n\ndef sure(tid):\n'
                  '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                  '    return t["aftership_estimated_delivery_date"]["confidence_score"]\n',
            findings=("AS318",),
        ),
    ),
)

EDD_SOURCE = Rule(
    code="AS319",
    name="edd-source-value",
    title="EDD source value \"AI Predictive EDD\" becomes \"AfterShip EDD\"",
    guide="§6 Tracking Model Fields Renamed (first/latest_estimated_delivery.source)",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    summary="""
Applies to `first_estimated_delivery.source` and `latest_estimated_delivery.source`; other
values ("Carrier EDD", "Custom EDD", ...) pass through. In code, string comparisons with the
old value in AfterShip files are rewritten.
""",
    changes=(RenameValue("source", "AI Predictive EDD", "AfterShip EDD", ("estimated-delivery",)),),
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T",
                    "latest_estimated_delivery": {"type": "specific", "source": "AI Predictive EDD",
                                                  "datetime": "2024-06-01", "datetime_min": None, "datetime_max": None}},
            after={"tracking_number": "T",
                   "latest_estimated_delivery": {"type": "specific", "source": "AfterShip EDD",
                                                 "datetime": "2024-06-01", "datetime_min": None, "datetime_max": None}},
        ),
        CodeExample(
            before='API = "https://api.aftership.com/v4"\n\ndef predicted(edd):\n    return edd["source"] == "AI Predictive EDD"\n',
            after='API = "https://api.aftership.com/tracking/2025-01"\n\ndef predicted(edd):\n    return edd["source"] == "AfterShip EDD"\n',
        ),
    ),
)


def _weight_object(obj: dict, path, ctx) -> dict:
    unit = obj.pop("shipment_weight_unit", None)
    weight = obj.get("shipment_weight")
    if isinstance(weight, dict):
        if not is_empty(unit) and weight.get("unit") not in (None, unit):
            ctx.report("dropped", path + ("shipment_weight_unit",), unit, "`shipment_weight.unit` differs")
        elif not is_empty(unit) and weight.get("unit") is None:
            weight["unit"] = unit
            ctx.touch()
        return obj
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        if not is_empty(weight):
            ctx.report("dropped", path + ("shipment_weight",), weight, "not a number")
        if not is_empty(unit):
            ctx.report("dropped", path + ("shipment_weight_unit",), unit, "no weight to go with the unit")
        obj["shipment_weight"] = None
        return obj
    obj["shipment_weight"] = {"value": weight, "unit": unit}
    return obj


SHIPMENT_WEIGHT = Rule(
    code="AS320",
    name="shipment-weight-object",
    title="`shipment_weight` + `shipment_weight_unit` become `shipment_weight: {value, unit}`",
    guide="not in guide: api-mapping §4.1 (changed in 2024-07; the 2025-01 SDK model is an object)",
    engines=frozenset({"code", "payload"}),
    safety="unsafe",
    summary="""
`shipment_weight: 1.2, shipment_weight_unit: "kg"` becomes `{"value": 1.2, "unit": "kg"}`;
null stays null. In code (with --unsafe-fixes, else reported), `t["shipment_weight"]` becomes
a None-safe read of `shipment_weight.value` and `t["shipment_weight_unit"]` one of
`shipment_weight.unit`; a read already in that shape is left alone, so a second run changes
and reports nothing.
""",
    changes=(Reshape(("shipment_weight", "shipment_weight_unit"), _weight_object, RESPONSE),),
    code_reads={"shipment_weight": '({obj}.get("shipment_weight") or {{}}).get("value")',
                "shipment_weight_unit": '({obj}.get("shipment_weight") or {{}}).get("unit")'},
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T", "shipment_weight": 1.16, "shipment_weight_unit": "kg"},
            after={"tracking_number": "T", "shipment_weight": {"value": 1.16, "unit": "kg"}},
        ),
        CodeExample(
            before='import requests\n\ndef unit(tid):\n'
                   '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                   '    return t["shipment_weight_unit"]\n',
            after='import requests\n\ndef unit(tid):\n'
                  '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                  '    return (t.get("shipment_weight") or {}).get("unit")\n',
            unsafe_fixes=True,
        ),
        CodeExample(
            before='import requests\n\ndef weight(tid):\n'
                   '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                   '    return t["shipment_weight"]\n',
            after='import requests\n\ndef weight(tid):\n'
                  '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                  '    return (t.get("shipment_weight") or {}).get("value")\n',
            unsafe_fixes=True,
        ),
    ),
)

REMOVED_FIELDS = Rule(
    code="AS321",
    name="removed-tracking-fields",
    title="`android`, `ios` and `last_updated_at` no longer exist",
    guide="not in guide: api-mapping §4.1 (absent from every versioned SDK model)",
    engines=frozenset({"code", "payload"}),
    safety="manual",
    summary="""
Dropped from responses and requests; non-empty values are reported. Reads in code are reported
(there is no replacement; `updated_at` is the nearest for `last_updated_at`).
""",
    changes=(Remove(("android", "ios", "last_updated_at"), "removed in 2025-01 with no replacement",
                    RESPONSE + WRITE),),
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T", "android": [], "ios": ["tok"],
                    "last_updated_at": "2024-01-01T00:00:00+00:00"},
            after={"tracking_number": "T", },
            reported=("dropped:$.ios", "dropped:$.last_updated_at"),
        ),
        CodeExample(
            before='import requests\n\ndef seen(tid):\n'
                   '    t = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n'
                   '    return t["last_updated_at"]\n',
            after='import requests\n\ndef seen(tid):\n'
                  '    t = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n'
                  '    return t["last_updated_at"]\n',
            findings=("AS321",),
        ),
    ),
)

CHECKPOINT_ZIP = Rule(
    code="AS322",
    name="checkpoint-zip-unchanged",
    title="`checkpoints[].zip` keeps its name in 2025-01",
    guide="not in guide: api-mapping §4.3 (renamed `postal_code` only in 2026-01)",
    engines=frozenset({"payload"}),
    safety="safe",
    summary="""
A guard: tools that migrate to the newest API rename `zip` to `postal_code`; 2025-01 still calls
it `zip`, so it passes through untouched.
""",
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T", "checkpoints": [{"zip": "1012", "city": "Amsterdam"}]},
            after={"tracking_number": "T", "checkpoints": [{"zip": "1012", "city": "Amsterdam"}]},
        ),
    ),
)


def _create_slug_string(obj: dict, path, ctx) -> dict:
    slug = obj.get("slug")
    if isinstance(slug, list):
        ctx.touch()
        obj["slug"] = slug[0] if slug else None
        for i, extra in enumerate(slug[1:], start=1):
            ctx.report("dropped", path + ("slug", i), extra,
                       "2025-01 create takes one slug; detect the courier first if unsure")
        if not slug:
            del obj["slug"]
    return obj


CREATE_SLUG = Rule(
    code="AS323",
    name="create-slug-string",
    title="Create/update `slug` must be one string, not a list",
    guide="not in guide: api-mapping §4.5 (v4 accepted a list; 2025-01 CreateTrackingRequest.slug is a string)",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    trusts_expressions=True,
    summary="""
`["dhl"]` becomes `"dhl"`; further slugs are dropped and reported (use POST /couriers/detect to
choose one).
In code, a list literal sent as a create or update `slug` is rewritten; a slug given by an
expression is taken for one string, as v4 code sent it.
""",
    changes=(Reshape(("slug",), _create_slug_string, WRITE, replaces_keys=False),),
    examples=(
        CodeExample(
            before='import requests\n\ndef create(n):\n'
                   '    return requests.post("https://api.aftership.com/v4/trackings", '
                   'json={"tracking": {"tracking_number": n, "slug": ["dhl"]}})\n',
            after='import requests\n\ndef create(n):\n'
                  '    return requests.post("https://api.aftership.com/tracking/2025-01/trackings", '
                  'json={"tracking_number": n, "slug": "dhl"})\n',
        ),
        PayloadExample(
            kind="create-tracking-request",
            before={"tracking": {"tracking_number": "TN3", "title": "t", "slug": ["dhl", "dhl-germany"]}},
            after={"tracking_number": "TN3", "title": "t", "slug": "dhl"},
            reported=("dropped:$.tracking.slug[1]",),
        ),
    ),
)

RULES = (COORDINATES, LEGACY_ID, DETECT_SLUG_LIST, ORDER_PROMISED_DATE, EXPECTED_DELIVERY, NEXT_COURIERS,
         CUSTOMERS, SHIP_DATE_FORMAT, TRANSIT_TIME, *RENAMES, CONFIDENCE_SCORE, EDD_SOURCE, SHIPMENT_WEIGHT,
         REMOVED_FIELDS, CHECKPOINT_ZIP, CREATE_SLUG)
