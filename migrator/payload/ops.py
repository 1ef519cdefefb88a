"""Declarative changes a rule applies to one kind of JSON object (a "scope").

A scope names an object type inside a document: `tracking`, `checkpoint`, `create-request`,
`courier`, `edd-address`, ... (see `migrator.payload.kinds`). Each change is a pure function of
one object: it returns the new object and tells the context what it changed or could not carry
over. Renames are data, so the codemod reads the very same declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

Path = tuple  # keys and indices from the document root


def json_path(path: Path) -> str:
    """`('data', 'checkpoints', 2)` -> `$.data.checkpoints[2]`."""
    out = ["$"]
    for part in path:
        out.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(out)


_CAN_BE_EMPTY = frozenset({str, list, dict})


def is_empty(value: Any) -> bool:
    """Values that carry no data (null, "", [], {}): dropping them loses nothing, so they are not reported."""
    return value is None or (type(value) in _CAN_BE_EMPTY and not value)


@dataclass(slots=True)
class Event:
    """One value that did not carry over unchanged."""

    rule: str
    action: str  # dropped | approximated | defaulted | coerced | superseded | recomputed
    where: Path  # the value's place in the input document
    value: Any
    message: str

    @property
    def path(self) -> str:
        # Formatted on demand: most runs count events and never print their places.
        return json_path(self.where)

    def as_dict(self) -> dict:
        # Written out: dataclasses.asdict deep-copies the value, a cost on every reported value.
        return {"rule": self.rule, "action": self.action, "path": self.path,
                "value": self.value, "message": self.message}


# Actions that mean information was lost; --strict turns these into errors.
LOSSY_ACTIONS = frozenset({"dropped", "approximated"})


class Context:
    """Collects what the changes did to one document."""

    __slots__ = ("events", "applied", "rule", "descended", "moved")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.applied: set[str] = set()  # the rules that changed something
        self.rule = ""
        # Set by a change that replaced an object by one of its members, so that later
        # reports name the value's place in the input document.
        self.descended: Path = ()
        self.moved: dict[Path, Path] = {}  # output path of an unwrapped object -> its input path

    def input_path(self, output: Path) -> Path:
        """Where a place of the translated document was in the input (undoing unwraps)."""
        for prefix in sorted(self.moved, key=len, reverse=True):
            if output[:len(prefix)] == prefix:
                return self.moved[prefix] + output[len(prefix):]
        return output

    def touch(self) -> None:
        self.applied.add(self.rule)

    def report(self, action: str, path: Path, value: Any, message: str) -> None:
        # A value reported dropped, coerced, ... is not in the output as it came: the document
        # changed, even where its key stays (`shipment_weight: ["x"]` becomes null).
        self.events.append(Event(self.rule, action, path, value, message))
        self.applied.add(self.rule)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


class Change:
    """Base class: `scopes` says where the change applies; `triggers`, which keys wake it.

    The engine calls `apply` only on an object that holds at least one trigger key, so a change
    need not test for them again.
    """

    scopes: tuple[str, ...] = ()

    @property
    def triggers(self) -> frozenset[str]:
        raise TypeError(f"{type(self).__name__} must define triggers")

    def apply(self, obj: dict, path: Path, ctx: Context) -> Any:
        raise TypeError(f"{type(self).__name__} must define apply()")

    def trigger(self) -> tuple[tuple[str, ...], Callable[[dict, Path, Context], Any], bool]:
        """What the engine runs on an object holding one of the keys: (keys, function, whether a
        call that replaced the object or took away a key it found counts as a change of the
        rule; else the function says so itself, with ctx.touch or ctx.report)."""
        return tuple(sorted(self.triggers)), self.apply, False


@dataclass(frozen=True)
class Rename(Change):
    """Key `old` becomes `new` (moved last: JSON objects are unordered); if both exist the new one wins."""

    old: str
    new: str
    scopes: tuple[str, ...]

    @cached_property
    def triggers(self) -> frozenset[str]:
        return frozenset({self.old})

    def apply(self, obj: dict, path: Path, ctx: Context) -> dict:
        ctx.touch()
        if self.new in obj:
            value = obj.pop(self.old)
            if not is_empty(value) and value != obj[self.new]:
                ctx.report("dropped", path + (self.old,), value,
                           f"`{self.new}` is already present; `{self.old}` has no place in 2025-01")
            return obj
        obj[self.new] = obj.pop(self.old)
        return obj


class Renames(Change):
    """Several `Rename`s of one scope applied as one step (the engine's plan merges them)."""

    def __init__(self) -> None:
        self.renames: dict[str, tuple[str, Rename]] = {}

    @property
    def triggers(self) -> frozenset[str]:
        return frozenset(self.renames)

    def add(self, code: str, rename: Rename) -> "Renames":
        self.renames[rename.old] = (code, rename)
        return self

    def table(self) -> tuple[tuple[str, str, str, Rename], ...]:
        """(old key, new key, rule code, the rename) in catalogue order: the engine renames a key
        inline, and asks the rename itself when both keys are present (it decides and reports)."""
        return tuple((old, rename.new, rule, rename) for old, (rule, rename) in self.renames.items())


@dataclass(frozen=True)
class RenameValue(Change):
    """An enum value renamed in `field` (a string, or each string of a list)."""

    field: str
    old: str
    new: str
    scopes: tuple[str, ...]

    @cached_property
    def triggers(self) -> frozenset[str]:
        return frozenset({self.field})

    def apply(self, obj: dict, path: Path, ctx: Context) -> dict:
        value = obj.get(self.field)
        if value == self.old:
            obj[self.field] = self.new
            ctx.touch()
        elif isinstance(value, list) and self.old in value:
            obj[self.field] = [self.new if v == self.old else v for v in value]
            ctx.touch()
        return obj


@dataclass(frozen=True)
class Remove(Change):
    """Fields with no place in 2025-01: dropped, and reported unless empty."""

    fields: tuple[str, ...]
    reason: str
    scopes: tuple[str, ...]

    @cached_property
    def triggers(self) -> frozenset[str]:
        return frozenset(self.fields)

    def apply(self, obj: dict, path: Path, ctx: Context) -> dict:
        removed = False
        for name in self.fields:
            if name in obj:
                value = obj.pop(name)
                removed = True
                if not is_empty(value):
                    ctx.report("dropped", path + (name,), value, self.reason)
        if removed:
            ctx.applied.add(ctx.rule)
        return obj


@dataclass(frozen=True)
class Unwrap(Change):
    """`{"<key>": {...}}` becomes the inner object."""

    key: str
    scopes: tuple[str, ...]

    @cached_property
    def triggers(self) -> frozenset[str]:
        return frozenset({self.key})

    def apply(self, obj: dict, path: Path, ctx: Context) -> Any:
        inner = obj.get(self.key)
        if not isinstance(inner, dict):
            return obj
        ctx.touch()
        for other, value in obj.items():
            if other != self.key and not is_empty(value):
                ctx.report("dropped", path + (other,), value,
                           f"sits beside the `{self.key}` wrapper, which 2025-01 removed")
        ctx.descended = (self.key,)
        return inner


@dataclass(frozen=True)
class Reshape(Change):
    """A restructuring that is not a plain rename: `function(obj, path, ctx) -> obj`.

    `reads` names the v4 keys it needs: the change runs only when one is present.
    `replaces_keys`: those keys give way to another shape, so the codemod reports code that
    reads them; False when they keep their meaning (a reformatted value, a derived field).
    """

    reads: tuple[str, ...]
    function: Callable[[dict, Path, Context], Any]
    scopes: tuple[str, ...]
    replaces_keys: bool = True

    @cached_property
    def triggers(self) -> frozenset[str]:
        return frozenset(self.reads)

    def trigger(self) -> tuple[tuple[str, ...], Callable[[dict, Path, Context], Any], bool]:
        return self.reads, self.function, True
