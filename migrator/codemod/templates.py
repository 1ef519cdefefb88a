"""URL templates: the text of a string-building expression, every unknown part as `{}`.

One evaluator for both syntax trees the codemod reads: `ast` in the project index (cheap, every
candidate file) and libcst in the rewrite. Each tree has a small *view* that says what a node
is in the few forms URL code takes (a literal, an f-string, `+`, adjacent literals, `%`,
`.format`, `urljoin`, `.strip()`, an environment lookup with a default, a name); the evaluator
gives every form the same meaning, so a constant is understood alike in its own module and in
the modules that import it.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Callable, Sequence

Node = Any
# What a node is: ("text", str) | ("parts", [str | node]) | ("add", l, r) | ("adjacent", l, r)
# | ("percent", template, [args]) | ("format", template, [args], {name: arg}) | ("join", base, tail)
# | ("same", inner) | ("name", node) | ("unknown",)
View = Callable[[Node], tuple]
ENVIRONMENT_GETTERS = frozenset({"os.environ.get", "environ.get", "os.getenv", "getenv"})
STRIPPERS = frozenset({"rstrip", "strip", "lstrip"})


def evaluate(node: Node, view: View, name: Callable[[Node], str | None]) -> str | None:
    """The template of `node`, or None when it is not a string expression; `name` resolves names."""
    form = view(node)
    kind = form[0]
    if kind == "text":
        return form[1]
    if kind == "name":
        return name(form[1])
    if kind == "same":
        return evaluate(form[1], view, name)
    if kind == "parts":
        return "".join(p if isinstance(p, str) else evaluate(p, view, name) or "{}" for p in form[1])
    if kind == "adjacent":
        left, right = evaluate(form[1], view, name), evaluate(form[2], view, name)
        return None if left is None or right is None else left + right
    if kind == "add":
        left, right = evaluate(form[1], view, name), evaluate(form[2], view, name)
        return None if left is None and right is None else (left or "{}") + (right or "{}")
    if kind == "percent":
        template = evaluate(form[1], view, name)
        return None if template is None else _fill_percent(template, [evaluate(a, view, name) for a in form[2]])
    if kind == "format":
        template = evaluate(form[1], view, name)
        if template is None:
            return None
        return _fill_format(template, [evaluate(a, view, name) for a in form[2]],
                            {k: evaluate(v, view, name) for k, v in form[3].items()})
    if kind == "join":
        base = evaluate(form[1], view, name)
        return None if base is None else base.rstrip("/") + "/" + (evaluate(form[2], view, name) or "{}").lstrip("/")
    return None


def _fill_percent(template: str, args: Sequence[str | None]) -> str:
    """`"%s/trackings/%s" % (BASE, tid)` with what is known of each argument ("{}" if nothing)."""
    values = iter(args)
    return re.sub(r"%[sdr]", lambda _: next(values, None) or "{}", template)


def _fill_format(template: str, positional: Sequence[str | None], named: dict) -> str:
    """`"{}/x/{base}".format(...)`: fields filled with what is known of each argument."""
    counter = iter(range(len(positional)))

    def field(match: re.Match) -> str:
        key = match.group(1).split(":")[0].split("!")[0]
        if key == "":
            index = next(counter, None)
            value = positional[index] if index is not None else None
        elif key.isdigit():
            value = positional[int(key)] if int(key) < len(positional) else None
        else:
            value = named.get(key)
        return value or "{}"

    return re.sub(r"\{([^{}]*)\}", field, template)


def call_form(function: str, method: str, positional: list, named: dict, receiver: Node) -> tuple:
    """The form of a call, from its dotted function name, method name and arguments."""
    if method == "format" and receiver is not None:
        return ("format", receiver, positional, named)
    if method in STRIPPERS and receiver is not None:
        return ("same", receiver)
    if function in ENVIRONMENT_GETTERS and len(positional) >= 2:
        # os.environ.get("AFTERSHIP_URL", "https://api.aftership.com/v4"): the default is the URL
        # the code was written for.
        return ("same", positional[1])
    if function.split(".")[-1] == "urljoin" and len(positional) >= 2:
        return ("join", positional[0], positional[1])
    return ("unknown",)


def ast_view(node: ast.AST) -> tuple:
    """The form of an `ast` node."""
    if isinstance(node, ast.Constant):
        return ("text", node.value) if isinstance(node.value, str) else ("unknown",)
    if isinstance(node, ast.JoinedStr):
        return ("parts", [str(p.value) if isinstance(p, ast.Constant) else p.value for p in node.values])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return ("add", node.left, node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return ("percent", node.left, list(node.right.elts) if isinstance(node.right, ast.Tuple) else [node.right])
    if isinstance(node, (ast.Name, ast.Attribute)):
        return ("name", node)
    if isinstance(node, ast.Call):
        function = ast_dotted(node.func) or ""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        named = {k.arg: k.value for k in node.keywords if k.arg}
        return call_form(function, method, positional, named, receiver)
    return ("unknown",)


def ast_dotted(node: ast.AST) -> str | None:
    """`a.b.c` -> "a.b.c" in Python's own tree (shapes.dotted reads libcst's)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = ast_dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None
