"""Real v4 bodies from AfterShip's SDKs (the shared reference corpus) through the translator.

The corpus is read in place (AFTERSHIP_REFERENCE_PAYLOADS, default ../shared/reference/payloads)
and never copied into the repository.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS_DIRS, PAYLOADS, REFUSED_KINDS, load_json, need_payloads
from migrator import schemas
from migrator.cli import main
from migrator.payload.engine import Refused, Translator
from migrator.payload.kinds import Ambiguous, Unrecognised, candidates, recognise

TRANSLATOR = Translator()

# Request bodies and what they are. The detect request holds only detection keys and a list of
# slugs, which v4 create took too: its shape fits create and detect, which translate it
# differently, so its kind must come from context (its file name says it; --kind or `kinds`).
REQUEST_KINDS = {
    "sdk-java-fixtures/endpoint__courier__CourierDetectRequest.json": "detect-courier-request",
    "sdk-java-fixtures/endpoint__tracking__CreateTrackingRequest.json": "create-tracking-request",
    "sdk-java-fixtures/endpoint__tracking__UpdateTrackingRequest.json": "update-tracking-request",
}
SHAPE_UNDECIDED = {"sdk-java-fixtures/endpoint__courier__CourierDetectRequest.json"}
# Query parameters, not a body.
NOT_BODIES = {"sdk-java-fixtures/endpoint__tracking__GetTrackingParams.json"}
# Real bodies the translator cannot carry over yet, and why (each one a bug to fix).


def corpus_files() -> list[str]:
    if not PAYLOADS.is_dir():
        return []
    return sorted(f"{d}/{p.name}" for d in CORPUS_DIRS for p in (PAYLOADS / d).glob("*.json"))


FILES = corpus_files()


def params(names):
    return [
        pytest.param(name, id=name)
        for name in names
    ] or [pytest.param(None, id="no-corpus")]


def body(name):
    return load_json(PAYLOADS / name)


def kind_of(name) -> str:
    """The kind of a corpus file: its shape's, or its file name's where the shape does not decide."""
    return REQUEST_KINDS[name] if name in SHAPE_UNDECIDED else recognise(body(name))


def test_corpus_is_there():
    root = need_payloads()
    for folder in CORPUS_DIRS:
        assert list((root / folder).glob("*.json")), f"{root / folder} holds no JSON"
    assert len(FILES) >= 30
    assert set(REQUEST_KINDS) | NOT_BODIES <= set(FILES)


@pytest.mark.parametrize("name", params(FILES))
def test_real_body_translates_to_valid_2025_01(name):
    need_payloads()
    if name in NOT_BODIES:
        with pytest.raises(Unrecognised):
            recognise(body(name))
        pytest.skip("query parameters, not a body")
    document = body(name)
    kind = kind_of(name)
    if kind in REFUSED_KINDS:
        with pytest.raises(Refused) as refused:
            TRANSLATOR.translate(document, kind)
        assert refused.value.rule == REFUSED_KINDS[kind]
        return
    result = TRANSLATOR.translate(copy.deepcopy(document), kind)
    assert result.errors == []
    assert schemas.validation_errors("2025-01", kind, result.document) == []
    again = TRANSLATOR.translate(copy.deepcopy(result.document), kind)
    assert again.document == result.document and again.events == []


@pytest.mark.parametrize("name", sorted(REQUEST_KINDS))
def test_real_request_is_recognised(name):
    need_payloads()
    kind = REQUEST_KINDS[name]
    if name in SHAPE_UNDECIDED:
        assert kind in candidates(body(name)) and len(candidates(body(name))) > 1
        with pytest.raises(Ambiguous, match=r"`\$\.slug`"):
            TRANSLATOR.translate(body(name))
        return
    assert recognise(body(name)) == kind
    # Forcing the kind it already has changes nothing.
    assert (TRANSLATOR.translate(body(name), kind).document
            == TRANSLATOR.translate(body(name)).document)


def test_refused_real_bodies_are_the_removed_endpoints():
    need_payloads()
    refused = set()
    for name in FILES:
        if name in NOT_BODIES:
            continue
        if kind_of(name) in REFUSED_KINDS:
            refused.add(name.split("/", 1)[1])
    assert refused == {
        "endpoint__checkpoint__GetLastCheckpointResult.json",
        "endpoint__notification__AddNotificationRequest.json",
        "endpoint__notification__AddNotificationResult.json",
        "endpoint__notification__GetNotificationResult.json",
        "endpoint__notification__RemoveNotificationRequest.json",
        "endpoint__notification__RemoveNotificationResult.json",
        "lastCheckpoint.response.json",
    }


def test_cli_over_the_whole_corpus(tmp_path):
    root = need_payloads()
    corpus = tmp_path / "corpus"
    for folder in CORPUS_DIRS:
        shutil.copytree(root / folder, corpus / folder)
    out, report = tmp_path / "out", tmp_path / "report.json"
    # The file names say what the bodies whose shape does not are, as a project's table would.
    table = ", ".join(f'"**/{Path(name).name}" = "{REQUEST_KINDS[name]}"' for name in sorted(SHAPE_UNDECIDED))
    (tmp_path / "pyproject.toml").write_text(f"[tool.aftership-migrate]\nkinds = {{{table}}}\n")

    result = CliRunner().invoke(main, ["translate", "-q", str(corpus), "-o", str(out), "--report", str(report)],
                                catch_exceptions=False)

    assert result.exit_code == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    failed = {str(Path(d["document"]).relative_to(corpus))
              for d in data["documents"] if d["status"] == "failed"}
    refused = {f for f in FILES if f not in NOT_BODIES and kind_of(f) in REFUSED_KINDS}
    assert failed == refused | NOT_BODIES
    assert data["summary"]["failed"] == len(failed)
    assert data["summary"]["documents"] == len(FILES)
    for name in sorted(set(FILES) - failed):
        written = json.loads((out / name).read_text(encoding="utf-8"))
        kind = kind_of(name)
        assert schemas.validation_errors("2025-01", kind, written) == [], name
    for name in failed:  # written as they were: the output folder holds every input
        assert (out / name).read_bytes() == (corpus / name).read_bytes(), name
