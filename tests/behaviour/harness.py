"""Run v4 client programs against the fake AfterShip API, before and after `aftership-migrate rewrite`.

    python tests/behaviour/harness.py run fixtures/clients/NAME       # the v4 program, once
    python tests/behaviour/harness.py compare fixtures/clients/NAME   # before vs after rewrite

`compare` copies the client folder twice to a temporary directory, runs the original against a
fresh fake, rewrites one copy (safe fixes) and the other (--unsafe-fixes), runs each copy against
a fresh fake, and tells for each whether the output stayed the same; when not, it gives the
findings the rewrite left and, when the run ended in a traceback, the frames of the traceback
that lie in the client's own files.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from migrator.catalogue import load_catalogue
from migrator.codemod import urls

try:
    from .fakeapi import FakeAfterShip
except ImportError:  # run as a script
    from fakeapi import FakeAfterShip

HERE = Path(__file__).resolve().parent
REDIRECT = HERE / "redirect"
CLIENT_TIMEOUT = 10  # seconds; a client finishes in about one
REWRITE_TIMEOUT = 30  # a rewrite of a client takes about 1.5 s
TIMED_OUT = -9
MODES = ("safe", "unsafe")
UNSAFE_RULES = frozenset(rule.code for rule in load_catalogue() if rule.safety == "unsafe")
# Packages a client's deployment had beside it (an SDK release older than the test extra's, say):
# listed one per line in this file of the client, installed once for both runs by pip --target.
SITE_PACKAGES = "site-packages.txt"
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)', re.MULTILINE)


class RewriteError(RuntimeError):
    """`aftership-migrate rewrite` exited with 2 (usage or internal error)."""


@dataclass
class Run:
    stdout: str
    stderr: str
    returncode: int
    refused: list = field(default_factory=list)  # fakeapi.Refusal: requests answered with an error

    @property
    def timed_out(self) -> bool:
        return self.returncode == TIMED_OUT

    @property
    def traceback(self) -> bool:
        """Whether the program ended in an uncaught exception (not just a logged traceback)."""
        return self.returncode != 0 and "Traceback (most recent call last):" in self.stderr


@dataclass
class After:
    """One rewrite mode of a client: its findings and what the rewritten program did."""

    mode: str
    run: Run
    findings: list[dict]  # lines are those of the rewritten files (the tool names them after a write)
    frames: list[tuple[str, int]]  # (file relative to the client folder, line) of the traceback, if any
    code_diff: str = ""
    fixes: list[dict] = field(default_factory=list)  # the fixes applied (--show-fixes rows)
    sources: dict[str, str] = field(default_factory=dict)  # the rewritten files' text

    def equivalent_to(self, before: Run) -> bool:
        return self.run.stdout == before.stdout and self.run.returncode == before.returncode

    def findings_in_program(self, folder_files: set[str]) -> list[dict]:
        return [f for f in self.findings if f["file"] in folder_files]


@dataclass
class Outcome:
    name: str
    before: Run
    afters: dict[str, After] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)  # the client's .py files, relative
    sources: dict[str, str] = field(default_factory=dict)  # their text before the rewrite

    def equivalent(self, mode: str) -> bool:
        return self.afters[mode].equivalent_to(self.before)

    def explained(self, mode: str) -> tuple[bool, str]:
        """Whether a difference of `mode` is explained by the findings (True when no difference).

        Every request the API refused after the rewrite (and not before) needs a finding of a
        rule about what that request sends (`refusal_rules`); a traceback needs a finding at one
        of its frames, earlier in the function of its innermost frame, naming the missing key of
        a KeyError, or a refused request it follows from; any other difference needs a finding,
        or, with --unsafe-fixes, an unsafe fix applied (one that changes values by design).
        """
        after = self.afters[mode]
        if after.equivalent_to(self.before):
            return True, "equivalent"
        if after.run.timed_out:
            return False, "the rewritten program did not finish (a hang is never explained by a finding)"
        found = after.findings_in_program(self.files)
        before = {(r.status, r.code, refusal_family(r.path)) for r in self.before.refused}
        new = [r for r in after.run.refused if (r.status, r.code, refusal_family(r.path)) not in before]
        if not found:
            # A fix the user let change behaviour (--unsafe-fixes: `transit_time` counts a day
            # less) explains a changed output, never a crash or a newly refused request.
            changed_values = [f for f in after.fixes if f["code"] in UNSAFE_RULES]
            if changed_values and not after.run.traceback and not new:
                return True, f"differs, explained by {len(changed_values)} unsafe fix(es) applied"
            return False, "output differs and the rewrite left no finding"
        codes = {f["code"] for f in found}
        earlier = False  # a refusal already explained: a later 404 may be its consequence
        for refusal in new:
            if codes & refusal_rules(refusal):
                earlier = True
            elif not (earlier and refusal.status == 404):  # e.g. a tracking whose create was refused
                return False, (f"the API refused {refusal.method} {refusal.path} ({refusal.status}) and no finding "
                               f"of {', '.join(sorted(refusal_rules(refusal)))} says why")
        if after.run.traceback and not new:
            if not after.frames:
                return False, "the run ended in a traceback with no frame in the program's files"
            if not self._explains_traceback(after, found):
                frames = ", ".join(f"{p}:{n}" for p, n in after.frames)
                return False, f"no finding at or before the failing line ({frames})"
        return True, f"differs, explained by {len(found)} finding(s)"

    def _explains_traceback(self, after: "After", found: list[dict]) -> bool:
        if any((f["file"], f["line"]) in after.frames for f in found):
            return True
        missing = re.findall(r"^KeyError: '([^']+)'", after.run.stderr, re.MULTILINE)
        if missing and any(f"`{missing[-1]}`" in f["message"] for f in found):
            return True
        # The innermost frame of the program: a finding above it in the same function is where
        # the value that failed was made (a request, a URL, a read).
        name, line = after.frames[-1]
        if name not in after.sources:
            return False
        start = enclosing_function_start(after.sources[name], line)
        return any(f["file"] == name and start <= f["line"] <= line for f in found)

    def output_diff(self, mode: str) -> str:
        after = self.afters[mode].run
        before_text = self.before.stdout.splitlines(keepends=True) + [f"[exit {self.before.returncode}]\n"]
        after_text = after.stdout.splitlines(keepends=True) + [f"[exit {after.returncode}]\n"]
        return "".join(difflib.unified_diff(before_text, after_text, "before (v4)", f"after ({mode})"))


def refusal_family(path: str) -> str:
    """The endpoint family of a refused request's path, whatever the version prefix (the tool's
    own classification: the families its rules are declared for)."""
    return urls.endpoint_of_path(urls.path_of(urls.HOST + path) or path)


# The rules whose findings say why the 2025-01 API refuses a request: by status, then by family.
_BODY_RULES = frozenset({"AS106", "AS303", "AS306", "AS307", "AS308", "AS311", "AS312", "AS313", "AS314",
                         "AS315", "AS320", "AS321", "AS323", "AS401", "AS404", "AS405", "AS601", "AS603"})
_NOT_FOUND_RULES = {"slug-number": {"AS201"}, "last-checkpoint": {"AS202"}, "last-checkpoint-slug-number": {"AS202"},
                    "notifications": {"AS203"}}


def refusal_rules(refusal) -> set[str]:
    removed = _NOT_FOUND_RULES.get(refusal_family(refusal.path), set())
    if refusal.status == 401:  # a removed endpoint's URL stays on v4 (AS101 leaves it), sent the new header
        return {"AS101", "AS102", "AS108"} | removed
    if refusal.status == 429:
        return {"AS404"}  # a page loop that never ends under cursor pagination
    if refusal.status == 404 and refusal.path.startswith("/v4/"):
        # v4 itself, retired after the rewrite: a URL left behind, or a legacy SDK still in use.
        return _NOT_FOUND_RULES.get(refusal_family(refusal.path), {"AS101", "AS201", "AS302"}) | {"AS107"}
    if refusal.status == 404:
        return _NOT_FOUND_RULES.get(refusal_family(refusal.path), {"AS101", "AS201", "AS302"})
    return set(_BODY_RULES)


def enclosing_function_start(source: str, line: int) -> int:
    """The first line of the innermost function holding `line` (1 at module level)."""
    start = 1
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= node.end_lineno:
            start = max(start, node.lineno)
    return start


def client_site(folder: Path) -> Path | None:
    """The packages `folder/site-packages.txt` lists, installed in a folder of their own (cached
    in the temporary directory by the list's content); None when the client lists none."""
    listed = Path(folder) / SITE_PACKAGES
    if not listed.exists():
        return None
    requirements = [line.split("#")[0].strip() for line in listed.read_text().splitlines()]
    requirements = [r for r in requirements if r]
    target = Path(tempfile.gettempdir()) / ("aftership-migrate-site-" + hashlib.sha256(
        "\n".join([sys.version, *requirements]).encode()).hexdigest()[:16])
    if not target.exists():
        staging = Path(tempfile.mkdtemp(prefix=target.name + "-", dir=target.parent))
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--target", str(staging), *requirements], check=True, capture_output=True, timeout=300)
        try:
            staging.rename(target)
        except OSError:  # a client run in parallel installed the same list first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def client_env(port: int, site: Path | None = None) -> dict[str, str]:
    """The client's environment: ours minus PYTHON* and AFTERSHIP_* settings, plus the redirect
    (and the client's own packages, ahead of ours)."""
    # Proxies out too: the fake is on 127.0.0.1, and the redirect refuses any other host.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "AFTERSHIP_")) and not k.lower().endswith("_proxy")}
    env.update(PYTHONPATH=os.pathsep.join(str(p) for p in (REDIRECT, site) if p), AFTERSHIP_FAKE_PORT=str(port), AFTERSHIP_API_KEY="test-key",
               PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8",
               PYTHONUNBUFFERED="1")
    return env


def run_client(folder: Path, port: int) -> Run:
    """`python main.py` in `folder`, its AfterShip calls sent to the fake on `port`."""
    try:
        done = subprocess.run([sys.executable, "main.py"], cwd=folder, env=client_env(port, client_site(folder)),
                              capture_output=True, text=True, timeout=CLIENT_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        err = expired.stderr.decode(errors="replace") if isinstance(expired.stderr, bytes) else (expired.stderr or "")
        return Run(out, err + f"\nharness: timed out after {CLIENT_TIMEOUT} s\n", TIMED_OUT)
    return Run(done.stdout, done.stderr, done.returncode)


def run_with_fresh_fake(folder: Path, v4_retired: bool = False) -> Run:
    with FakeAfterShip(v4_retired) as fake:
        run = run_client(folder, fake.port)
        run.refused = list(fake.refused)
        return run


def rewrite(folder: Path, unsafe: bool) -> tuple[list[dict], list[dict]]:
    """Rewrite `folder` in place; (the findings, the fixes applied), each with `file` relative
    to `folder`.

    Exit status 0 (nothing to do) and 1 (changed or findings) are normal; 2 raises RewriteError.
    """
    folder = Path(folder).resolve()
    # One worker process: a client is a few files, and the harness runs clients in parallel itself.
    command = [sys.executable, "-m", "migrator", "rewrite", "--output-format", "json", "--show-fixes", "--jobs", "1",
               *(["--unsafe-fixes"] if unsafe else []), "."]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=REWRITE_TIMEOUT,
                          stdin=subprocess.DEVNULL)
    if done.returncode not in (0, 1):
        raise RewriteError(f"aftership-migrate rewrite exited {done.returncode} in {folder}:\n{done.stderr}")
    document = json.loads(done.stdout)
    rows = [{**row, "file": _relative(folder, record["path"]), "fixed": fixed} for record in document["files"]
            for fixed, rows in ((False, record["findings"]), (True, record["edits"])) for row in rows]
    return [r for r in rows if not r["fixed"]], [r for r in rows if r["fixed"]]


def _relative(folder: Path, path: str) -> str:
    full = Path(path) if Path(path).is_absolute() else folder / path
    try:
        return full.resolve().relative_to(folder).as_posix()
    except ValueError:
        return path


def traceback_frames(stderr: str, folder: Path) -> list[tuple[str, int]]:
    """The (file, line) frames of the traceback(s) in `stderr` that lie in `folder`, in order."""
    folder = Path(folder).resolve()
    start = stderr.find("Traceback (most recent call last):")
    if start < 0:
        return []
    frames = []
    for match in _FRAME.finditer(stderr, start):
        relative = _relative(folder, match["file"])
        if not Path(relative).is_absolute() and (folder / relative).exists():
            frame = (relative, int(match["line"]))
            if frame not in frames:
                frames.append(frame)
    return frames


def _python_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*.py"))}


def _code_diff(old: dict[str, str], new_folder: Path) -> str:
    new = _python_files(new_folder)
    return "".join("".join(difflib.unified_diff(old[name].splitlines(True), new.get(name, "").splitlines(True),
                                                f"a/{name}", f"b/{name}"))
                   for name in old if old[name] != new.get(name))


def compare(folder: Path) -> Outcome:
    """Before vs after the safe and the unsafe rewrite, each run against a fresh fake."""
    folder = Path(folder).resolve()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    with tempfile.TemporaryDirectory(prefix=f"behaviour-{folder.name}-") as tmp:
        original = Path(tmp, "before", folder.name)
        shutil.copytree(folder, original, ignore=ignore)
        sources = _python_files(original)
        outcome = Outcome(folder.name, run_with_fresh_fake(original), files=set(sources), sources=sources)
        for mode in MODES:
            copy = Path(tmp, mode, folder.name)  # same folder name: tracebacks and outputs compare
            shutil.copytree(folder, copy, ignore=ignore)
            findings, fixes = rewrite(copy, unsafe=mode == "unsafe")
            run = run_with_fresh_fake(copy, v4_retired=True)
            frames = traceback_frames(run.stderr, copy) if run.traceback else []
            outcome.afters[mode] = After(mode, run, findings, frames, _code_diff(sources, copy), fixes,
                                         _python_files(copy))
    return outcome


def clients(root: Path) -> list[Path]:
    """Every client folder (one with a main.py) under `root`, sorted by name."""
    return sorted(p for p in Path(root).iterdir() if (p / "main.py").is_file())


# ---- command line ------------------------------------------------------------------------------


def _print_run(run: Run) -> None:
    print("--- stdout", run.stdout, "--- stderr", run.stderr, f"--- exit code {run.returncode}", sep="\n")


def _print_outcome(outcome: Outcome, show_code: bool) -> None:
    print(f"== {outcome.name}: before (v4) exit {outcome.before.returncode}")
    if outcome.before.returncode != 0:
        print("the v4 program itself fails (broken fixture):")
        _print_run(outcome.before)
    for mode in MODES:
        after = outcome.afters[mode]
        ok, why = outcome.explained(mode)
        status = "EQUIVALENT" if outcome.equivalent(mode) else ("differs (explained)" if ok else "SILENT DIFFERENCE")
        print(f"\n== {mode}: {status}: {why}")
        if show_code and after.code_diff:
            print(after.code_diff)
        if not outcome.equivalent(mode):
            print(outcome.output_diff(mode))
            if after.run.stderr.strip():
                print("--- stderr of the rewritten program\n" + after.run.stderr.rstrip())
            if after.frames:
                print("traceback frames in the program (rewritten lines):",
                      ", ".join(f"{f}:{n}" for f, n in after.frames))
        for finding in after.findings:
            print(f"  {finding['file']}:{finding['line']}:{finding['column']}: {finding['code']} {finding['message']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the v4 program against a fresh fake")
    run_cmd.add_argument("folder", type=Path)
    compare_cmd = commands.add_parser("compare", help="run before and after the rewrite (safe and unsafe)")
    compare_cmd.add_argument("folder", type=Path)
    compare_cmd.add_argument("--code", action="store_true", help="also print the diff of the rewritten code")
    args = parser.parse_args(argv)
    if not (args.folder / "main.py").is_file():
        parser.error(f"{args.folder} has no main.py")
    if args.command == "run":
        run = run_with_fresh_fake(args.folder.resolve())
        _print_run(run)
        return run.returncode
    outcome = compare(args.folder)
    _print_outcome(outcome, args.code)
    return 0 if all(outcome.explained(m)[0] for m in MODES) and outcome.before.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
