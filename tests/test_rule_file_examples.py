"""Every test data rule's own FileExamples (AS8xx), run through `rewrite`'s data file hook exactly
as the catalogue documents them: `before` becomes `after`, the findings are the example's, a
second run changes nothing, and without its rule the example comes out otherwise."""

from __future__ import annotations

import pytest

from migrator.catalogue import load_catalogue
from migrator.datafiles.rewrite import rewrite_data_file
from migrator.datafiles.ruleset import DataRules

CATALOGUE = load_catalogue()
RULES = DataRules.build((), (), False)
EXAMPLES = [pytest.param(rule.code, example, id=f"{rule.code}-{index}")
            for rule in CATALOGUE for index, example in enumerate(rule.file_examples)]


def rewrite(example, text: str, rules: DataRules = RULES):
    # The examples are files of a project that names AfterShip (its code calls the API).
    return rewrite_data_file(example.path, text.encode(), rules, names_aftership=True)


def test_every_data_rule_has_file_examples():
    data_rules = [rule for rule in CATALOGUE if "data" in rule.engines]
    assert len(data_rules) >= 6 and all(rule.file_examples for rule in data_rules)


@pytest.mark.parametrize("code, example", EXAMPLES)
def test_example_rewrites_to_its_after(code, example):
    result = rewrite(example, example.before)
    assert result.status == ("unchanged" if example.after == example.before else "changed"), result.reason
    assert result.new_source.decode() == example.after
    assert sorted({finding.code for finding in result.findings}) == sorted(example.findings)


@pytest.mark.parametrize("code, example", EXAMPLES)
def test_example_after_is_left_alone(code, example):
    again = rewrite(example, example.after)
    assert again.status == "unchanged" and again.new_source.decode() == example.after
    if example.after != example.before:  # migrated: nothing is left to say
        assert again.findings == []


@pytest.mark.parametrize("code, example", EXAMPLES)
def test_example_exercises_its_own_rule(code, example):
    without = rewrite(example, example.before, DataRules.build((), (code,), False))
    with_rule = rewrite(example, example.before)
    assert (without.new_source, [f.code for f in without.findings]) != \
        (with_rule.new_source, [f.code for f in with_rule.findings])
    assert code not in {finding.code for finding in without.findings} | set(without.fixes)
