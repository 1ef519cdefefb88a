"""The embedding API: rewrite a source string, translate a document.

    >>> from migrator.api import rewrite_code, translate_document
    >>> result = rewrite_code('URL = "https://api.aftership.com/v4/trackings"\\n')
    >>> result.code
    'URL = "https://api.aftership.com/tracking/2025-01/trackings"\\n'
    >>> translate_document({"tracking": {"title": "Mug"}}).document
    {'title': 'Mug'}
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # importing the engine costs ~18 ms a code-only user need not pay
    from migrator.payload.engine import Translation


@dataclass
class CodeResult:
    code: str
    changed: bool
    findings: list = field(default_factory=list)
    fixes: dict = field(default_factory=dict)
    skipped_reason: str = ""


def rewrite_code(source: str, *, select: Iterable[str] = (), ignore: Iterable[str] = (),
                 unsafe_fixes: bool = False, add_todo: bool = False) -> CodeResult:
    """Rewrite one Python source; the findings list what was left for a person."""
    from migrator.codemod.runner import Settings, rewrite_one

    settings = Settings(tuple(select), tuple(ignore), unsafe_fixes, add_todo)
    settings.enabled()  # an unknown rule code raises ValueError here, not as one file's internal error
    report = rewrite_one("<string>", source.encode("utf-8"), {}, settings)
    reason = report.reason if report.status in ("skipped", "error") else ""
    return CodeResult(report.new_source.decode("utf-8"), report.status == "changed", report.findings,
                      report.fixes, reason)


def convert_line(line: str, kind: str | None = None, strict: bool = False) -> tuple[str, dict | None]:
    """One JSONL line in, (its 2025-01 line, its report entry or None) out.

    A pure function over one document, as distributed engines need (Dask bag, PySpark RDD):
    a body that fails comes back unchanged with an entry saying why, as in the CLI.
    """
    from migrator.payload.run import Options, convert_record, translator_for
    from migrator.payload.sources import line_record

    options = Options(kind=kind, strict=strict, report=True)
    outcome = convert_record(translator_for(options), options, line_record("line", 0, line), "lines")
    return outcome.text, outcome.entry


def translate_document(document: Any, kind: str | None = None) -> Translation:
    """Translate one parsed v4 body to 2025-01 (the input is not modified).

    Raises `migrator.payload.kinds.Unrecognised` or `migrator.payload.engine.Refused`.
    """
    from migrator.payload.engine import translate

    return translate(copy.deepcopy(document), kind)
