"""Where each value of a YAML or JSON file lies, so that a value can be replaced in the text and
nothing else moves: a cassette keeps its formatting, comments and key order, and only the
scalars that change differ.

YAML is composed by PyYAML (its nodes carry start and end marks, in characters); JSON is read
by a small reader of its own that notes the same. Both give the same tree of `Mapping`,
`Sequence` and `Scalar`, each knowing its span in the text.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any, Union


class Unreadable(ValueError):
    """The text is not valid YAML or JSON; `line` (1-based) says where."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


OPAQUE = object()  # the value of a YAML scalar with a tag this tool does not construct


@dataclass(eq=False)
class Scalar:
    value: Any  # str, bytes (YAML !!binary), int, float, bool, None; OPAQUE for another tag
    start: int  # offsets in the text, in characters
    end: int
    style: str | None = None  # YAML: None (plain), "'", '"', "|", ">"; JSON: '"' for strings
    tag: str = "str"  # str, binary, int, float, bool, null, or the full tag of another
    key_column: int | None = None  # the column (0-based) of the key whose value this is


@dataclass(eq=False)
class Mapping:
    pairs: list[tuple[Scalar, "Node"]]
    start: int
    end: int

    def get(self, key: str) -> "Node | None":
        for name, value in self.pairs:
            if name.value == key:
                return value
        return None


@dataclass(eq=False)
class Sequence:
    items: list["Node"]
    start: int
    end: int


Node = Union[Scalar, Mapping, Sequence]


