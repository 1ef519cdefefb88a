"""One body of a test data file through the payload translator, with `translate`'s rules: a
body is translated, left as it was (already 2025-01), or fails with the translator's reason
(ambiguous, unrecognised, refused by an endpoint's rule, invalid after translation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrator.payload.ops import Event


@dataclass
class BodyOutcome:
    document: Any = None
    kind: str = ""
    changed: bool = False
    events: list[Event] = field(default_factory=list)
    error: str = ""  # why the body is left as it was; empty when translated or unchanged
    rule: str = ""  # the rule that refused it (an endpoint 2025-01 removed), if one did


def translate_text(translator, text: str, kind: str | None) -> BodyOutcome:
    """Read `text` exactly (numbers kept, repeated keys refused) and translate it as `kind`
    (None: its shape decides)."""
    from migrator.payload.sources import parse_body, unreadable_reason

    try:
        document = parse_body(text)
    except ValueError as error:
        return BodyOutcome(error=unreadable_reason(error))  # the reason `translate` gives
    return translate_document(translator, document, kind)


def translate_document(translator, document: Any, kind: str | None) -> BodyOutcome:
    from migrator.payload.engine import Refused
    from migrator.payload.kinds import Ambiguous, Unrecognised

    try:
        result = translator.translate(document, kind)
    except Ambiguous as error:
        return BodyOutcome(error=f"ambiguous: {error}")
    except Unrecognised as error:
        return BodyOutcome(error=f"unrecognised: {error}")
    except Refused as error:
        return BodyOutcome(error=f"refused: {error}", rule=error.rule)
    except RecursionError:
        return BodyOutcome(error="nested too deeply to be translated")
    if result.errors:
        return BodyOutcome(kind=result.kind, error=f"invalid as 2025-01 {result.kind}: {result.errors[0]}")
    return BodyOutcome(result.document, result.kind, result.changed, list(result.events))
