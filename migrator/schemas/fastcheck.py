"""A quick yes/no check for the packaged schemas: the fast path of validation.

jsonschema is thorough but spends about 3 ms on one translated tracking, more than the whole
translation. Nearly every document is valid, so the translator first asks a predicate; only a
document it rejects goes to jsonschema, which then says why. The predicate is jsonschema-rs
when it is installed (the `fast` extra: about 5 us a tracking), else a compiled Python one
(about 25 us). The compiler knows the keywords our schemas use; a schema with any other keyword
is not compiled (`compile_schema` returns None) and jsonschema checks everything, so nothing is
ever skipped.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

Check = Callable[[Any], bool]
_IGNORED = frozenset({"$schema", "$id", "$defs", "title", "description", "$comment", "examples", "default"})
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class _Unsupported(Exception):
    pass


class _Compiler:
    def __init__(self, resolve: Callable[[str], tuple[dict, dict]]) -> None:
        self.resolve = resolve  # $ref (absolute) -> (subschema, its document)
        self.cache: dict[int, Check] = {}

    def compile(self, schema: Any, document: dict) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        key = id(schema)
        if key in self.cache:
            return self.cache[key]
        # Refs may be recursive: register a trampoline before compiling the body.
        slot: list[Check] = []
        self.cache[key] = lambda v: slot[0](v)
        slot.append(self._compile(schema, document))
        self.cache[key] = slot[0]
        return slot[0]

    def _compile(self, schema: dict, document: dict) -> Check:
        checks: list[Check] = []
        unknown = set(schema) - _IGNORED - {
            "type", "properties", "additionalProperties", "required", "items", "$ref", "anyOf", "oneOf",
            "allOf", "not", "enum", "const", "minimum", "maximum", "minItems", "maxItems"}
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        if "type" in schema:
            checks.append(_type_check(schema["type"] if isinstance(schema["type"], list) else [schema["type"]]))
        if "$ref" in schema:
            target, target_document = self.resolve(_absolute(schema["$ref"], document))
            checks.append(self.compile(target, target_document))
        if "enum" in schema:
            values = schema["enum"]
            checks.append(lambda v: any(v == e and type(v) is type(e) for e in values))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: v == const)
        if "minimum" in schema or "maximum" in schema:
            low, high = schema.get("minimum"), schema.get("maximum")
            checks.append(lambda v: not _TYPES["number"](v) or (
                (low is None or v >= low) and (high is None or v <= high)))
        if "properties" in schema or "additionalProperties" in schema or "required" in schema:
            checks.append(self._object(schema, document))
        if "items" in schema or "minItems" in schema or "maxItems" in schema:
            checks.append(self._array(schema, document))
        for keyword, combine in (("anyOf", any), ("allOf", all)):
            if keyword in schema:
                parts = [self.compile(s, document) for s in schema[keyword]]
                checks.append(lambda v, parts=parts, combine=combine: combine(p(v) for p in parts))
        if "oneOf" in schema:
            parts = [self.compile(s, document) for s in schema["oneOf"]]
            checks.append(lambda v: sum(1 for p in parts if p(v)) == 1)
        if "not" in schema:
            inner = self.compile(schema["not"], document)
            checks.append(lambda v: not inner(v))
        return _all(checks)

    def _object(self, schema: dict, document: dict) -> Check:
        # Per property: the Python types that pass at once (a type-only schema), and the full check.
        properties = {name: (_exact_types(s), self.compile(s, document))
                      for name, s in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self.compile(extra, document)
        required = tuple(schema.get("required", ()))

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                entry = properties.get(name)
                if entry is not None:
                    if type(item) not in entry[0] and not entry[1](item):
                        return False
                elif extra_check is not None and not extra_check(item):
                    return False
            return True

        return check

    def _array(self, schema: dict, document: dict) -> Check:
        items = self.compile(schema["items"], document) if "items" in schema else None
        low, high = schema.get("minItems"), schema.get("maxItems")

        def check(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                return False
            return items is None or all(items(v) for v in value)

        return check


def _type_check(names: list[str]) -> Check:
    """One isinstance call for the common cases; JSON's number rules for the rest."""
    unknown = set(names) - set(_TYPES)
    if unknown:
        raise _Unsupported(f"type {', '.join(sorted(unknown))}")
    plain = tuple(t for name, t in (("object", dict), ("array", list), ("string", str), ("boolean", bool))
                  if name in names)
    null, number = "null" in names, "number" in names
    integer = "integer" in names and not number

    def check(value: Any) -> bool:
        if value is None:
            return null
        if isinstance(value, plain):
            return True
        if isinstance(value, bool):
            return False  # a bool is an int in Python, never a number in JSON
        if number:
            return isinstance(value, (int, float))
        return integer and (isinstance(value, int) or (isinstance(value, float) and value.is_integer()))

    return check


_EXACT = {"object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,), "null": (type(None),),
          "integer": (int,), "number": (int, float)}


def _exact_types(schema: Any) -> frozenset:
    """For a schema that is only `type`: the Python types that always pass (bool is its own type)."""
    if not isinstance(schema, dict) or set(schema) - {"type", "description", "title"} or "type" not in schema:
        return frozenset()
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return frozenset(t for name in names for t in _EXACT.get(name, ()))


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)


def _absolute(ref: str, document: dict) -> str:
    return document.get("$id", "") + ref if ref.startswith("#") else ref


def _pointer(document: dict, fragment: str) -> dict:
    node: Any = document
    for part in filter(None, fragment.lstrip("/").split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@lru_cache(maxsize=None)
def compile_schema(version: str, kind: str) -> Check | None:
    """A predicate equivalent to the packaged schema, or None when it uses other keywords."""
    from migrator.schemas import load_schema, schemas_by_id

    def resolve(ref: str) -> tuple[dict, dict]:
        base, _, fragment = ref.partition("#")
        document = schemas_by_id()[base]
        return _pointer(document, fragment), document

    root = load_schema(version, kind)
    try:
        return _Compiler(resolve).compile(root, root)
    except (_Unsupported, KeyError):
        return None


@lru_cache(maxsize=None)
def fast_check(version: str, kind: str) -> Check | None:
    """The quickest predicate available for the packaged schema: jsonschema-rs, else compiled."""
    native = _native_check(version, kind)
    return native if native is not None else compile_schema(version, kind)


def _native_check(version: str, kind: str) -> Check | None:
    try:
        import jsonschema_rs
    except ImportError:
        return None
    from migrator.schemas import load_schema, schemas_by_id

    # Cross-file $refs are served from the packaged schemas, never fetched.
    native = jsonschema_rs.validator_for(load_schema(version, kind), retriever=schemas_by_id().__getitem__)

    def check(value: Any) -> bool:
        try:
            return native.is_valid(value)
        except Exception:  # a value it cannot represent (an integer past 64 bits): jsonschema decides
            return False

    return check
