"""Fuzzing the archive converter (issue 10, point 8): mutated v4 bodies through every path.

A seeded generator takes the v4 bodies of the catalogue's own examples (each rule's `before`,
trackings also inside their API envelope) and mutates them: keys dropped and added, leaves of
one type swapped for another, odd Unicode (line separators, lone surrogates, NUL, bidi marks),
huge and tiny numbers, deep nesting, recipients of the wrong type; then, on the text, cuts,
bytes that are not UTF-8, numbers no double holds, duplicate keys, raw CRs and blank lines.
The archive goes through the CLI with orjson and with the standard library's json, serially and
in worker processes, and every document is held to issue 10's points 1-4:

1. every output line is strict JSON, or the input line byte for byte (a body that failed);
2. no crash, every failure named in the report, which is valid JSON, line for line;
3. nothing disappears without an entry: each non-empty value of a converted body is in its
   output, or a report event names its place;
4. translating the output again changes nothing and reports nothing.
Serial and parallel runs write the same bytes; both JSON libraries the same values.
"""

from __future__ import annotations

import copy
import json
import os
import random

import pytest
from click.testing import CliRunner

from migrator.catalogue import PayloadExample, load_catalogue
from migrator.cli import main
from migrator.payload import jsonlib, run as archive_run
from migrator.payload.ops import RenameValue, json_path

SEED = int(os.environ.get("AFTERSHIP_FUZZ_SEED", "20261129"))
DOCUMENTS = int(os.environ.get("AFTERSHIP_FUZZ_DOCUMENTS", "1200"))
ODD_STRINGS = ["a\u2028b", "c\u2029d", "e\u0085f", "\ud800", "x\udfffy", "\x00", "\u202eevil", "🚚 ok", "é", "\ufeff",
               "line\nbreak", 'quote"inside', "back\\slash", "1,2,3", "dhl, ups", "", " "]
ODD_NUMBERS = [2 ** 70, -(2 ** 64), 2 ** 63, 9007199254740993, 1.7976931348623157e308, 5e-324, -0.0, 0, 1.5, -1]
TEXT_NUMBERS = ["1e400", "-1e400", "NaN", "Infinity", "0.10000000000000000555", "1e-400", "123456789012345678901234567890"]


# ----------------------------------------------------------------------------- the corpus

def seed_bodies() -> list:
    bodies = []
    for rule in load_catalogue():
        for example in rule.examples:
            if isinstance(example, PayloadExample):
                bodies.append(example.before)
                if example.kind == "tracking":
                    bodies.append({"meta": {"code": 200}, "data": {"tracking": example.before}})
                    bodies.append({"meta": {"code": 200}, "data": {"page": 1, "limit": 1, "count": 1,
                                                                   "trackings": [example.before]}})
    return bodies


