"""Behaviour: every client program under fixtures/clients/ behaves the same after the rewrite,
or the rewrite left findings that explain the difference ("zero silent differences").

For each client: the v4 program must exit 0 against the fake (else the fixture is broken).
For the safe and the --unsafe-fixes rewrite, when the rewritten program's output (stdout and
exit code) differs, findings must explain it (harness.Outcome.explained): every request the
2025-01 fake refused needs a finding of a rule about what that request sends; a traceback needs
a finding at one of its frames, earlier in the function of its innermost frame, or naming the
key of a KeyError; any other difference needs a finding in the program. See
tests/behaviour/README.md.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from behaviour import harness

REPO = Path(__file__).resolve().parents[1]
CLIENTS = harness.clients(REPO / "fixtures" / "clients")
WORKERS = max(2, (os.cpu_count() or 2) + 1)  # the work is subprocesses: one more than the cores
_SHOWN = 3000  # characters of output or stderr in a failure message


@pytest.fixture(scope="module")
def outcomes(request):
    """Futures of harness.compare for the clients selected in this session, run in parallel."""
    selected = [item.callspec.params["client"] for item in request.session.items
                if item.module is request.module and hasattr(item, "callspec") and "client" in item.callspec.params]
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        yield {client.name: pool.submit(harness.compare, client) for client in selected}
    finally:  # a stopped session (-x, Ctrl-C) does not wait for the compares not yet begun
        pool.shutdown(wait=True, cancel_futures=True)


def _tail(text: str) -> str:
    return text if len(text) <= _SHOWN else "..." + text[-_SHOWN:]


def _explain(outcome: harness.Outcome, mode: str, why: str) -> str:
    after = outcome.afters[mode]
    findings = "\n".join(f"    {f['file']}:{f['line']}:{f['column']}: {f['code']} {f['message']}"
                         for f in after.findings) or "    (none)"
    return (f"[{mode}] silent difference: {why}\n"
            f"  output diff:\n{_tail(outcome.output_diff(mode))}\n"
            f"  stderr after:\n{_tail(after.run.stderr)}\n"
            f"  findings:\n{findings}\n"
            f"  reproduce: python tests/behaviour/harness.py compare fixtures/clients/{outcome.name} --code")


@pytest.mark.parametrize("client", CLIENTS, ids=[c.name for c in CLIENTS])
def test_no_silent_difference(client: Path, outcomes):
    outcome = outcomes[client.name].result()
    before = outcome.before
    assert before.returncode == 0, (
        f"broken fixture: the v4 program exits {before.returncode} against the fake\n"
        f"stdout:\n{_tail(before.stdout)}\nstderr:\n{_tail(before.stderr)}")
    problems = []
    for mode in harness.MODES:
        ok, why = outcome.explained(mode)
        if not ok:
            problems.append(_explain(outcome, mode, why))
    assert not problems, "\n\n".join(problems)


# Clients the rewrite makes fully equivalent: a ratchet, so a change that loses reach (a name the
# tracer stops following) fails here even when its findings explain the difference.
EQUIVALENT = {
    "safe": {"requests_already_2025_01", "requests_env_base_url", "sdk1_module_api", "sdk_pyaftership_async"},
    "unsafe": {"requests_already_2025_01", "requests_module_constants", "requests_retrack_complete",
               "urllib_create_get", "aio_httpx_gather", "flow_checkpoint_walk", "aio_bound_urls",
               "requests_status_body", "httpx_last_checkpoint", "urllib_meta_codes",
               "cls_session_request", "httpx_base_url_client", "requests_env_base_url", "mod_shop_package",
               "requests_host_paths", "flow_helper_readers", "sdk1_module_api", "sdk_pyaftership_async",
               "sdk1_slug_number", "sdk0_apiv4"},
}


@pytest.mark.parametrize("client", CLIENTS, ids=[c.name for c in CLIENTS])
def test_equivalent_clients_stay_equivalent(client: Path, outcomes):
    outcome = outcomes[client.name].result()
    for mode in harness.MODES:
        if client.name in EQUIVALENT[mode]:
            assert outcome.equivalent(mode), _explain(outcome, mode, "no longer equivalent")


def test_traceback_frames_are_the_programs_own(tmp_path):
    """Tracebacks name rewritten lines, as findings do after a write."""
    new = "a = 1\ni = lookup(slug, number)\nb = get(i)\nprint(b['tag'])\n"
    (tmp_path / "main.py").write_text(new)
    stderr = (f'Traceback (most recent call last):\n  File "{tmp_path}/main.py", line 4, in <module>\n'
              f"    print(b['tag'])\n  File \"/usr/lib/python3/json/__init__.py\", line 9, in loads\nKeyError: 'tag'\n")
    assert harness.traceback_frames(stderr, tmp_path) == [("main.py", 4)]


def test_summary(outcomes, capsys):
    """Prints how many clients are fully equivalent after each rewrite (runs last)."""
    if not outcomes:
        pytest.skip("no client selected")
    done = {name: future.result() for name, future in outcomes.items() if future.exception() is None}
    counts = {mode: sum(o.before.returncode == 0 and o.equivalent(mode) for o in done.values())
              for mode in harness.MODES}
    silent = sorted(name for name, o in done.items() if not all(o.explained(m)[0] for m in harness.MODES))
    with capsys.disabled():
        print(f"\nbehaviour: {counts['unsafe']}/{len(outcomes)} clients equivalent after --unsafe-fixes "
              f"({counts['safe']}/{len(outcomes)} after safe fixes); "
              f"silent differences in {len(silent)}: {', '.join(silent) or '-'}")
