"""Translate one v4 (or intermediate) body to 2025-01 by applying the catalogue's changes.

Every change fires only when the v4 shape it consumes is present, so a body already in the
2025-01 shape passes through unchanged, and translating a translation changes nothing.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator

from migrator.payload.kinds import REMOVED_KINDS, STRUCTURES, Ambiguous, Unrecognised, candidates
from migrator.payload.ops import LOSSY_ACTIONS, Change, Context, Event, Rename, Renames
from migrator.payload.plans import Apply, Plan, build_plan, compile_plan
from migrator.payload.validate import enforce_2025_01

# Keys that appeared between v4 and 2025-01: a body that has one and still needed changes
# was stored from an intermediate version (2023-10 to 2024-10).
_POST_V4_KEYS = frozenset({
    "transit_time", "legacy_id", "customers", "last_mile", "first_mile", "pagination",
    "courier_estimated_delivery_date", "carbon_emissions", "location_id", "shipping_method",
})


@dataclass(slots=True)  # one per document: slots make it cheaper to build
class Translation:
    """What became of one body."""

    kind: str
    version: str  # "v4", "intermediate" or "2025-01" (unchanged)
    document: Any
    events: list[Event] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)  # the rules that changed something
    errors: list[str] = field(default_factory=list)
    # The kinds whose shape the body fits and which all gave this translation (empty when the
    # kind was given): several for a request holding only detection keys and no slug, say.
    kinds: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.applied)

    @property
    def lossy_events(self) -> list[Event]:
        return [e for e in self.events if e.action in LOSSY_ACTIONS]


class Refused(Exception):
    """A body of an endpoint 2025-01 removed; carries the rule and the replacement to use."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class Translator:
    """Applies the enabled payload rules of a catalogue, scope by scope."""

    def __init__(self, catalogue=None, enabled: Iterable[str] | None = None, validate: bool = True) -> None:
        from migrator.catalogue import load_catalogue

        self.catalogue = catalogue or load_catalogue()
        self.validate = validate
        codes = set(enabled) if enabled is not None else {r.code for r in self.catalogue}
        by_scope: dict[str, list[tuple[str, Change]]] = {}
        for rule in self.catalogue.for_engine("payload"):
            if rule.code not in codes:
                continue
            for change in rule.changes:
                for scope in change.scopes:
                    steps = by_scope.setdefault(scope, [])
                    if isinstance(change, Rename) and steps and isinstance(steps[-1][1], Renames):
                        steps[-1][1].add(rule.code, change)  # one step for a run of renames
                    elif isinstance(change, Rename):
                        steps.append(("", Renames().add(rule.code, change)))
                    else:
                        steps.append((rule.code, change))
        self.plans: dict[str, Plan] = {kind: build_plan(node, by_scope) for kind, node in STRUCTURES.items()}
        # Each kind's plan as one generated function (migrator.payload.plans), compiled when a
        # body of the kind first comes: an archive holds one or two of the dozen kinds.
        self.kinds: dict[str, Apply] = {}

    def translate(self, document: Any, kind: str | None = None) -> Translation:
        """Translate `document` (mutated in place) to 2025-01; raises Unrecognised or Refused.

        `kind` is a kind given by context (--kind, a `kinds` mapping, the endpoint the body was
        sent to): the body is translated as that kind. Without it the shape decides; a body
        whose shape fits several kinds is translated when they all give the same 2025-01 body,
        and raises Ambiguous otherwise.
        """
        if kind is None and isinstance(document, dict) and not document:
            # Nothing of either version in it, and what `{"tracking": {}}` becomes: translating
            # a translation must change nothing, not fail.
            return Translation("empty-object", "2025-01", document)
        if kind is not None:
            return self._translate_as(document, kind, None)
        fitting = candidates(document)
        if len(fitting) == 1:
            return self._translate_as(document, fitting[0], fitting)
        return self._one_reading(document, fitting)

    def _one_reading(self, document: Any, fitting: tuple[str, ...]) -> Translation:
        """The translation every kind in `fitting` gives, or Ambiguous naming where they part."""
        copies = [copy.deepcopy(document) for _ in fitting[1:]]  # before the first reading edits it
        readings = [self._translate_as(body, kind, fitting) for body, kind in zip([document, *copies], fitting)]
        first = readings[0]
        if all((r.document, r.errors) == (first.document, first.errors) for r in readings[1:]):
            first.kinds = fitting
            return first
        raise Ambiguous(_parting(readings), fitting)

    def _translate_as(self, document: Any, kind: str, fitting: tuple[str, ...] | None) -> Translation:
        """Translate as `kind`; `fitting`: the kinds the shape gave (None: given by context)."""
        if kind in REMOVED_KINDS:
            rule = self.catalogue[REMOVED_KINDS[kind]]
            replacement = " ".join(rule.summary.split()).split(". ")[0]
            raise Refused(rule.code, f"{kind} has no 2025-01 counterpart ({rule.title}). {replacement}.")
        apply = self.kinds.get(kind)
        if apply is None:
            if kind not in self.plans:
                raise Unrecognised(f"unknown kind {kind!r}")
            apply = self.kinds[kind] = compile_plan(self.plans[kind], kind)
        stored_after_v4 = _has_post_v4_key(document)
        ctx = Context()
        result = apply(document, (), ctx)
        errors = enforce_2025_01(kind, result, ctx) if self.validate else []
        if fitting is not None and ctx.applied and not errors:
            errors = _reads_back_as_another_kind(fitting, result)
        if not ctx.changed:
            version = "2025-01"
        else:
            version = "intermediate" if stored_after_v4 else "v4"
        return Translation(kind, version, result, ctx.events, ctx.applied, errors)