def leaves(value):
    """(path, value) of every scalar, at any depth (iterative: bodies nest deeper than the stack)."""
    pending = [((), value)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((path + (key,), child) for key, child in value.items())
        elif isinstance(value, list):
            pending.extend((path + (index,), child) for index, child in enumerate(value))
        else:
            yield path, value


def containers(value):
    pending = [value]
    while pending:
        value = pending.pop()
        yield value
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def mutate_value(rng: random.Random, body):
    body = copy.deepcopy(body)
    for _ in range(rng.randint(1, 3)):
        objects = [c for c in containers(body) if isinstance(c, dict)]
        if not objects:
            break
        target = rng.choice(objects)
        move = rng.randrange(7)
        if move == 0 and target:
            del target[rng.choice(list(target))]
        elif move == 1:
            target[rng.choice(["extra", "emails", "smses", "custom_fields", "note", "zz_unknown"])] = rng.choice(
                [rng.choice(ODD_STRINGS), rng.choice(ODD_NUMBERS), True, None, [], {}, [1, "two"], {"k": "v"}])
        elif move == 2 and target:
            key = rng.choice(list(target))
            target[key] = rng.choice([rng.choice(ODD_STRINGS), rng.choice(ODD_NUMBERS), False, None, ["x"], {"y": 1}])
        elif move == 3 and target:
            key = rng.choice(list(target))
            if isinstance(target[key], str):
                target[key] = target[key] + rng.choice(ODD_STRINGS)
        elif move == 4:
            deep = []
            for _ in range(rng.choice([50, 900, 1500])):
                deep = [deep]
            target["nested"] = deep
        elif move == 5:
            target[rng.choice(["emails", "smses"])] = rng.choice([5, True, {"a": 1}, "a@x.io,b@x.io", ["a@x.io", 7]])
        else:
            target[rng.choice(["shipment_weight", "delivery_time", "shipment_package_count"])] = rng.choice(ODD_NUMBERS)
    return body


def mutate_text(rng: random.Random, text: str) -> bytes:
    move = rng.randrange(12)
    data = text.encode("utf-8", "surrogatepass") if move else text.encode("utf-8", "replace")
    if move == 1:
        return data[: rng.randrange(max(1, len(data)))]
    if move == 2:
        at = rng.randrange(len(data))
        return data[:at] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80"]) + data[at:]
    if move == 3 and b":1" in data:
        return data.replace(b":1", b":" + rng.choice(TEXT_NUMBERS).encode(), 1)
    if move == 4 and data.startswith(b"{\""):
        key = data[1:data.index(b'"', 2) + 1]
        return b"{" + key + b':"duplicate",' + data[1:]
    if move == 5 and b"," in data:
        return data.replace(b",", b",\r", 1)
    if move == 6:
        return b"   "
    return data


def make_archive(rng: random.Random) -> list[bytes]:
    bodies = seed_bodies()
    lines = []
    for _ in range(DOCUMENTS):
        body = mutate_value(rng, rng.choice(bodies)) if rng.random() < 0.8 else rng.choice(bodies)
        try:
            text = json.dumps(body, ensure_ascii=rng.random() < 0.3, separators=rng.choice([(",", ":"), (", ", ": ")]))
        except RecursionError:
            text = "[" * 3000 + "]" * 3000
        line = mutate_text(rng, text) if rng.random() < 0.3 else text.encode("utf-8", "surrogatepass")
        lines.append(line.replace(b"\n", b" "))
    return lines


# ----------------------------------------------------------------------------- the runs

def strict(text: str):
    return jsonlib.strict_loads(text)


def translate(tmp_path, name: str, source, *args):
    target, report = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.report.json"
    result = CliRunner().invoke(main, ["translate", "-q", str(source), "-o", str(target), "--report", str(report),
                                       *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    documents = json.loads(report.read_text(encoding="utf-8"))  # the report is valid JSON
    entries = {entry["line"]: entry for entry in documents["documents"]}
    return target.read_bytes().split(b"\n"), entries, documents["summary"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    lines = make_archive(random.Random(SEED))
    source = folder / "archive.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    return folder, source, lines


@pytest.fixture(scope="module", params=["orjson", "json"])
def runs(request, archive):
    folder, source, lines = archive
    library = request.param
    if library == "orjson" and jsonlib.orjson is None:
        pytest.skip("orjson is not installed")
    patch = pytest.MonkeyPatch()
    if library == "json":
        patch.setattr(jsonlib, "orjson", None)
    try:
        serial = translate(folder, f"{library}-serial", source, "--jobs", "1")
        patch.setattr(archive_run, "PARALLEL_BYTES", 1)  # worker processes for any size
        patch.setattr(archive_run, "RANGE_BYTES", 64 << 10)
        parallel = translate(folder, f"{library}-parallel", source, "--jobs", "2")
        patch.setattr(archive_run, "PARALLEL_BYTES", 16 << 20)
        again = translate(folder, f"{library}-again", folder / f"{library}-serial.jsonl", "--jobs", "1")
    finally:
        patch.undo()
    return library, lines, serial, parallel, again


def test_every_line_is_strict_json_or_the_input_unchanged(runs):
    library, lines, (output, entries, summary), _, _ = runs
    assert len(output) == len(lines) + 1 and output[-1] == b""
    failed = 0
    for number, (before, after) in enumerate(zip(lines, output), start=1):
        entry = entries.get(number)
        if entry is not None and entry["status"] == "failed":
            failed += 1
            assert after == before, f"line {number}: a failed body must be written back unchanged"
        elif before.strip():
            strict(after.decode("utf-8"))
        else:
            assert after == before  # a blank line stays
    assert summary["failed"] == failed
    assert summary["documents"] == sum(1 for line in lines if line.strip())
    print(f"\nfuzz ({library}): {summary['documents']} documents, {summary['converted']} converted, "
          f"{summary['unchanged']} unchanged, {failed} failed and reported, 0 crashes")


# Enum values a rule renames (declared, not lost): the new value stands for the old.
VALUE_RENAMES = {change.old: change.new for rule in load_catalogue() for change in rule.changes
                 if isinstance(change, RenameValue)}


def _accounted(path, value, out_values, out_strings, events) -> bool:
    where = json_path(path)
    if any(where == e or where.startswith(e + ".") or where.startswith(e + "[") for e in events):
        return True
    if isinstance(value, str) and value in VALUE_RENAMES:
        value = VALUE_RENAMES[value]
    if isinstance(value, str):
        # Carried as it is, or as a rule reshapes it: trimmed, a comma list split into its parts
        # (AS303, AS307), a date rewritten with its digits kept (AS308), a number read from its
        # text (AS301).
        digits = "".join(c for c in value if c.isdigit())
        # A comma list's parts keep their places: a part not carried is reported at `where[i]`.
        parts = [(i, part.strip()) for i, part in enumerate(value.split(",")) if part.strip()]
        return value in out_strings or value.strip() in out_strings or (len(parts) > 1 and all(
            part in out_strings or f"{where}[{i}]" in events for i, part in parts)) or bool(
            digits and any("".join(c for c in s if c.isdigit()) == digits for s in out_strings)) or (
            _as_number(value) is not None and (False, _as_number(value)) in out_values)
    return (type(value) is bool, value) in out_values


def _as_number(text: str):
    try:
        return float(text.strip())
    except ValueError:
        return None


def test_nothing_disappears_without_an_entry(runs):
    _, lines, (output, entries, _), _, _ = runs
    for number, (before, after) in enumerate(zip(lines, output), start=1):
        entry = entries.get(number, {"status": "unchanged"})
        if entry["status"] == "failed" or not before.strip():
            continue
        source, result = strict(before.decode("utf-8")), strict(after.decode("utf-8"))
        events = [e["path"] for e in entry.get("events", ())]
        out_leaves = [v for _, v in leaves(result)]
        out_values = {(type(v) is bool, v) for v in out_leaves if not isinstance(v, (str, type(None)))}
        out_strings = {v for v in out_leaves if isinstance(v, str)}
        lost = [(json_path(p), v) for p, v in leaves(source)
                if v is not None and v != "" and not _accounted(p, v, out_values, out_strings, events)]
        assert not lost, f"line {number}: values gone without a report entry: {lost[:5]}"


def test_translating_the_output_again_changes_nothing(runs):
    _, lines, (output, entries, _), _, (again, again_entries, summary) = runs
    assert again == output
    for number, entry in again_entries.items():
        assert entries.get(number, {}).get("status") == "failed", f"line {number}: {entry}"
    assert summary["converted"] == 0


def test_parallel_writes_what_serial_writes(runs):
    _, _, (serial, serial_entries, serial_summary), (parallel, parallel_entries, parallel_summary), _ = runs
    assert parallel == serial
    assert parallel_entries == serial_entries and parallel_summary == serial_summary


def test_both_json_libraries_give_the_same_values(archive):
    folder, _, lines = archive
    outputs = {name: (folder / f"{name}-serial.jsonl") for name in ("orjson", "json")}
    if not all(path.exists() for path in outputs.values()):
        pytest.skip("runs of both libraries are needed")
    first, second = (path.read_bytes().split(b"\n") for path in outputs.values())
    for number, (a, b) in enumerate(zip(first, second), start=1):
        if a == b:
            continue
        assert strict(a.decode()) == strict(b.decode()), f"line {number}"
