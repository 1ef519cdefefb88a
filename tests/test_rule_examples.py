"""Every rule's own PayloadExamples, run through the translator, and the catalogue's shape."""

from __future__ import annotations

import copy
import re

import pytest

from migrator.catalogue import CodeExample, FileExample, PayloadExample, load_catalogue
from migrator.payload.engine import Refused, Translator

CATALOGUE = load_catalogue()
TRANSLATOR = Translator(CATALOGUE)

EXAMPLES = [
    pytest.param(rule.code, example, id=f"{rule.code}-{index}")
    for rule in CATALOGUE
    for index, example in enumerate(rule.payload_examples)
    if not example.refused
]
REFUSALS = [
    pytest.param(rule.code, example, id=f"{rule.code}-{index}")
    for rule in CATALOGUE
    for index, example in enumerate(rule.payload_examples)
    if example.refused
]


@pytest.mark.parametrize("code, example", REFUSALS)
def test_refusal_examples_are_refused_by_their_rule(code, example: PayloadExample):
    with pytest.raises(Refused) as refused:
        TRANSLATOR.translate(copy.deepcopy(example.before), example.kind)
    assert refused.value.rule == code
    assert "instead" in str(refused.value) or "Use" in str(refused.value)


def reported(translation) -> list[str]:
    return sorted(f"{event.action}:{event.path}" for event in translation.events)


@pytest.mark.parametrize("code, example", EXAMPLES)
def test_example_translates_to_its_after(code, example: PayloadExample):
    before = copy.deepcopy(example.before)
    result = TRANSLATOR.translate(before, example.kind)
    assert result.kind == example.kind
    assert result.document == example.after
    assert reported(result) == sorted(example.reported)
    assert result.errors == []


@pytest.mark.parametrize("code, example", EXAMPLES)
def test_translating_after_again_keeps_the_document(code, example: PayloadExample):
    again = TRANSLATOR.translate(copy.deepcopy(example.after), example.kind)
    assert again.document == example.after
    assert again.events == []
    assert again.errors == []


@pytest.mark.parametrize("code, example", EXAMPLES)
def test_translating_after_again_changes_nothing(code, example: PayloadExample):
    again = TRANSLATOR.translate(copy.deepcopy(example.after), example.kind)
    assert again.changed is False, f"rules applied: {again.applied}"
    assert again.version == "2025-01"
    assert again.document == example.after


@pytest.mark.parametrize("code, example", [p for p in EXAMPLES if CATALOGUE[p.values[0]].changes])
def test_example_exercises_its_own_rule(code, example: PayloadExample):
    """Without its rule, an example of a rule that declares changes translates differently."""
    others = {r.code for r in CATALOGUE} - {code}
    without = Translator(CATALOGUE, enabled=others, validate=False).translate(
        copy.deepcopy(example.before), example.kind)
    with_rule = Translator(CATALOGUE, validate=False).translate(copy.deepcopy(example.before), example.kind)
    assert code in with_rule.applied and code not in without.applied
    assert (without.document, reported(without)) != (with_rule.document, reported(with_rule))


def test_unknown_field_example_needs_the_schema_check():
    (example,) = CATALOGUE["AS900"].payload_examples
    unchecked = Translator(CATALOGUE, validate=False).translate(copy.deepcopy(example.before), example.kind)
    assert unchecked.document == example.before != example.after


# ------------------------------------------------------------------------ the catalogue

def test_catalogue_is_not_empty():
    assert len(CATALOGUE) >= 30


def test_codes_are_unique_and_well_formed():
    from migrator.rules import RULES

    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"AS\d{3}", code) for code in codes), codes
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


RULES = [pytest.param(rule, id=rule.code) for rule in CATALOGUE]


@pytest.mark.parametrize("rule", RULES)
def test_rule_is_complete(rule):
    assert rule.title.strip()
    assert rule.guide.strip()
    assert rule.summary.strip()
    assert rule.safety in ("safe", "unsafe", "manual")
    assert rule.engines and rule.engines <= {"code", "payload", "data"}
    assert len(rule.examples) >= 1
    assert all(isinstance(e, (PayloadExample, CodeExample, FileExample)) for e in rule.examples)
    if "data" in rule.engines:
        assert rule.file_examples, f"{rule.code} is a test data rule without a FileExample"
    if "payload" in rule.engines:
        assert rule.payload_examples, f"{rule.code} is a payload rule without a PayloadExample"
    if "code" in rule.engines:
        assert rule.code_examples, f"{rule.code} is a code rule without a CodeExample"
    # Changes are what the payload engine applies; a code-only rule has none.
    if "payload" not in rule.engines:
        assert rule.changes == ()


@pytest.mark.parametrize("rule", list(CATALOGUE), ids=lambda r: r.code)
def test_payload_examples_name_known_kinds(rule):
    from migrator.payload.kinds import KINDS, REMOVED_KINDS, STRUCTURES

    for example in rule.payload_examples:
        assert example.kind in (REMOVED_KINDS if example.refused else STRUCTURES)
        assert example.kind in KINDS
        for entry in example.reported:
            action, _, path = entry.partition(":")
            assert action in {"dropped", "approximated", "defaulted", "coerced", "superseded", "recomputed"}
            assert path.startswith("$")


@pytest.mark.parametrize("rule", list(CATALOGUE), ids=lambda r: r.code)
def test_rule_doc_renders(rule):
    text = rule.doc()
    assert text.startswith(f"{rule.code} {rule.name}: ")
    assert rule.guide in text