@dataclass
class Text:
    """A file's text and its line starts (for 1-based line and column of an offset)."""

    text: str
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [0] + [match.end() for match in _LINE_END.finditer(self.text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def column(self, offset: int) -> int:
        return offset - self.starts[self.line(offset) - 1] + 1


_LINE_END = re.compile(r"\r\n|\r|\n")


# ---------------------------------------------------------------------------------------- YAML

def _yaml():
    import yaml

    return yaml


def _yaml_loader():
    """libyaml's loader when PyYAML has it (as vcrpy uses), else the pure-Python one: both give
    marks in characters."""
    yaml = _yaml()
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Node | None:
    """The tree of a one-document YAML text (None for an empty one); Unreadable otherwise."""
    yaml = _yaml()
    try:
        root = yaml.compose(text, Loader=_yaml_loader())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise Unreadable(f"invalid YAML: {error.problem or error.context}", (mark.line + 1) if mark else 1) from None
    except yaml.YAMLError as error:  # a reader error: a character YAML does not allow
        raise Unreadable(f"invalid YAML: {error}") from None
    except RecursionError:
        raise Unreadable("invalid YAML: nested too deeply") from None
    return None if root is None else _from_yaml(root, None, 0, {}, False)


_YAML_TAG = "tag:yaml.org,2002:"
_CONSTRUCTED = ("str", "binary", "int", "float", "bool", "null")


def _from_yaml(node, key_column: int | None, depth: int, seen: dict, in_flow: bool) -> Node:
    """The tree of a composed node. `seen`: the nodes converted so far, by id (an alias is the
    node it names: the same Scalar, replaced once, where its anchor is); `in_flow`: inside a
    `{...}` or `[...]` collection, where a value is written on one line."""
    if id(node) in seen:
        return seen[id(node)]
    yaml = _yaml()
    if depth > _MAX_DEPTH:
        raise Unreadable("nested too deeply", node.start_mark.line + 1)
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(node, yaml.MappingNode):
        flow = in_flow or bool(node.flow_style)
        pairs = []
        for key, value in node.value:
            name = _from_yaml(key, None, depth + 1, seen, True)
            if not isinstance(name, Scalar):
                raise Unreadable("a mapping key that is not a scalar", key.start_mark.line + 1)
            pairs.append((name, _from_yaml(value, None if flow else key.start_mark.column, depth + 1, seen, flow)))
        converted: Node = Mapping(pairs, start, end)
    elif isinstance(node, yaml.SequenceNode):
        flow = in_flow or bool(node.flow_style)
        converted = Sequence([_from_yaml(item, None, depth + 1, seen, flow) for item in node.value], start, end)
    else:
        tag = node.tag[len(_YAML_TAG):] if node.tag.startswith(_YAML_TAG) else node.tag
        if tag in _CONSTRUCTED:
            try:
                value = _CONSTRUCTOR.construct_object(node)
            except yaml.YAMLError as error:  # `!!binary` that is no base64, say
                raise Unreadable(f"invalid YAML: {error}", node.start_mark.line + 1) from None
        else:
            value = OPAQUE
        converted = Scalar(value, start, end, node.style or None, tag, key_column)
    seen[id(node)] = converted
    return converted


class _Constructor:
    """PyYAML's safe constructor, built once (it keeps no state between scalars)."""

    def construct_object(self, node):
        return self._safe.construct_object(node, deep=True)

    @property
    def _safe(self):
        if not hasattr(self, "_instance"):
            self._instance = _yaml().constructor.SafeConstructor()
        return self._instance


_CONSTRUCTOR = _Constructor()


# ---------------------------------------------------------------------------------------- JSON

_MAX_DEPTH = 500  # as the translator's reader (sources.MAX_DEPTH): no cassette nests past a dozen
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORDS = {"true": True, "false": False, "null": None}


def read_json(text: str) -> Node:
    """The tree of a JSON text; Unreadable (with its line) otherwise."""
    reader = _JsonReader(text)
    node = reader.value(reader.skip(0), 0)
    end = reader.skip(node.end)
    if end != len(text):
        raise Unreadable("invalid JSON: more than one value", Text(text).line(end))
    return node


class _JsonReader:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, message: str, at: int) -> Unreadable:
        return Unreadable(f"invalid JSON: {message}", Text(self.text).line(at))

    def skip(self, at: int) -> int:
        return _WHITESPACE.match(self.text, at).end()

    def value(self, at: int, depth: int) -> Node:
        if depth > _MAX_DEPTH:
            raise self.fail("nested too deeply", at)
        text = self.text
        char = text[at:at + 1]
        if char == "{":
            return self.mapping(at, depth)
        if char == "[":
            return self.sequence(at, depth)
        if char == '"':
            return self.string(at)
        number = _NUMBER.match(text, at)
        if number:
            raw = number.group()
            value = int(raw) if raw.lstrip("-").isdigit() else float(raw)
            return Scalar(value, at, number.end(), None, "int" if isinstance(value, int) else "float")
        for word, value in _WORDS.items():
            if text.startswith(word, at):
                return Scalar(value, at, at + len(word), None, "null" if value is None else "bool")
        raise self.fail("expected a value" if char else "unexpected end", at)

    def string(self, at: int) -> Scalar:
        try:
            value, end = json.decoder.scanstring(self.text, at + 1, True)
        except json.JSONDecodeError as error:
            raise self.fail(error.msg, error.pos) from None
        return Scalar(value, at, end, '"')

    def mapping(self, start: int, depth: int) -> Mapping:
        pairs: list[tuple[Scalar, Node]] = []
        at = self.skip(start + 1)
        if self.text.startswith("}", at):
            return Mapping(pairs, start, at + 1)
        while True:
            if not self.text.startswith('"', at):
                raise self.fail("expected a key in double quotes", at)
            key = self.string(at)
            at = self.skip(key.end)
            if not self.text.startswith(":", at):
                raise self.fail("expected ':'", at)
            value = self.value(self.skip(at + 1), depth + 1)
            pairs.append((key, value))
            at = self.skip(value.end)
            if self.text.startswith(",", at):
                at = self.skip(at + 1)
                continue
            if self.text.startswith("}", at):
                return Mapping(pairs, start, at + 1)
            raise self.fail("expected ',' or '}'", at)

    def sequence(self, start: int, depth: int) -> Sequence:
        items: list[Node] = []
        at = self.skip(start + 1)
        if self.text.startswith("]", at):
            return Sequence(items, start, at + 1)
        while True:
            item = self.value(at, depth + 1)
            items.append(item)
            at = self.skip(item.end)
            if self.text.startswith(",", at):
                at = self.skip(at + 1)
                continue
            if self.text.startswith("]", at):
                return Sequence(items, start, at + 1)
            raise self.fail("expected ',' or ']'", at)


# ----------------------------------------------------------------------- values, for checking

def plain(node: Node | None, replaced: dict[int, Any] | None = None) -> Any:
    """The data of a tree as comparable values (a mapping as its list of pairs, so order and
    repeated keys count), with `replaced` (id of a scalar -> its new value) applied."""
    replaced = replaced or {}
    if node is None:
        return None
    if isinstance(node, Mapping):
        return ("map", [(plain(key, replaced), plain(value, replaced)) for key, value in node.pairs])
    if isinstance(node, Sequence):
        return ("seq", [plain(item, replaced) for item in node.items])
    value = replaced.get(id(node), node.value)
    return ("opaque", node.tag) if value is OPAQUE else (type(value).__name__, value)


# ------------------------------------------------------------------------------- rendering

# Characters a YAML double-quoted scalar must escape: C0 and C1 controls, the line and
# paragraph separators and the BOM (YAML reads the first three as line breaks), surrogates.
_YAML_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff\"\\\\]")
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


