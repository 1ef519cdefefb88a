"""The rule catalogue's data model: one `Rule` per change of AfterShip's migration guide.

The rules themselves are declared in the top-level `rules/` folder (shipped as
`migrator.rules`). Both engines read them: the payload translator applies each rule's
`changes`; the codemod reads the same declarations (a key rename is written once).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping

if TYPE_CHECKING:
    from migrator.payload.ops import Change

Engine = Literal["code", "payload", "data"]  # data: test data files (cassettes, JSON fixtures)
Safety = Literal["safe", "unsafe", "manual"]

SAFETY_MEANING: Mapping[str, str] = {
    "safe": "applied by default; keeps behaviour",
    "unsafe": "applied only with --unsafe-fixes (code) because it changes behaviour; otherwise reported",
    "manual": "never rewritten; reported at the site for a person to decide",
}


@dataclass(frozen=True)
class PayloadExample:
    """A v4 document and its 2025-01 translation; `reported` lists `action:json-path` entries.

    `after=None` with `refused=True`: the body has no 2025-01 counterpart and is refused.
    """

    kind: str
    before: Any
    after: Any
    reported: tuple[str, ...] = ()
    refused: bool = False


@dataclass(frozen=True)
class CodeExample:
    """Python source before and after the codemod; `findings` are the codes left as reports."""

    before: str
    after: str
    findings: tuple[str, ...] = ()
    unsafe_fixes: bool = False


@dataclass(frozen=True)
class FileExample:
    """A test data file (a cassette, a JSON fixture) before and after `rewrite`; its `path`
    (suffix and folders) says what it is, `findings` are the codes left as reports."""

    path: str
    before: str
    after: str
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One change between v4 and 2025-01, with a stable code and its own examples."""

    code: str
    name: str
    title: str
    guide: str
    engines: frozenset[str]
    safety: Safety
    summary: str
    changes: tuple[Change, ...] = ()
    examples: tuple[PayloadExample | CodeExample | FileExample, ...] = ()
    # Rules that only inform (rate limits, key types) stay quiet unless selected.
    default: bool = True
    # Codemod: a read of `obj[key]` becomes this expression (`{obj}` is the object's source).
    code_reads: Mapping[str, str] = field(default_factory=dict)
    # Codemod, after the rewrite: what is left of v4 when this rule did not fire. Every key the
    # rule's changes consume that 2025-01 does not define is checked without being listed here;
    # `residual` names further checks of `migrator.codemod.residual` (CHECKS) this rule owns,
    # and `residual_skip` the consumed keys too common to report on their own.
    residual: tuple[str, ...] = ()
    residual_skip: tuple[str, ...] = ()
    # Codemod, for a rule that reshapes a request value in place: an expression sent there is
    # taken to be a plain string, as v4 code sends it (else it is reported for a person to check).
    trusts_expressions: bool = False

    @property
    def payload_examples(self) -> list[PayloadExample]:
        return [e for e in self.examples if isinstance(e, PayloadExample)]

    @property
    def code_examples(self) -> list[CodeExample]:
        return [e for e in self.examples if isinstance(e, CodeExample)]

    @property
    def file_examples(self) -> list[FileExample]:
        return [e for e in self.examples if isinstance(e, FileExample)]

    def doc(self) -> str:
        """The explanation printed by `aftership-migrate rules CODE`."""
        lines = [
            f"{self.code} {self.name}: {self.title}",
            f"  guide:   {self.guide}",
            f"  engines: {', '.join(sorted(self.engines))}",
            f"  safety:  {self.safety} ({SAFETY_MEANING[self.safety]})",
            f"  default: {'on' if self.default else 'off (enable with --select ' + self.code + ')'}",
            "",
            *("  " + line if line else "" for line in self.summary.strip().splitlines()),
        ]
        for example in self.examples:
            lines.append("")
            if isinstance(example, PayloadExample):
                lines.append(f"  JSON ({example.kind}), before:")
                lines.extend("    " + s for s in json.dumps(example.before, indent=2).splitlines())
                if example.refused:
                    lines.append(f"  after: refused ({self.code}), nothing is written")
                    continue
                lines.append("  after:")
                lines.extend("    " + s for s in json.dumps(example.after, indent=2).splitlines())
                if example.reported:
                    lines.append("  reported: " + ", ".join(example.reported))
            elif isinstance(example, FileExample):
                lines.append(f"  {example.path}, before:")
                lines.extend("    " + s for s in example.before.rstrip("\n").splitlines())
                lines.append("  after:")
                lines.extend("    " + s for s in example.after.rstrip("\n").splitlines())
                if example.findings:
                    lines.append("  reported: " + ", ".join(example.findings))
            else:
                flag = " (with --unsafe-fixes)" if example.unsafe_fixes else ""
                lines.append("  Python, before:")
                lines.extend("    " + s for s in example.before.rstrip("\n").splitlines())
                lines.append(f"  after{flag}:")
                lines.extend("    " + s for s in example.after.rstrip("\n").splitlines())
                if example.findings:
                    lines.append("  reported: " + ", ".join(example.findings))
        return "\n".join(lines)


