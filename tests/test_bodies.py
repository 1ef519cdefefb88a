"""One transformation, two engines: a request body written as a literal is rewritten exactly as
the payload translator translates the same body (every catalogue example), also when its values
are expressions the translator only moves."""

from __future__ import annotations

import ast

import pytest

from migrator.api import rewrite_code, translate_document
from migrator.catalogue import load_catalogue

CALLS = {
    "create-tracking-request": 'requests.post(f"{API}/trackings", json=body)',
    "update-tracking-request": 'requests.put(f"{API}/trackings/{tid}", json=body)',
    "detect-courier-request": 'requests.post(f"{API}/couriers/detect", json=body)',
}
EXAMPLES = [pytest.param(example, id=f"{rule.code}-{index}")
            for rule in load_catalogue() for index, example in enumerate(rule.payload_examples)
            if example.kind in CALLS and not example.refused]


def client(kind: str, body: str) -> str:
    return (f'import requests\nAPI = "https://api.aftership.com/v4"\n\n\ndef send(tid, {", ".join(NAMES)}):\n'
            f"    body = {body}\n    return {CALLS[kind]}\n")


NAMES = [f"v{i}" for i in range(12)]


def body_after(code: str) -> ast.expr:
    function = next(n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef))
    return function.body[0].value


@pytest.mark.parametrize("example", EXAMPLES)
def test_literal_body_is_rewritten_as_the_translator_translates_it(example):
    result = rewrite_code(client(example.kind, repr(example.before)), unsafe_fixes=True)
    translation = translate_document(example.before, example.kind)
    if translation.events:  # lossy: the codemod must not pretend, it reports
        assert result.findings, "a body the translator could not carry over exactly is reported"
        return
    assert ast.literal_eval(body_after(result.code)) == translation.document


def _with_names(value, names: dict):
    """`value` with every string leaf not under a key that rules restructure replaced by a name."""
    if isinstance(value, dict):
        return {k: _with_names(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_names(v, names) for v in value]
    if isinstance(value, str) and len(names) < len(NAMES):
        name = NAMES[len(names)]
        names[name] = value
        return Name(name)
    return value


class Name(str):
    """A leaf written as a variable in the generated source."""

    def __repr__(self) -> str:
        return str(self)


@pytest.mark.parametrize("example", EXAMPLES)
def test_expressions_land_where_the_translator_puts_their_values(example):
    names: dict = {}
    body = _with_names(example.before, names)
    result = rewrite_code(client(example.kind, repr(body)), unsafe_fixes=True)
    after = body_after(result.code)
    if isinstance(after, ast.Dict) and "tracking" in [getattr(k, "value", None) for k in after.keys]:
        pytest.skip("wrapper kept")  # never: AS401 unwraps every traced body
    translated = translate_document(example.before, example.kind)
    value = eval(compile(ast.Expression(after), "<body>", "eval"), {}, dict(names))  # noqa: S307 - our own source
    if value != translated.document:
        # Left for a person: a value the translator interprets cannot be moved as an expression.
        assert result.findings, f"body changed without being the translation: {ast.unparse(after)}"


def test_dict_call_bodies_are_literals_too():
    source = ('import requests\nAPI = "https://api.aftership.com/v4"\n\n\ndef create(n, e):\n'
              '    body = dict(tracking=dict(tracking_number=n, emails=[e], origin_country_iso3="USA"))\n'
              '    return requests.post(API + "/trackings", json=body)\n')
    result = rewrite_code(source, unsafe_fixes=True)
    assert '    body = {"tracking_number": n, "customers": [{"email": e}], "origin_country_region": "USA"}\n' \
        in result.code
    assert result.findings == []


def test_a_body_with_comments_is_not_rewritten_whole():
    source = ('import requests\nAPI = "https://api.aftership.com/v4"\n\n\ndef create(n, e):\n'
              '    body = {\n        "tracking_number": n,  # from the order\n        "emails": [e],\n    }\n'
              '    return requests.post(API + "/trackings", json={"tracking": body})\n')
    result = rewrite_code(source, unsafe_fixes=True)
    assert "# from the order" in result.code
    assert [(f.line, f.code) for f in result.findings] == [(8, "AS307")]
