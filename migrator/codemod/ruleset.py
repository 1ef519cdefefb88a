"""The codemod's view of the catalogue: per scope, which keys are renamed, rewritten or reported.

Derived from the same declarations the payload translator applies, so a rename is written
once: a `Rename` renames a key, a rule's `code_reads` template rewrites a read, and any other
key a payload change consumes is reported when code reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from migrator.catalogue import Catalogue, Rule
from migrator.payload.ops import Remove, Rename, RenameValue, Reshape


@dataclass
class CodeRules:
    catalogue: Catalogue
    enabled: set[str]
    unsafe_fixes: bool = False
    renames: dict[str, dict[str, tuple[str, Rule]]] = field(default_factory=dict)
    value_renames: dict[str, tuple[str, Rule]] = field(default_factory=dict)
    reads: dict[str, dict[str, tuple[str, Rule]]] = field(default_factory=dict)
    reported: dict[str, dict[str, Rule]] = field(default_factory=dict)

    # Keys whose *value* a rule reshapes in place (a slug list, a date format), per scope.
    reshaped_values: dict[str, dict[str, Rule]] = field(default_factory=dict)
    # What is left of v4 after the rewrite (see residual.py): key -> rule, check name -> rule.
    residual_keys: dict[str, Rule] = field(default_factory=dict)
    # Keys a rule consumes that 2025-01 keeps with another type (`shipment_weight`: a number in
    # v4, an object in 2025-01): v4's only in code that talks to v4, reported there.
    retyped_keys: dict[str, Rule] = field(default_factory=dict)
    residual_checks: dict[str, Rule] = field(default_factory=dict)

    @classmethod
    def build(cls, catalogue: Catalogue, enabled: set[str], unsafe_fixes: bool = False) -> "CodeRules":
        rules = cls(catalogue, enabled, unsafe_fixes)
        for rule in catalogue.for_engine("code"):
            for change in rule.changes:
                for scope in change.scopes:
                    rules._add(rule, change, scope)
            rules._add_residual(rule)
        return rules

    def _add_residual(self, rule: Rule) -> None:
        from migrator.codemod.residual import CHECKS

        defined = keys_of_2025_01()
        for change in rule.changes:
            consumed = (change.old,) if isinstance(change, Rename) else change.fields if isinstance(change, Remove) \
                else change.reads if isinstance(change, Reshape) and change.replaces_keys else ()
            for key in consumed:
                if key not in rule.residual_skip:
                    (self.retyped_keys if key in defined else self.residual_keys).setdefault(key, rule)
        for check in rule.residual:
            if check not in CHECKS or check in self.residual_checks:
                raise ValueError(f"{rule.code}: residual check {check!r} is unknown or owned by another rule")
            self.residual_checks[check] = rule

    def _add(self, rule: Rule, change, scope: str) -> None:
        if isinstance(change, Rename):
            self.renames.setdefault(scope, {})[change.old] = (change.new, rule)
        elif isinstance(change, RenameValue):
            self.value_renames[change.old] = (change.new, rule)
        elif isinstance(change, Reshape) and not change.replaces_keys:
            for key in change.reads:
                self.reshaped_values.setdefault(scope, {})[key] = rule
        elif isinstance(change, Remove) or (isinstance(change, Reshape) and change.replaces_keys):
            keys = change.reads if isinstance(change, Reshape) else change.fields
            for key in keys:
                if key in rule.code_reads:
                    self.reads.setdefault(scope, {})[key] = (rule.code_reads[key], rule)
                else:
                    self.reported.setdefault(scope, {})[key] = rule

    @cached_property
    def standalone_values(self) -> dict[str, tuple[str, Rule]]:
        """Renamed enum values that are no field name anywhere ("AI Predictive EDD"): such a
        literal means the value wherever it stands in an AfterShip file. Values that are also
        field names ("tracking_origin_country") are rewritten only where traced data is compared."""
        keys = {key for table in (self.renames, self.reads, self.reported) for scope in table.values() for key in scope}
        keys |= {new for scope in self.renames.values() for new, _ in scope.values()}
        return {old: entry for old, entry in self.value_renames.items() if old not in keys}

    @cached_property
    def marker_literals(self) -> frozenset[str]:
        """Literals that make a function worth walking even without an AfterShip call in it:
        enum values rules rename, and `tracking` (a v4 envelope passed in as a parameter).
        Keys such as `emails` are renamed only on traced data, so they do not count."""
        return frozenset({"tracking"} | set(self.value_renames))

    def on(self, code: str) -> bool:
        return code in self.enabled

    def may_fix(self, rule: Rule) -> bool:
        """Whether a rewrite of `rule` is applied (else it is reported)."""
        if rule.code not in self.enabled or rule.safety == "manual":
            return False
        return rule.safety == "safe" or self.unsafe_fixes


@lru_cache(maxsize=None)
def keys_of_2025_01() -> frozenset[str]:
    """Every property name the 2025-01 schemas define, at any depth (a key in this set is no
    trace of v4 on its own, whatever its meaning was in v4)."""
    from migrator.schemas import load_schema, schema_names

    names: set[str] = set()
    pending: list = [load_schema("2025-01", kind) for kind in schema_names("2025-01")]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                names.update(node["properties"])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return frozenset(names)


def guide_ref(rule: Rule) -> str:
    """`§5.7` from the rule's guide text, or `not in guide`."""
    match = re.search(r"§\d+(?:\.\d+)*", rule.guide)
    return f"guide {match.group(0)}" if match else "not in guide"
