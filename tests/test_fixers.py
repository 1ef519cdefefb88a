"""The codemod's architecture: each code rule's behaviour is a fixer beside its declaration (or
its declared changes), one walk dispatches them, and the translator never loads libcst."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.catalogue import FIXERS, Fixer, fixes, load_catalogue
from migrator.codemod.ruleset import CodeRules
from migrator.codemod.transformer import HOOKS
from migrator.rules.endpoints import SLUG_NUMBER_ENDPOINTS
from migrator.rules.envelopes import MARK_AS_COMPLETED

CATALOGUE = load_catalogue()


def _declared_codes() -> set[str]:
    """Rules whose code behaviour is their declared changes (declared.DeclaredChangesFixer)."""
    rules = CodeRules.build(CATALOGUE, {r.code for r in CATALOGUE})
    codes = {rule.code for table in (rules.renames, rules.reads) for scope in table.values() for _, rule in scope.values()}
    codes |= {rule.code for table in (rules.reported, rules.reshaped_values) for scope in table.values()
              for rule in scope.values()}
    codes |= {rule.code for _, rule in rules.value_renames.values()}
    return codes


def test_every_code_rule_has_a_fixer_or_declared_changes():
    declared = _declared_codes()
    # A rule that documents what must *not* change has no behaviour of its own: its examples say so.
    guards = {MARK_AS_COMPLETED.code}
    for rule in CATALOGUE.for_engine("code"):
        assert rule.code in FIXERS or rule.code in declared or rule.code in guards, rule.code
    for example in MARK_AS_COMPLETED.code_examples:
        body = example.before[example.before.index("json="):]
        assert body in example.after and not example.findings


def test_each_fixer_is_declared_in_the_module_of_its_rule():
    for code, fixer in FIXERS.items():
        rule = CATALOGUE[code]
        module = sys.modules[fixer.__module__]
        assert any(value is rule for value in vars(module).values()), f"{fixer.__name__} is not beside {code}"


def test_every_hook_a_fixer_defines_is_one_the_walk_calls():
    for fixer in FIXERS.values():
        hooks = {name for name, _ in inspect.getmembers(fixer, inspect.isfunction)
                 if name.startswith(("visit_", "leave_", "plan_"))}
        assert hooks, f"{fixer.__name__} hooks nothing"
        assert hooks <= HOOKS, f"{fixer.__name__}: {sorted(hooks - HOOKS)}"


def test_a_rule_takes_one_fixer_and_only_a_code_rule_takes_one():
    with pytest.raises(ValueError, match="two fixers"):
        fixes(SLUG_NUMBER_ENDPOINTS)(type("Again", (Fixer,), {}))
    payload_only = next(r for r in CATALOGUE if r.engines == frozenset({"payload"}))
    with pytest.raises(ValueError, match="not a code rule"):
        fixes(payload_only)(type("Wrong", (Fixer,), {}))
    assert FIXERS[SLUG_NUMBER_ENDPOINTS.code].__name__ == "SlugNumberFixer"


def test_no_rule_code_is_written_outside_the_catalogue_in_the_codemod():
    """The walk and the data-flow modules name rules by their declarations, never by a code."""
    import re

    codemod = Path(__file__).resolve().parents[1] / "migrator" / "codemod"
    for path in codemod.glob("*.py"):
        assert not re.search(r"[\"']AS\d{3}[\"']", path.read_text()), path.name


def test_the_translator_does_not_load_libcst(tmp_path):
    """The rule modules hold the fixers; the translator reads them without paying for libcst."""
    source = tmp_path / "t.json"
    source.write_text('{"meta": {"code": 200}, "data": {"tracking": {"id": "a", "origin_country_iso3": "USA"}}}')
    probe = ("import sys, types\nfrom migrator.cli import main\n"
             "try:\n    main(['translate', '-q', sys.argv[1], '-o', sys.argv[2]])\nexcept SystemExit:\n    pass\n"
             "m = sys.modules.get('libcst')\nprint(m is not None and type(m) is types.ModuleType)\n")
    # Run outside the checkout, so `migrator` is the installed package (with its rules).
    done = subprocess.run([sys.executable, "-c", probe, str(source), str(tmp_path / "out.json")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.stdout.strip().splitlines()[-1:] == ["False"], done.stdout + done.stderr
    assert '"origin_country_region"' in (tmp_path / "out.json").read_text()


def test_a_fixer_of_a_rule_that_is_off_is_not_called():
    from migrator.codemod.engine import rewrite_source

    source = b'import requests\nrequests.get("https://api.aftership.com/v4/trackings", headers={"aftership-api-key": K})\n'
    on = CodeRules.build(CATALOGUE, CATALOGUE.select())
    off = CodeRules.build(CATALOGUE, CATALOGUE.select(ignore=["AS102"]))
    assert b'"as-api-key"' in rewrite_source(source, on).new_source
    result = rewrite_source(source, off)
    assert b'"aftership-api-key"' in result.new_source and b"tracking/2025-01" in result.new_source



def test_every_hook_the_walk_declares_is_one_it_dispatches():
    """HOOKS is what fixers may define; each must be called somewhere in the walk, or a fixer
    defining it would be a rule silently off."""
    import re

    source = (Path(__file__).resolve().parents[1] / "migrator" / "codemod" / "transformer.py").read_text()
    body = source[source.index("class MigrationTransformer"):]
    dispatched = set(re.findall(r'_(?:visit|leave|hooks)\("(\w+)"', body))
    assert HOOKS == dispatched, sorted(HOOKS ^ dispatched)
