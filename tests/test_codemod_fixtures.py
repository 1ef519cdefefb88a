"""The codemod against hand-written before/after fixtures (fixtures/code/, see its README).

For every `NAME.before.py`: the safe and the `--unsafe-fixes` rewrites equal the intended
`.after` bytes, leave exactly the findings listed in `.findings`, parse, and change nothing when
run again. Look-alikes stay byte-identical with no finding; encodings, BOMs and CRLF survive; the
cross-module tree is run through the runner so that the constant index is exercised.

Where the tool disagrees with the intended output, the check is marked
`xfail(strict=True, reason="bug: ...")` in KNOWN_BUGS and keeps expecting the intended output.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import pytest

from _codemod import rewrite_all
from conftest import REPO
from migrator.catalogue import load_catalogue
from migrator.codemod.engine import rewrite_source
from migrator.codemod.index import has_marker
from migrator.codemod.ruleset import CodeRules
from migrator.codemod.runner import Settings, select_candidates

FIXTURES = REPO / "fixtures" / "code"
CROSSMODULE = FIXTURES / "crossmodule"
CATALOGUE = load_catalogue()
RULES = {unsafe: CodeRules.build(CATALOGUE, CATALOGUE.select(), unsafe) for unsafe in (False, True)}


@dataclass(frozen=True)
class Case:
    name: str
    before: bytes
    after: bytes
    after_unsafe: bytes
    findings: tuple[tuple[int, str], ...]
    findings_unsafe: tuple[tuple[int, str], ...]
    skipped: str | None

    def expected(self, unsafe: bool) -> bytes:
        return self.after_unsafe if unsafe else self.after

    def expected_findings(self, unsafe: bool) -> tuple[tuple[int, str], ...]:
        return self.findings_unsafe if unsafe else self.findings


def _findings_file(path: Path) -> tuple[tuple[int, str], ...] | None:
    if not path.exists():
        return None
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            number, code = line.split()
            rows.append((int(number), code))
    return tuple(sorted(rows))


def load_case(base: Path, name: str) -> Case:
    before = (base / f"{name}.before.py").read_bytes()
    after = (base / f"{name}.after.py").read_bytes()
    unsafe_path = base / f"{name}.after-unsafe.py"
    findings = _findings_file(base / f"{name}.findings") or ()
    findings_unsafe = _findings_file(base / f"{name}.findings-unsafe")
    skipped = base / f"{name}.skipped"
    return Case(
        name=name,
        before=before,
        after=after,
        after_unsafe=unsafe_path.read_bytes() if unsafe_path.exists() else after,
        findings=findings,
        findings_unsafe=findings if findings_unsafe is None else findings_unsafe,
        skipped=skipped.read_text(encoding="utf-8").strip() if skipped.exists() else None,
    )


NAMES = sorted(p.name[: -len(".before.py")] for p in FIXTURES.glob("*.before.py"))
CASES = {name: load_case(FIXTURES, name) for name in NAMES}

# ---------------------------------------------------------------------------- known bugs
# (fixture, check) -> reason. Checks: safe, unsafe (output bytes), findings, findings-unsafe,
# idempotent[-unsafe] (a second run over the tool's output), fixed-point[-unsafe] (a run over the
# intended .after), lookalike[-unsafe].
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def params(check: str, names=NAMES):
    out = []
    for name in names:
        reason = KNOWN_BUGS.get((name, check))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def test_known_bugs_name_real_fixtures():
    checks = {"safe", "unsafe", "findings", "findings-unsafe", "idempotent", "idempotent-unsafe", "fixed-point",
              "fixed-point-unsafe", "lookalike", "lookalike-unsafe"}
    for name, check in KNOWN_BUGS:
        assert name in CASES, name
        assert check in checks, check


def run(source: bytes, unsafe: bool = False):
    return rewrite_source(source, RULES[unsafe])


def found(result) -> tuple[tuple[int, str], ...]:
    return tuple(sorted((f.line, f.code) for f in result.findings))


def assert_same_bytes(actual: bytes, expected: bytes):
    if actual != expected:
        import difflib

        diff = "".join(difflib.unified_diff(expected.decode("latin-1").splitlines(True),
                                            actual.decode("latin-1").splitlines(True), "intended", "tool"))
        pytest.fail(f"rewrite differs from the intended output:\n{diff}")


# ------------------------------------------------------------------ the fixture set itself

def test_fixture_set_is_complete():
    assert len(NAMES) >= 40
    for name in NAMES:
        assert (FIXTURES / f"{name}.after.py").exists(), f"{name}.after.py is missing"
    for path in FIXTURES.iterdir():
        stem = path.name.split(".", 1)[0]
        if path.is_file() and path.name not in ("README.md", ".gitattributes"):
            assert stem in CASES, f"{path.name} belongs to no NAME.before.py"


@pytest.mark.parametrize("spelling", [b"aftership", b"Aftership", b"AFTERSHIP", b"api.aftership.com",
                                      b"AfterShip",
                                      ])
def test_marker_matches_every_spelling(spelling):
    assert has_marker(b"# " + spelling + b"\n")


@pytest.mark.parametrize("name", NAMES)
def test_fixture_candidates_mention_aftership(name):
    """Every fixture passes the byte pre-filter, so no test here passes vacuously."""
    assert has_marker(CASES[name].before)


@pytest.mark.parametrize("name", NAMES)
def test_intended_outputs_parse(name):
    case = CASES[name]
    if case.skipped:
        pytest.skip("a file the tool must skip")
    for data in {case.before, case.after, case.after_unsafe}:
        ast.parse(data)
        assert cst.parse_module(data).bytes == data


# ------------------------------------------------------------------ rewrite = intended .after

@pytest.mark.parametrize("name", params("safe"))
def test_safe_rewrite_matches_after(name):
    case = CASES[name]
    result = run(case.before)
    if case.skipped:
        assert result.status == "skipped"
        assert result.reason.startswith(case.skipped), result.reason
    else:
        assert result.status == ("unchanged" if case.after == case.before else "changed"), result.reason
    assert_same_bytes(result.new_source, case.after)


@pytest.mark.parametrize("name", params("unsafe"))
def test_unsafe_rewrite_matches_after(name):
    case = CASES[name]
    result = run(case.before, unsafe=True)
    assert result.status != "error", result.reason
    assert_same_bytes(result.new_source, case.after_unsafe)


@pytest.mark.parametrize("name", params("findings"))
def test_safe_findings_match(name):
    case = CASES[name]
    assert found(run(case.before)) == case.findings


@pytest.mark.parametrize("name", params("findings-unsafe"))
def test_unsafe_findings_match(name):
    case = CASES[name]
    assert found(run(case.before, unsafe=True)) == case.findings_unsafe


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("name", NAMES)
def test_output_parses(name, unsafe):
    if CASES[name].skipped:
        pytest.skip("a file the tool must skip")
    result = run(CASES[name].before, unsafe)
    assert result.status != "error", result.reason
    ast.parse(result.new_source)
    assert cst.parse_module(result.new_source).bytes == result.new_source


@pytest.mark.parametrize("name", params("idempotent"))
def test_second_run_changes_nothing(name):
    _second_run(name, unsafe=False)


@pytest.mark.parametrize("name", params("idempotent-unsafe"))
def test_second_unsafe_run_changes_nothing(name):
    _second_run(name, unsafe=True)


def _second_run(name, unsafe):
    case = CASES[name]
    first = run(case.before, unsafe)
    if case.skipped:
        pytest.skip("a file the tool must skip")
    second = run(first.new_source, unsafe)
    assert second.status == "unchanged", second.reason
    assert second.new_source == first.new_source
    if not unsafe:
        # What is left to do after a safe run is still reported by the next one (a `--check` in CI).
        assert sorted(code for _, code in found(second)) == sorted(code for _, code in found(first))


@pytest.mark.parametrize("name", params("fixed-point"))
def test_intended_after_is_left_alone(name):
    """Code already in its intended 2025-01 shape is not rewritten again."""
    _fixed_point(name, unsafe=False)


@pytest.mark.parametrize("name", params("fixed-point-unsafe"))
def test_intended_unsafe_after_is_left_alone(name):
    _fixed_point(name, unsafe=True)


def _fixed_point(name, unsafe):
    case = CASES[name]
    if case.skipped:
        pytest.skip("a file the tool must skip")
    expected = case.expected(unsafe)
    result = run(expected, unsafe)
    assert result.status == "unchanged", result.reason
    assert result.new_source == expected


# ------------------------------------------------------------------ look-alikes and skipped files

LOOKALIKES = [n for n in NAMES if n.startswith("lookalike_")]


@pytest.mark.parametrize("name", params("lookalike", LOOKALIKES))
def test_lookalike_stays_byte_identical(name):
    _lookalike(name, unsafe=False)


@pytest.mark.parametrize("name", params("lookalike-unsafe", LOOKALIKES))
def test_lookalike_stays_byte_identical_with_unsafe_fixes(name):
    _lookalike(name, unsafe=True)


def _lookalike(name, unsafe):
    case = CASES[name]
    assert case.after == case.before == case.after_unsafe and not case.findings
    result = run(case.before, unsafe)
    assert result.status == "unchanged"
    assert result.new_source == case.before
    assert result.findings == []


def test_lookalikes_cover_the_cases_of_the_brief():
    assert {"lookalike_own_flask_routes", "lookalike_own_models", "lookalike_track_page_links",
            "lookalike_own_json"} <= set(LOOKALIKES)


def test_python2_file_is_skipped_by_the_runner(tmp_path):
    target = tmp_path / "legacy.py"
    target.write_bytes(CASES["py2_legacy"].before)
    other = tmp_path / "client.py"
    other.write_bytes(CASES["partial_old_url_new_header"].before)
    sources, imported, unreadable = select_candidates([target, other])
    assert set(sources) == {str(target), str(other)} and unreadable == []
    reports = {Path(r.path).name: r for r in rewrite_all(sources, imported, Settings())}
    assert reports["legacy.py"].status == "skipped"
    assert reports["legacy.py"].new_source == CASES["py2_legacy"].before
    assert "does not parse" in reports["legacy.py"].reason
    assert reports["client.py"].status == "changed"
    assert reports["client.py"].new_source == CASES["partial_old_url_new_header"].after


# ------------------------------------------------------------------ encodings, BOM, CRLF

def test_encoding_fixtures_have_the_bytes_they_claim():
    crlf = CASES["crlf_endings"]
    for data in (crlf.before, crlf.after, crlf.after_unsafe):
        assert data.count(b"\r\n") == data.count(b"\n") > 5
    bom = CASES["utf8_bom"]
    for data in (bom.before, bom.after):
        assert data.startswith(b"\xef\xbb\xbf") and data[3:4] != b"\xef"
        data.decode("utf-8")
    latin1 = CASES["latin1_cookie"]
    for data in (latin1.before, latin1.after):
        assert data.startswith(b"# -*- coding: latin-1 -*-\n")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "señor".encode("latin-1") in data


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_crlf_is_kept_on_every_line(unsafe):
    result = run(CASES["crlf_endings"].before, unsafe)
    assert result.status == "changed"
    assert result.new_source.count(b"\r\n") == result.new_source.count(b"\n")
    if unsafe:  # the inserted id lookup is three new lines: each must end in CRLF too
        assert b'lookup = requests.get(f"{BASE}/trackings", params=' in result.new_source
        assert result.new_source.count(b"\r\n") == CASES["crlf_endings"].before.count(b"\r\n") + 3


def test_bom_is_kept():
    result = run(CASES["utf8_bom"].before)
    assert result.status == "changed"
    assert result.new_source.startswith(b"\xef\xbb\xbf") and not result.new_source.startswith(b"\xef\xbb\xbf" * 2)
    assert "¡Hola! Ihr Paket ist unterwegs ✓".encode() in result.new_source


def test_latin1_bytes_are_kept():
    result = run(CASES["latin1_cookie"].before)
    assert result.status == "changed"
    assert "Envío de pedidos (latin-1 source): señor Müller, ½ kg.".encode("latin-1") in result.new_source
    assert '{"as-api-key": "clé"}'.encode("latin-1") in result.new_source
    with pytest.raises(UnicodeDecodeError):
        result.new_source.decode("utf-8")


@pytest.mark.parametrize("name", ["crlf_endings", "utf8_bom", "latin1_cookie"])
def test_runner_writes_encoded_files_back_byte_exact(name, tmp_path):
    from migrator.atomic import write_bytes_atomic

    target = tmp_path / f"{name}.py"
    target.write_bytes(CASES[name].before)
    sources, imported, _ = select_candidates([target])
    (report,) = rewrite_all(sources, imported, Settings())
    write_bytes_atomic(report.path, report.new_source)
    assert target.read_bytes() == CASES[name].after


# ------------------------------------------------------------------ the cross-module tree

CROSS_FILES = sorted(str(p.relative_to(CROSSMODULE))[: -len(".before.py")]
                     for p in CROSSMODULE.rglob("*.before.py"))
CROSS_BUGS: dict = {}


def _cross_run(tmp_path: Path, unsafe: bool):
    for rel in CROSS_FILES:
        target = tmp_path / f"{rel}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CROSSMODULE / f"{rel}.before.py", target)
    files = sorted(tmp_path.rglob("*.py"))
    sources, imported, unreadable = select_candidates(files)
    reports = {str(Path(r.path).relative_to(tmp_path))[: -len(".py")]: r
               for r in rewrite_all(sources, imported, Settings(unsafe_fixes=unsafe))}
    return sources, imported, unreadable, reports


def _cross_params():
    return [pytest.param(rel, id=rel, marks=[pytest.mark.xfail(strict=True, reason=CROSS_BUGS[rel])]
                         if rel in CROSS_BUGS else []) for rel in CROSS_FILES]


def test_crossmodule_candidates_come_from_the_index(tmp_path):
    sources, imported, unreadable, _ = _cross_run(tmp_path, unsafe=False)
    names = {str(Path(p).relative_to(tmp_path)) for p in sources}
    assert unreadable == []
    # config.py mentions AfterShip; client.py and couriers.py only import its constants.
    assert not has_marker((CROSSMODULE / "shop" / "client.before.py").read_bytes())
    assert not has_marker((CROSSMODULE / "shop" / "couriers.before.py").read_bytes())
    assert {"shop/config.py", "shop/client.py", "shop/couriers.py"} <= names
    assert "billing/config.py" not in names
    client = imported[str(tmp_path / "shop" / "client.py")]
    assert client["BASE_URL"] == "https://api.aftership.com/v4"
    assert client["API_KEY_HEADER"] == "aftership-api-key"
    assert imported[str(tmp_path / "shop" / "couriers.py")]["config.BASE_URL"] == "https://api.aftership.com/v4"


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("rel", _cross_params())
def test_crossmodule_rewrite(rel, unsafe, tmp_path):
    base, stem = (CROSSMODULE / rel).parent, Path(rel).name
    case = load_case(base, stem)
    *_, reports = _cross_run(tmp_path, unsafe)
    report = reports.get(rel)
    output = report.new_source if report is not None else case.before  # not a candidate: left alone
    assert_same_bytes(output, case.expected(unsafe))
    assert tuple(sorted((f.line, f.code) for f in (report.findings if report else []))) == \
        case.expected_findings(unsafe)
    if report is not None and report.status == "changed":
        ast.parse(report.new_source)
        again = rewrite_source(report.new_source, RULES[unsafe], imported_constants(tmp_path, rel))
        assert again.status == "unchanged"


def imported_constants(tmp_path: Path, rel: str) -> dict:
    """The constants the index gives `rel` when the tree is in its migrated state."""
    _, imported, _, _ = _cross_run_after(tmp_path / "after")
    return imported.get(str(tmp_path / "after" / f"{rel}.py"), {})


def _cross_run_after(root: Path):
    for rel in CROSS_FILES:
        target = root / f"{rel}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CROSSMODULE / f"{rel}.after.py", target)
    sources, imported, unreadable = select_candidates(sorted(root.rglob("*.py")))
    return sources, imported, unreadable, None