class Fixer:
    """The code behaviour of one rule, declared beside it in `rules/` (Fixit's rules and
    django-upgrade's fixers are the model).

    Methods are named after the hooks of the codemod's one walk (`migrator.codemod.transformer`):
    libcst's `visit_<Node>(node)` and `leave_<Node>(original, updated)`, and the walk's own
    `leave_request(original, updated, shape)` for an HTTP call to AfterShip and
    `leave_access(access)` for a read or write of a key on traced AfterShip data. Every visit
    hook runs; of a node's leave hooks the first that returns a new node edits it (one edit per
    node). `self.file` is the walk: the data flow of the file, fix safety, suppressions,
    findings and inserted statements all live there, not in a fixer.
    """

    rule: Rule  # set by @fixes

    def __init__(self, file: Any) -> None:
        self.file = file

    def fix(self, node: Any) -> bool:
        """Whether this rule may rewrite `node` (counted as a fix); if not, the site is reported."""
        return self.file.fix(node, self.rule)

    def report(self, node: Any, detail: str = "") -> None:
        self.file.report(node, self.rule, detail)


FIXERS: dict[str, type[Fixer]] = {}


def fixes(rule: Rule):
    """Class decorator: the fixer is `rule`'s code behaviour."""

    def register(cls: type[Fixer]) -> type[Fixer]:
        if rule.code in FIXERS:
            raise ValueError(f"{rule.code} has two fixers: {FIXERS[rule.code].__name__} and {cls.__name__}")
        if "code" not in rule.engines:
            raise ValueError(f"{rule.code} has a fixer but is not a code rule")
        cls.rule = rule
        FIXERS[rule.code] = cls
        return cls

    return register


class Catalogue:
    """All rules, by code, in code order."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules: dict[str, Rule] = {}
        for rule in sorted(rules, key=lambda r: r.code):
            if rule.code in self._rules:
                raise ValueError(f"duplicate rule code {rule.code}")
            self._rules[rule.code] = rule
        names = [r.name for r in self._rules.values()]
        if len(set(names)) != len(names):
            raise ValueError("duplicate rule names in the catalogue")

    def __iter__(self):
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __getitem__(self, code: str) -> Rule:
        return self._rules[code]

    def find(self, code_or_name: str) -> Rule | None:
        wanted = code_or_name.strip()
        if wanted.upper() in self._rules:
            return self._rules[wanted.upper()]
        return next((r for r in self._rules.values() if r.name == wanted), None)

    def for_engine(self, engine: Engine) -> list[Rule]:
        return [r for r in self._rules.values() if engine in r.engines]

    def unknown(self, selectors: Iterable[str]) -> list[str]:
        """The codes or prefixes among `selectors` that name no rule (a typo must not pass)."""
        return [s for s in selectors if not any(code.startswith(s.upper()) for code in self._rules)]

    def select(self, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> set[str]:
        """Codes enabled by --select/--ignore; a prefix such as `AS3` selects a family.

        Raises ValueError for a selector that names no rule."""
        select, ignore = list(select), list(ignore)
        unknown = self.unknown([*select, *ignore])
        if unknown:
            raise ValueError(f"unknown rule code {', '.join(unknown)}; see `aftership-migrate rules`")
        codes = set()
        for rule in self._rules.values():
            chosen = any(rule.code.startswith(s.upper()) for s in select) if select else rule.default
            if chosen and not any(rule.code.startswith(i.upper()) for i in ignore):
                codes.add(rule.code)
        return codes


def load_catalogue() -> Catalogue:
    """The catalogue shipped in `migrator.rules` (the repo's `rules/` folder)."""
    from migrator.rules import RULES

    return Catalogue(RULES)
