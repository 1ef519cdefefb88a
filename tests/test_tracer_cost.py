"""The tracer's work grows with the code, not exponentially with it: counted in calls, not timed
(a method name some class defines, called down a chain, once made every call re-trace its receiver
through all its bindings)."""

from __future__ import annotations

from migrator.api import rewrite_code
from migrator.codemod.shapes import Tracer

HEAD = ('import requests\n\nAPI = "https://api.aftership.com/v4"\n\n\nclass Api:\n'
        '    def split(self, tid):\n        return requests.get(f"{API}/trackings/{tid}").json()["data"]["tracking"]\n\n\n')


LIMIT = 1_000  # shape reads and URL templates together; exponential work fails here, not the clock


def _counted(monkeypatch) -> list:
    """A list that gets an item per shape read or URL template of the tracer; past LIMIT the
    run stops with an AssertionError (so a regression fails at once rather than hangs)."""
    calls: list = []
    for name in ("shape_of", "template_of"):
        original = getattr(Tracer, name)

        def counted(self, expr, original=original):
            calls.append(1)
            assert len(calls) <= LIMIT, f"more than {LIMIT} reads: exponential work"
            return original(self, expr)

        monkeypatch.setattr(Tracer, name, counted)
    return calls


def test_a_chain_of_calls_of_a_class_method_name_costs_linear_work(monkeypatch):
    calls = _counted(monkeypatch)
    depth = 10  # exponential work would be hundreds of thousands of calls: failing the count, not the clock
    chain = "".join(f"    a{k} = a{k - 1}.split(',')\n" for k in range(1, depth + 1))
    result = rewrite_code(HEAD + "def parse(a0):\n" + chain + f"    return a{depth}\n")
    assert result.skipped_reason == "" and result.changed
    assert len(calls) <= LIMIT


def test_a_name_rebound_through_itself_in_branches_costs_linear_work(monkeypatch):
    """`text = text.strip()` and the like, some in branches (pygments' lexer.py: 391 s before)."""
    calls = _counted(monkeypatch)
    depth = 6  # exponential work: some 10**5 shape reads and URL templates, failing the count
    steps = "".join(f"    if flag{k}:\n        text = text.replace('a', 'b')\n    else:\n        text = text.strip()\n"
                    for k in range(depth))
    result = rewrite_code(HEAD + "def clean(text, " + ", ".join(f"flag{k}" for k in range(depth)) + "):\n"
                          + steps + "    api = Api()\n    return api.split(text)['origin_country_iso3']\n")
    assert "origin_country_region" in result.code
    assert len(calls) <= LIMIT
