"""The rules a run applies to test data files, and what a file's rewrite says (its findings,
its fixes): one object per run's settings, shared by cassettes and fixtures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

from migrator.codemod.sites import Finding
from migrator.datafiles.spans import Text


@dataclass(frozen=True)
class DataRules:
    """`enabled`: the codes the run's --select/--ignore enable. Bodies are translated by every
    payload rule the run does not ignore: the AS8xx rules decide which files change, the payload
    rules how each body does, as `translate` applies them."""

    enabled: frozenset[str]
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False

    @classmethod
    def build(cls, select: Iterable[str], ignore: Iterable[str], unsafe_fixes: bool) -> "DataRules":
        from migrator.catalogue import load_catalogue

        return cls(frozenset(load_catalogue().select(select, ignore)), tuple(ignore), unsafe_fixes)

    @cached_property
    def catalogue(self):
        from migrator.catalogue import load_catalogue

        return load_catalogue()

    @cached_property
    def translator(self):
        from migrator.payload.engine import Translator

        return Translator(self.catalogue, self.catalogue.select((), self.ignore))

    @cached_property
    def code_rules(self):
        """The codemod's view of the catalogue: the query renames code gets, applied alike."""
        from migrator.codemod.ruleset import CodeRules

        return CodeRules.build(self.catalogue, set(self.enabled), self.unsafe_fixes)

    @cached_property
    def translated_by(self) -> frozenset[str]:
        """The codes the translator applies: what it reports is reported whatever --select says."""
        return frozenset(rule.code for rule in self.catalogue.for_engine("payload")
                         if rule.code in self.catalogue.select((), self.ignore))

    def on(self, code: str) -> bool:
        return code in self.enabled

    def guide(self, code: str) -> str:
        from migrator.codemod.ruleset import guide_ref

        return guide_ref(self.catalogue[code])


@dataclass
class Said:
    """What the rewrite of one file says: findings (left for a person), edits (fixes made, for
    --show-fixes and JSON output) and the count of fixes by rule."""

    text: Text
    rules: DataRules
    findings: list[Finding] = field(default_factory=list)
    edits: list[Finding] = field(default_factory=list)
    fixes: Counter = field(default_factory=Counter)

    def report(self, code: str, at: int, message: str, translated: bool = False) -> None:
        """A finding of `code` (said when the rule is on; `translated`: a value the translator
        reports, said whenever the translator applied its rule)."""
        if self.rules.on(code) or (translated and code in self.rules.translated_by):
            self.findings.append(self._finding(code, at, message))

    def fixed(self, code: str, at: int, message: str) -> None:
        self.fixes[code] += 1
        self.edits.append(self._finding(code, at, f"fixed: {message}"))

    def _finding(self, code: str, at: int, message: str) -> Finding:
        return Finding(self.text.line(at), self.text.column(at), code, message, self.rules.guide(code))