_ANCHOR = re.compile(r"&[^\s,\[\]{}]+[ \t]+")


def yaml_double_quoted(value: str) -> str:
    """`value` as a one-line YAML double-quoted scalar: valid at any indentation."""
    def escape(match: re.Match) -> str:
        char = match.group()
        return _SHORT_ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")

    return '"' + _YAML_ESCAPE.sub(escape, value) + '"'


def render_yaml(scalar: Scalar, value: Any, original: str, allow_unicode: bool, one_line: bool = False) -> str:
    """The text that replaces `scalar` (its span `original`) to hold `value`, in its style where
    possible: a `!!binary` block stays a block at its indentation, a quoted or plain string is
    written as PyYAML (vcrpy's writer) writes it at that place; `one_line`: a double-quoted
    scalar on one line instead (what is valid anywhere)."""
    anchor = _ANCHOR.match(original)
    if anchor:  # `&name value`: the anchor stays, its aliases name the new value
        return anchor.group() + render_yaml(scalar, value, original[anchor.end():], allow_unicode, one_line)
    tail = original[len(original.rstrip(" \t\r\n")):] if scalar.style in ("|", ">") else ""
    newline = "\r\n" if "\r\n" in original else "\n"
    if isinstance(value, bytes):
        encoded = base64.b64encode(value).decode("ascii")
        if scalar.style == "|" and not one_line:
            indent = _block_indent(original)
            lines = [encoded[i:i + 76] for i in range(0, len(encoded), 76)] or [""]
            return "!!binary |" + "".join(newline + indent + line for line in lines) + tail
        return f'!!binary "{encoded}"' + tail
    if not isinstance(value, str):
        raise TypeError(f"cannot write a {type(value).__name__} into a cassette")
    if one_line:
        return yaml_double_quoted(value) + tail
    return _as_pyyaml_writes(value, scalar, allow_unicode, newline) + tail


def _block_indent(original: str) -> str:
    """The indentation of a block scalar's first content line."""
    lines = original.split("\n")
    for line in lines[1:]:
        if line.strip():
            return line[:len(line) - len(line.lstrip(" "))]
    return "  "


def _as_pyyaml_writes(value: str, scalar: Scalar, allow_unicode: bool, newline: str) -> str:
    """`value` as PyYAML writes it in the scalar's quoting style (its own choice for a plain
    one), folded as it folds at that indentation; one double-quoted line where that cannot be
    placed (a key, a list item, a value that would need a block)."""
    yaml = _yaml()
    style = scalar.style if scalar.style in ("'", '"') else None
    column = scalar.key_column or 0
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump({"k": value}, Dumper=dumper, default_style=style, width=max(20, 80 - column),
                     allow_unicode=allow_unicode)
    prefix = next((p for p in ("k: ", "'k': ", '"k": ') if text.startswith(p)), None)
    body = text[len(prefix):].rstrip("\n") if prefix else ""
    lines = body.split("\n")
    if not body or body[:1] in ("|", ">") or (len(lines) > 1 and scalar.key_column is None):
        return yaml_double_quoted(value)
    return newline.join([lines[0], *(" " * column + line for line in lines[1:])])


def render_json(value: Any, ascii_only: bool) -> str:
    """A JSON value as the file writes strings: escaped to ASCII when the file is ASCII."""
    return json.dumps(value, ensure_ascii=ascii_only, allow_nan=False)


def splice(text: str, replacements: list[tuple[Node, str]]) -> str:
    """`text` with each node's span replaced by its new text (spans may not overlap)."""
    out, at = [], 0
    for node, new in sorted(replacements, key=lambda pair: pair[0].start):
        if node.start < at:
            raise ValueError("overlapping replacements")
        out.append(text[at:node.start])
        out.append(new)
        at = node.end
    out.append(text[at:])
    return "".join(out)
