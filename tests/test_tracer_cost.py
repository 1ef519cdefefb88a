"""The tracer's work grows with the code, not exponentially with it: counted in calls, not timed
(a method name some class defines, called down a chain, once made every call re-trace its receiver
through all its bindings)."""

from __future__ import annotations

from migrator.api import rewrite_code
from migrator.codemod.shapes import Tracer

HEAD = ('import requests\n\nAPI = "https://api.aftership.com/v4"\n\n\nclass Api:\n'
        '    def split(self, tid):\n        return requests.get(f"{API}/trackings/{tid}").json()["data"]["tracking"]\n\n\n')


def test_a_chain_of_calls_of_a_class_method_name_costs_linear_work(monkeypatch):
    calls = []
    original = Tracer.shape_of

    def counted(self, expr):
        calls.append(1)
        return original(self, expr)

    monkeypatch.setattr(Tracer, "shape_of", counted)
    depth = 10  # exponential work would be hundreds of thousands of calls: failing the count, not the clock
    chain = "".join(f"    a{k} = a{k - 1}.split(',')\n" for k in range(1, depth + 1))
    result = rewrite_code(HEAD + "def parse(a0):\n" + chain + f"    return a{depth}\n")
    assert result.skipped_reason == "" and result.changed
    assert len(calls) < 1_000, len(calls)