# How to say which kind a body is, for messages that ask for it.
GIVE_A_KIND = "say which it is with --kind or a `kinds` mapping in [tool.aftership-migrate]"


def _reads_back_as_another_kind(fitting: tuple[str, ...], result: Any) -> list[str]:
    """A translation must translate again to itself: one the recogniser reads as other kinds (or
    none) came from an ambiguous body, and a second run would treat it otherwise (a bare request
    left with only detection keys, say). Such a body fails, with the way out: a kind by context."""
    if isinstance(result, dict) and not result:
        return []
    try:
        again = candidates(result)
    except Unrecognised as error:
        read = f"no kind ({error})"
    else:
        if again == fitting:
            return []
        read = " or ".join(again)
    return [f"read as {' or '.join(fitting)}, but its translation reads as {read}: the body is ambiguous; "
            f"{GIVE_A_KIND}"]


def _parting(readings: list[Translation]) -> str:
    """Why the readings of one body differ: the keys where their outputs part, and their errors."""
    kinds = " and ".join(r.kind for r in readings)
    first = readings[0]
    places = sorted({place for r in readings[1:] for place in _differences(first.document, r.document)})
    parts = []
    if places:
        shown = ", ".join(f"`{p}`" for p in places[:3])
        values = "; ".join(f"{r.kind} gives {_brief(_at(r.document, places[0]))}" for r in readings)
        parts.append(f"they translate it differently at {shown} ({values})")
    parts += [f"as {r.kind} it fails: {r.errors[0]}" for r in readings if r.errors]
    return f"the body fits {kinds}: {'; '.join(parts)}; {GIVE_A_KIND}"


_MISSING = object()


def _differences(a: Any, b: Any, path: str = "$") -> Iterator[str]:
    """JSON paths where two documents differ, as deep as both are objects."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            yield from _differences(a.get(key, _MISSING), b.get(key, _MISSING), f"{path}.{key}")
    elif a != b or type(a) is not type(b):
        yield path


def _at(document: Any, path: str) -> Any:
    for key in path.split(".")[1:]:
        document = document.get(key, _MISSING) if isinstance(document, dict) else _MISSING
    return document


def _brief(value: Any) -> str:
    if value is _MISSING:
        return "no such key"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _has_post_v4_key(document: Any) -> bool:
    """Whether the main object of a body has a key v4 never had."""
    if not isinstance(document, dict):
        return False
    main = document
    for key in ("data", "msg", "tracking"):
        inner = main.get(key)
        if isinstance(inner, dict):
            main = inner
    trackings = main.get("trackings")
    if isinstance(trackings, list) and trackings and isinstance(trackings[0], dict):
        main = trackings[0]
    return not main.keys().isdisjoint(_POST_V4_KEYS)


@lru_cache(maxsize=1)
def default_translator() -> Translator:
    return Translator()


def translate(document: Any, kind: str | None = None) -> Translation:
    """Translate one parsed body with every payload rule of the shipped catalogue."""
    return default_translator().translate(document, kind)


__all__ = ["Ambiguous", "Refused", "Translation", "Translator", "Unrecognised", "translate"]
