"""Every rule's own CodeExamples, run through the codemod exactly as the catalogue documents them.

For each rule and each CodeExample: with the default rules plus the rule itself enabled (so an
off-by-default rule such as AS103 or AS105 is exercised) and `unsafe_fixes` as the example says,
the rewrite of `before` is `after`, the finding codes are the example's, the output parses, and a
second run over it changes nothing.
"""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from migrator.catalogue import CodeExample, load_catalogue
from migrator.codemod.engine import rewrite_source
from migrator.codemod.ruleset import CodeRules

CATALOGUE = load_catalogue()

# (rule code, example index) -> reason, for examples the tool does not reproduce.
KNOWN_BUGS: dict[tuple[str, int], str] = {}

EXAMPLES = [
    pytest.param(rule.code, index, example, id=f"{rule.code}-{index}{'-unsafe' if example.unsafe_fixes else ''}",
                 marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(rule.code, index)])]
                 if (rule.code, index) in KNOWN_BUGS else [])
    for rule in CATALOGUE
    for index, example in enumerate(rule.code_examples)
]


def rules_for(code: str, example: CodeExample) -> CodeRules:
    return CodeRules.build(CATALOGUE, CATALOGUE.select() | {code}, example.unsafe_fixes)


def test_there_are_code_examples():
    assert len(EXAMPLES) >= 25
    code_rules = [r for r in CATALOGUE if "code" in r.engines and r.code_examples]
    assert len(code_rules) >= 20


@pytest.mark.parametrize("code, index, example", EXAMPLES)
def test_example_rewrites_to_its_after(code, index, example: CodeExample):
    result = rewrite_source(example.before.encode(), rules_for(code, example))
    assert result.status in ("changed", "unchanged"), result.reason
    assert result.new_source.decode() == example.after
    assert result.status == ("unchanged" if example.after == example.before else "changed")


@pytest.mark.parametrize("code, index, example", EXAMPLES)
def test_example_findings(code, index, example: CodeExample):
    result = rewrite_source(example.before.encode(), rules_for(code, example))
    assert {f.code for f in result.findings} == set(example.findings)


@pytest.mark.parametrize("code, index, example", EXAMPLES)
def test_example_output_parses_and_is_stable(code, index, example: CodeExample):
    rules = rules_for(code, example)
    first = rewrite_source(example.before.encode(), rules)
    ast.parse(first.new_source)
    assert cst.parse_module(first.new_source).bytes == first.new_source
    second = rewrite_source(first.new_source, rules)
    assert second.status == "unchanged", second.reason
    assert second.new_source == first.new_source
    if not example.findings:  # fully migrated: the next run (a CI --check) has nothing to say
        assert second.findings == []


@pytest.mark.parametrize("code, index, example", EXAMPLES)
def test_example_after_is_left_alone(code, index, example: CodeExample):
    """The documented 2025-01 code itself is not rewritten again."""
    result = rewrite_source(example.after.encode(), rules_for(code, example))
    assert result.status == "unchanged", result.reason
    assert result.new_source.decode() == example.after


@pytest.mark.parametrize("code, index, example", [p for p in EXAMPLES if p.values[2].findings])
def test_example_findings_name_the_guide(code, index, example: CodeExample):
    """Each finding carries a location and the guide section of its rule."""
    result = rewrite_source(example.before.encode(), rules_for(code, example))
    for finding in result.findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.message
        assert finding.guide.startswith(("guide §", "not in guide"))
