"""JSON fixtures: a test's stored AfterShip body (a response, a webhook, a request) translated
in place, by the translator `translate` uses and with its rules: a body that fails (ambiguous,
refused, invalid after translation) is reported at line 1 and left as it is; each value the
translation drops or changes is reported at its line.

Only what is AfterShip's is translated: a body the translator reads as a v4 body *and* whose
structure only AfterShip gives (the `meta`/`data` envelope, a webhook's `event`/`msg`, a
request wrapped in `tracking`). A bare object that merely holds tracking fields may be anyone's:
it is reported (AS806) when the project names AfterShip elsewhere, and never translated by guess.
"""

from __future__ import annotations

import copy
from typing import Any

from migrator.datafiles.recorded import dumps_like
from migrator.datafiles.ruleset import Said
from migrator.datafiles.spans import Mapping, Node, Sequence
from migrator.datafiles.translation import translate_document

FIXTURE_RULE, LEFT_RULE, MAYBE_RULE = "AS804", "AS805", "AS806"


def has_aftership_structure(document: Any) -> bool:
    """The envelope (`meta` with a `code`, and `data`), a webhook (`event` and `msg`), or a
    request wrapped in `tracking` or `notification` as AfterShip's v4 API takes it."""
    if not isinstance(document, dict):
        return False
    keys = document.keys()
    if {"meta", "data"} <= keys:
        return isinstance(document["meta"], dict) and "code" in document["meta"]
    if {"event", "msg"} <= keys:
        return isinstance(document["msg"], dict)
    return len(keys) == 1 and next(iter(keys)) in ("tracking", "notification") and isinstance(
        next(iter(document.values())), dict)


def rewrite_fixture(text: str, document: Any, tree: Node, said: Said, names_aftership: bool,
                    kind: str | None = None) -> str | None:
    """The fixture's new text (None: left as it is). `text` is the file without its BOM,
    `document` its exact value, `tree` where each of its values lies; `kind`: the kind the
    configuration's `kinds` table gives the file (then it is AfterShip's by the user's word)."""
    from migrator.payload.kinds import Unrecognised, candidates

    if isinstance(document, list):
        return _rewrite_array(text, document, tree, said, kind)
    try:
        fitting = [kind] if kind else candidates(document)
    except Unrecognised:
        return None  # no AfterShip body: not ours
    rules = said.rules
    if kind is None and not has_aftership_structure(document):
        if names_aftership and rules.on(MAYBE_RULE):
            trial = translate_document(rules.translator, copy.deepcopy(document), None)
            if trial.error or trial.changed:
                said.report(MAYBE_RULE, 0, f"may be a v4 AfterShip body ({' or '.join(fitting)}), but holds no "
                                           f"structure only AfterShip gives: not translated by guess; if it is "
                                           f"AfterShip's, run `aftership-migrate translate --in-place --kind "
                                           f"{fitting[0]}` on it")
        return None
    if not rules.on(FIXTURE_RULE):
        return None
    outcome = translate_document(rules.translator, document, kind)
    if outcome.error:
        said.report(outcome.rule or LEFT_RULE, 0, f"an AfterShip body left as it is: {outcome.error}")
        return None
    for event in outcome.events:
        said.report(event.rule, place_of(tree, event.where), f"{event.action} {event.path}: {event.message}",
                    translated=True)
    if not outcome.changed:
        return None
    said.fixed(FIXTURE_RULE, 0, f"translated as {outcome.kind}")
    return _written_like(outcome.document, text)


def _rewrite_array(text: str, bodies: list, tree: Node, said: Said, kind: str | None = None) -> str | None:
    """An array of AfterShip bodies (a test's list of webhooks, say), translated as `translate`
    translates an array: each body on its own, one that fails reported at its place and kept as
    it was. An array holding anything else is not a fixture of AfterShip bodies."""
    if not bodies or not (kind or all(has_aftership_structure(body) for body in bodies)) \
            or not said.rules.on(FIXTURE_RULE):
        return None
    out, changed = [], False
    for index, body in enumerate(bodies):
        outcome = translate_document(said.rules.translator, copy.deepcopy(body), kind)
        if outcome.error:
            said.report(outcome.rule or LEFT_RULE, place_of(tree, (index,)),
                        f"an AfterShip body left as it is ([{index}]): {outcome.error}")
            out.append(body)
            continue
        for event in outcome.events:
            said.report(event.rule, place_of(tree, (index, *event.where)),
                        f"{event.action} $[{index}]{event.path[1:]}: {event.message}", translated=True)
        out.append(outcome.document)
        changed = changed or outcome.changed
    if not changed:
        return None
    said.fixed(FIXTURE_RULE, 0, f"{len(bodies)} bodies translated")
    return _written_like(out, text)


def _written_like(document: Any, text: str) -> str:
    """`document` as JSON in the file's style; lines end as the file's did (JSON strings hold no
    raw line break), the end of file as it was."""
    newline = "\r\n" if "\r\n" in text else "\n"
    return dumps_like(document, text).replace("\n", newline) + text[len(text.rstrip("\r\n")):]


def place_of(tree: Node, where: tuple) -> int:
    """The offset of the value at `where` (keys and indices) in the input, or of the deepest
    value on the way that is there."""
    node, at = tree, tree.start
    for part in where:
        if isinstance(node, Mapping) and isinstance(part, str):
            found = next(((key, value) for key, value in node.pairs if key.value == part), None)
            if found is None:
                break
            node, at = found[1], found[0].start
        elif isinstance(node, Sequence) and isinstance(part, int) and 0 <= part < len(node.items):
            node = node.items[part]
            at = node.start
        else:
            break
    return at
