"""Precision on real code: the codemod must change nothing in installed packages.

Runs discovery, the byte pre-filter and the rewrite (safe and --unsafe-fixes) over the standard
library and this interpreter's site-packages. Site-packages holds the official 2025-01 SDK
(`aftership-tracking-sdk`, package `tracking`), which names api.aftership.com, `as-api-key` and
/tracking/2025-01 everywhere: code that is already 2025-01 must be left alone.
"""

from __future__ import annotations

import sysconfig
import time
from pathlib import Path

import pytest

from _codemod import rewrite_all
from migrator.codemod.discovery import discover
from migrator.codemod.runner import Settings, select_candidates

ROOTS = sorted({Path(sysconfig.get_paths()[key]) for key in ("stdlib", "purelib", "platlib")
                if Path(sysconfig.get_paths()[key]).is_dir()})


def python_files(root: Path) -> list[Path]:
    found = list(discover([str(root)]))
    if found:
        return found
    # Discovery honours .gitignore files above the root it is given, and an interpreter installed by
    # pyenv sits in a git checkout whose .gitignore lists /versions: that hides the whole standard
    # library from discovery. Precision is about the rewrite, so list those files directly.
    return sorted(p for p in root.rglob("*.py")
                  if not {"site-packages", "__pycache__"} & set(p.relative_to(root).parts))


# The legacy SDKs (installed for test_legacy_sdks.py) are v4 code themselves: the tool's work.
V4_PACKAGES = frozenset({"aftership", "pyaftership"})


def _not_this_tool(path: Path) -> bool:
    """This package's own rules hold v4 code on purpose (their before/after examples)."""
    return "migrator" not in path.parts and V4_PACKAGES.isdisjoint(path.parts)


@pytest.fixture(scope="module")
def corpus():
    started = time.perf_counter()
    files = sorted({path for root in ROOTS for path in python_files(root) if _not_this_tool(path)})
    sources, imported, unreadable = select_candidates(files)
    return {"files": files, "sources": sources, "imported": imported, "unreadable": unreadable,
            "seconds": time.perf_counter() - started}


@pytest.fixture(scope="module", params=[False, True], ids=["safe", "unsafe"])
def reports(request, corpus):
    started = time.perf_counter()
    out = rewrite_all(corpus["sources"], corpus["imported"], Settings(unsafe_fixes=request.param), jobs=2)
    return out, time.perf_counter() - started


def test_the_corpus_is_big_enough(corpus):
    scanned, candidates = len(corpus["files"]), len(corpus["sources"])
    print(f"\nprecision corpus: {scanned} files scanned under {', '.join(map(str, ROOTS))}; "
          f"{candidates} candidates after the byte pre-filter and the constant index "
          f"({corpus['seconds']:.1f}s)")
    assert scanned > 2000, f"only {scanned} Python files found: the test would pass vacuously"
    assert candidates >= 1


def test_the_official_sdk_is_among_the_candidates(corpus):
    tracking = pytest.importorskip("tracking", reason="the official SDK (aftership-tracking-sdk) is not installed")
    package = Path(tracking.__file__).resolve().parent
    candidates = {Path(p).resolve() for p in corpus["sources"]}
    sdk_files = {p for p in candidates if package in p.parents}
    assert len(sdk_files) >= 10, "the 2025-01 SDK should pass the AfterShip pre-filter"
    texts = [data for path, data in corpus["sources"].items() if Path(path).resolve() in sdk_files]
    assert any(b"api.aftership.com" in data for data in texts)
    assert any(b"as-api-key" in data for data in texts)


def test_nothing_is_changed(reports, corpus):
    out, seconds = reports
    changed = [r.path for r in out if r.status == "changed"]
    errors = [(r.path, r.reason) for r in out if r.status == "error"]
    print(f"\n{len(out)} candidates rewritten in {seconds:.1f}s: {len(changed)} changed, {len(errors)} errors, "
          f"{sum(r.status == 'skipped' for r in out)} skipped")
    assert errors == []
    assert changed == []
    assert all(r.new_source == r.source for r in out)


def test_nothing_is_reported(reports):
    out, _ = reports
    found = [f"{r.path}:{f.line}:{f.column}: {f.code} {f.message}" for r in out for f in r.findings]
    assert found == []


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_the_whole_sdk_is_left_alone_even_past_the_prefilter(unsafe):
    """Every module of the 2025-01 SDK, pre-filter or not, comes out unchanged and unreported.

    Its API modules spell the vendor `AfterShip` only and call `/tracking/2025-01/...` paths, so
    they may not pass the byte pre-filter: they are handed to the rewrite directly here.
    """
    tracking = pytest.importorskip("tracking", reason="the official SDK (aftership-tracking-sdk) is not installed")
    package = Path(tracking.__file__).resolve().parent
    sources = {str(p): p.read_bytes() for p in sorted(package.rglob("*.py"))}
    assert len(sources) >= 50
    assert any(b'"/tracking/2025-01/trackings"' in data for data in sources.values())
    out = rewrite_all(sources, {}, Settings(unsafe_fixes=unsafe), jobs=2)
    assert [(r.path, r.status, r.reason) for r in out if r.status not in ("unchanged",)] == []
    assert [f"{r.path}:{f.line}: {f.code}" for r in out for f in r.findings] == []
