"""Run the codemod over files: find AfterShip code cheaply, rewrite it, write it safely.

Order of work per run (files come from `discovery`): read every file's bytes once and keep
only those mentioning AfterShip; index their constants with `ast`; add files that import
those constants; then parse and rewrite only the candidates with libcst (in worker processes
when there are many). Results come back in path order whatever the order of completion.
Dependency files and test data files (cassettes, JSON fixtures: `migrator.datafiles`) are
rewritten after the code, in this process, each by its own hook.
"""

from __future__ import annotations

import ast
import gc
import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from migrator.codemod.index import (
    EXPORTED, IMPORTED_BY_AFTERSHIP, LEGACY_CLIENTS, legacy_clients, IMPORTED_ELSEWHERE, IMPORTS_AFTERSHIP, PROJECT_VERSIONS, ProjectIndex, has_marker,
    imported_modules,
    imported_names, names_on_import_lines, parse_quietly,
)
from migrator.codemod.project import Project
from migrator.codemod.requirements import LEGACY_IMPORTERS, is_dependency_file, rewrite_dependencies
from migrator.datafiles.rewrite import (
    NAMES_AFTERSHIP, is_data_file, is_test_code, json_names, may_hold_aftership_data, named_by, read_eagerly,
)

PARALLEL_THRESHOLD = 16  # fewer candidates than this are faster in-process than with a pool
BATCH_FILES = 8  # the most files sent to a worker as one task
KEEP_BYTES = 32 << 20  # non-candidate files held in memory between the two passes of discovery


@dataclass(frozen=True)
class Settings:
    """What to apply. Rule selection is resolved against the catalogue only when a file needs it."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    add_todo: bool = False
    show_fixes: bool = False  # report where each fix was made, and by which rule
    accept_todos: bool = False  # a `# TODO(aftership-migrate): CODE` marker acknowledges its finding
    max_bytes: int = 2 << 20  # larger files are skipped and listed (0: no limit)
    kinds: tuple[tuple[str, str], ...] = ()  # the configuration's `kinds` table: a JSON fixture's kind by path
    kinds_root: str = ""  # the folder its patterns are relative to

    def enabled(self) -> set[str]:
        from migrator.catalogue import load_catalogue

        return load_catalogue().select(self.select, self.ignore)


@dataclass
class FileReport:
    path: str
    status: str  # unchanged | changed | skipped | error
    source: bytes = b""
    new_source: bytes = b""
    findings: list = field(default_factory=list)
    fixes: dict = field(default_factory=dict)
    reason: str = ""
    edits: list = field(default_factory=list)
    unread_line: int = 0  # skipped because libcst could not read or print it back: where (1-based)


def read_bytes(path: str) -> bytes:
    """A file's bytes with plain system calls: half the cost of pathlib on ten thousand files."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        chunks = [os.read(fd, size + 1)]
        if len(chunks[0]) == size:
            return chunks[0]  # asked for one byte more than the size and got the size: the end
        while chunks[-1]:  # a short read, or the file grew: read to the end
            chunks.append(os.read(fd, 1 << 20))
        return b"".join(chunks)
    finally:
        os.close(fd)


def select_candidates(files: list[Path], project: Project | None = None, given: dict[str, bytes] | None = None,
                      versions: set[str] = frozenset(), legacy: Sequence[str] = ()
                      ) -> tuple[dict[str, bytes], dict[str, dict[str, str]], list[FileReport]]:
    """(candidate sources, constants each one imports, reports of unreadable files). Module names
    are read from the files' paths below the project's root (the working directory by default).
    `given`: sources already read, by path (stdin under its --stdin-filename); `versions` and
    `legacy`: the API versions the project's files outside the run name, and those of them that
    import a legacy SDK ("path:line")."""
    project = project or Project(os.getcwd())
    given = given or {}
    sources: dict[str, bytes] = {}
    dependencies: dict[str, bytes] = {}  # requirements files, pyproject.toml, setup.cfg naming AfterShip
    rest: list[tuple[Path, bytes | None]] = []
    unreadable: list[FileReport] = []
    data_files: dict[str, bytes] = {}  # cassettes and JSON fixtures that may hold AfterShip data
    unnamed: list[str] = []  # JSON files outside tests folders: read only if a test names them
    named: set[str] = set()  # the .json names in tests' string literals
    kept = 0  # bytes of non-candidate files held for the import check below
    for path in files:
        if is_data_file(str(path)) and not read_eagerly(str(path)) and str(path) not in given:
            unnamed.append(str(path))
            continue
        try:
            data = given[str(path)] if str(path) in given else read_bytes(str(path))
        except OSError as error:
            unreadable.append(FileReport(str(path), "skipped", reason=f"cannot read: {error.strerror or error}"))
            continue
        if is_data_file(str(path)):
            if may_hold_aftership_data(str(path), data):
                data_files[str(path)] = data
            continue
        if b".json" in data and is_test_code(str(path)):
            named |= json_names(data)
        if data.find(b"\0", 0, 8192) != -1:
            unreadable.append(FileReport(str(path), "skipped", reason="binary file"))
        elif has_marker(data):
            (dependencies if is_dependency_file(str(path)) else sources)[str(path)] = data
        elif is_dependency_file(str(path)):
            continue
        else:
            # Held up to a budget, so the import check need not read the file a second time.
            keep = kept + len(data) <= KEEP_BYTES
            kept += len(data) if keep else 0
            rest.append((path, data if keep else None))
    index = ProjectIndex(versions=set(versions))
    trees = {}
    imported: dict[str, dict[str, str]] = {}
    for path, data in sources.items():
        tree = parse_quietly(data)
        if tree is not None:
            trees[path] = tree
            index.add(project.module_path(path), tree)
    # The modules defining AfterShip constants, found in another file's import lines by last part.
    constant_parts = {key.rsplit(".", 1)[-1].encode() for key in index.constants}
    # A module importing a module that calls AfterShip's API (its functions may hand it data): one
    # that defines functions or classes, not a settings module holding the URL (its importers
    # count only when they read those constants: uses_constants).
    aftership_modules = {key for path, data in sources.items() if b"api.aftership.com" in data.lower()
                         and _defines_callables(trees.get(path)) for key in project.keys(path)}
    last_parts = {key.rsplit(".", 1)[-1].encode() for key in aftership_modules}
    importing: list[tuple[Path, bytes | None, set]] = []  # files left out that import something
    legacy_modules = {key: path for path, data in sources.items() if _LEGACY_IMPORT.search(data)
                      for key in project.keys(path)}
    if index.constants or aftership_modules or legacy_modules:
        for path, held in rest:
            data = held
            if data is None:
                try:
                    data = read_bytes(str(path))
                except OSError:
                    continue  # gone since the first read: nothing to rewrite
            on_import_lines = names_on_import_lines(data)
            if on_import_lines:
                importing.append((path, held, on_import_lines))
            modules = imported_names(data, project.module_path(str(path))) \
                if not (last_parts.isdisjoint(on_import_lines) and constant_parts.isdisjoint(on_import_lines)) else set()
            imports_aftership = not aftership_modules.isdisjoint(modules)
            if imports_aftership or (modules and uses_constants(data, modules, index.constants)):
                tree = parse_quietly(data)
                constants = index.imported(tree, project.module_path(str(path))) if tree is not None else None
                if constants or (imports_aftership and tree is not None):
                    sources[str(path)], imported[str(path)] = data, constants or {}
                    trees[str(path)] = tree
                    if imports_aftership:
                        imported[str(path)][IMPORTS_AFTERSHIP] = "yes"
    for path, tree in trees.items():
        imported[path] = index.imported(tree, project.module_path(path)) if path not in imported else imported[path]
    _add_imported_modules(sources, imported, trees, rest, project)
    _mark_imported_elsewhere(sources, imported, importing, project)
    _mark_exported(sources, imported, importing, project, legacy_modules, trees)
    if index.versions:
        for constants in imported.values():
            constants[PROJECT_VERSIONS] = ",".join(sorted(index.versions))
    _add_dependency_files(sources, imported, dependencies, legacy)
    _add_data_files(sources, imported, data_files, unnamed, named, bool(index.versions or legacy))
    return dict(sorted(sources.items())), imported, unreadable


def _add_data_files(sources: dict[str, bytes], imported: dict[str, dict[str, str]], data_files: dict[str, bytes],
                    unnamed: list[str], named: set[str], named_elsewhere: bool) -> None:
    """Test data files that may hold AfterShip data (a JSON file outside tests folders only when a
    test names it), each told whether the project names AfterShip outside its test data."""
    for path in unnamed:
        if named_by(path, named):
            try:
                data = read_bytes(path)
            except OSError:
                continue  # gone since the listing: nothing to rewrite
            if may_hold_aftership_data(path, data):
                data_files[path] = data
    if not data_files:
        return
    names_aftership = bool(sources) or named_elsewhere or any(has_marker(data) for data in data_files.values())
    for path in data_files:
        imported[path] = {NAMES_AFTERSHIP: "yes"} if names_aftership else {}
    sources.update(data_files)


NEWLINE = b"\n"
_LEGACY_IMPORT = re.compile(rb"(?m)^[ \t]*(?:from|import)[ \t]+(?:py)?aftership\b")


def _add_dependency_files(sources: dict[str, bytes], imported: dict[str, dict[str, str]],
                          dependencies: dict[str, bytes], legacy: Sequence[str]) -> None:
    """Dependency files, and `setup(...)` scripts, learn where the project still imports a legacy
    SDK: their requirement on it is replaced only when nowhere."""
    setups = [path for path, data in sources.items() if b"_require" in data]  # sources name AfterShip already
    if not dependencies and not setups:
        return
    found = {path: _LEGACY_IMPORT.search(data) for path, data in sources.items()}
    places = sorted(f"{path}:{sources[path].count(NEWLINE, 0, match.start()) + 1}"
                    for path, match in found.items() if match)
    places += [place for place in legacy if place.rsplit(":", 1)[0] not in sources]
    for path in [*dependencies, *setups]:
        imported.setdefault(path, {})[LEGACY_IMPORTERS] = "\n".join(places)
    sources.update(dependencies)


def _add_imported_modules(sources: dict[str, bytes], imported: dict[str, dict[str, str]],
                          trees: dict[str, ast.Module], rest: list[tuple[Path, bytes | None]], project: Project) -> None:
    """Make candidates of the run's modules that AfterShip code imports (marked as such)."""
    wanted = set().union(*(imported_modules(tree, project.module_path(path)) for path, tree in trees.items())) if trees else set()
    if not wanted:
        return
    last_parts = {name.rsplit(".", 1)[-1] for name in wanted}
    for path, data in [*((Path(p), None) for p in sources), *rest]:
        # The module's own name first: module_keys for every file of a big run costs.
        stem = path.parent.name if path.name == "__init__.py" else path.stem
        if stem not in last_parts or not wanted.intersection(project.keys(str(path))):
            continue
        if str(path) not in sources:
            try:
                sources[str(path)] = data if data is not None else read_bytes(str(path))
            except OSError:
                continue
        imported.setdefault(str(path), {})[IMPORTED_BY_AFTERSHIP] = "yes"


def _defines_callables(tree: ast.Module | None) -> bool:
    """Whether a module defines a function or class at its top level (unparsable: assume so)."""
    return tree is None or any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                               for node in tree.body)


def uses_constants(data: bytes, modules: set[str], constants: dict[str, dict[str, str]]) -> bool:
    """Whether a file whose import lines name `modules` may read an AfterShip constant: it imports
    one by name (`from shop.settings import API`), or imports a module defining some and reads an
    attribute of that name (`settings.API`). Decided on bytes, so only such files are parsed: a
    file that merely holds the word `API` (a quarter of any codebase) is not."""
    for module in modules:
        names = constants.get(module)
        if names and any(f"{module}.{name}" in modules or b"." + name.encode() in data for name in names):
            return True
    return False


def _mark_imported_elsewhere(sources: dict[str, bytes], imported: dict[str, dict[str, str]],
                             importing: list[tuple[Path, bytes | None, set]], project: Project) -> None:
    """Mark the candidates a file left out of the rewrite imports (crossmodule._passed)."""
    keys = {key: path for path in sources for key in project.keys(path)}
    last_parts = {key.rsplit(".", 1)[-1].encode() for key in keys}
    for path, data, on_import_lines in importing:
        if str(path) in sources or last_parts.isdisjoint(on_import_lines):
            continue
        try:
            data = data if data is not None else read_bytes(str(path))
        except OSError:
            continue
        for name in imported_names(data, project.module_path(str(path))) & keys.keys():
            imported.setdefault(keys[name], {})[IMPORTED_ELSEWHERE] = "yes"


def _mark_exported(sources: dict[str, bytes], imported: dict[str, dict[str, str]],
                   importing: list[tuple[Path, bytes | None, set]], project: Project,
                   legacy_modules: dict[str, str], trees: dict[str, ast.Module]) -> None:
    """Tell each module on a legacy SDK which of its names other files import (EXPORTED): a
    client it builds there cannot change type without them. A file importing such a client joins
    the run, told which names are clients (LEGACY_CLIENTS), so its calls are reported where made."""
    if not legacy_modules:
        return
    last_parts = {key.rsplit(".", 1)[-1].encode() for key in legacy_modules}
    clients = {module: legacy_clients(trees[module]) for module in set(legacy_modules.values()) if trees.get(module)}
    exported: dict[str, set[str]] = {}
    for path, data, words in [*((Path(p), d, None) for p, d in sources.items()), *importing]:
        if words is not None and last_parts.isdisjoint(words):
            continue
        try:
            data = data if data is not None else read_bytes(str(path))
        except OSError:
            continue
        names = imported_names(data, project.module_path(str(path)))
        for key, module in legacy_modules.items():
            if module != str(path) and key in names:  # `from key import a` names key.a; `import key` key alone
                found = {name[len(key) + 1:] for name in names if name.startswith(key + ".")}
                exported.setdefault(module, set()).update(found or {"*"})
                used = {name: package for name, package in clients.get(module, {}).items() if name in found}
                if used:
                    sources.setdefault(str(path), data)
                    marks = imported.setdefault(str(path), {})
                    marks[LEGACY_CLIENTS] = "\n".join(filter(None, [marks.get(LEGACY_CLIENTS), *(
                        f"{name}:{package}" for name, package in sorted(used.items()))]))
    for module, found in exported.items():
        imported.setdefault(module, {})[EXPORTED] = "\n".join(sorted(found))


def analyse(path: str, source: bytes, constants: dict[str, str], settings: Settings, across,
            parsed: dict | None = None) -> list:
    """The scopes of one module with their tracers, nothing rewritten ([] when it cannot be read).
    `parsed`: modules parsed before, by path (a module analysed round after round is parsed once)."""
    import libcst as cst

    from migrator.codemod.suppress import Suppressions
    from migrator.codemod.transformer import MigrationTransformer

    try:
        module = parsed.get(path) if parsed is not None else None
        if module is None:
            module = cst.parse_module(source)
            if parsed is not None:
                parsed[path] = module
        return MigrationTransformer(_rules(settings), constants, Suppressions(), across=across).analyse(module)
    except Exception:  # noqa: BLE001 - an unreadable module is reported by its own rewrite
        return []


def rewrite_one(path: str, source: bytes, constants: dict[str, str], settings: Settings,
                across=None) -> FileReport:
    """The unit of work (picklable, for worker processes). Never raises."""
    if is_dependency_file(path):
        return _rewrite_dependency_file(path, source, constants, settings)
    if is_data_file(path):
        return _rewrite_data_file(path, source, constants, settings)
    if settings.max_bytes and len(source) > settings.max_bytes:
        # Measured: a generated 5 MB module took libcst 27 s and 2.7 GB to parse.
        return FileReport(path, "skipped", source, source,
                          reason=f"{len(source) / (1 << 20):.3g} MB, over --max-file-size "
                                 f"{settings.max_bytes / (1 << 20):.3g} MB (raise it, or 0, to rewrite it)")
    try:
        from migrator.codemod.engine import rewrite_source

        rules = _rules(settings)
        result = rewrite_source(source, rules, constants, settings.add_todo, across, settings.show_fixes,
                                settings.accept_todos)
        return FileReport(path, result.status, source, result.new_source, result.findings,
                          dict(result.fixes), result.reason, result.edits, result.unread_line)
    except Exception as error:  # noqa: BLE001 - one file's bug must not stop the run
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        return FileReport(path, "error", source, source, reason=f"internal error: {detail}")


def _rewrite_dependency_file(path: str, source: bytes, constants: dict[str, str], settings: Settings) -> FileReport:
    from migrator.rules.legacy_sdks import LEGACY_REQUIREMENT

    if LEGACY_REQUIREMENT.code not in settings.enabled():
        return FileReport(path, "unchanged", source, source)
    importers = [place for place in constants.get(LEGACY_IMPORTERS, "").split("\n") if place]
    result = rewrite_dependencies(path, source, importers, LEGACY_REQUIREMENT)
    changed = result.new_source != source
    return FileReport(path, "changed" if changed else "unchanged", source, result.new_source, result.findings,
                      {LEGACY_REQUIREMENT.code: len(result.edits)} if changed else {}, "",
                      result.edits if settings.show_fixes else [])


def _rewrite_data_file(path: str, source: bytes, constants: dict[str, str], settings: Settings) -> FileReport:
    from migrator.datafiles.rewrite import rewrite_data_file

    kind = None
    if settings.kinds:
        from migrator.payload.pathkinds import PathKinds

        kind = PathKinds(settings.kinds, settings.kinds_root).kind_for(path)
    result = rewrite_data_file(path, source, _data_rules(settings), NAMES_AFTERSHIP in constants, kind)
    return FileReport(path, result.status, source, result.new_source, result.findings, result.fixes, result.reason,
                      result.edits if settings.show_fixes else [], result.unread_line)


_RULES_CACHE: dict = {}
_DATA_RULES: dict = {}


def _data_rules(settings: Settings):
    """The data files' rules, built once per process and settings."""
    if settings not in _DATA_RULES:
        from migrator.datafiles.ruleset import DataRules

        _DATA_RULES[settings] = DataRules.build(settings.select, settings.ignore, settings.unsafe_fixes)
    return _DATA_RULES[settings]


def _rules(settings: Settings):
    """CodeRules built once per process and settings."""
    if settings not in _RULES_CACHE:
        from migrator.catalogue import load_catalogue
        from migrator.codemod.ruleset import CodeRules

        _RULES_CACHE[settings] = CodeRules.build(load_catalogue(), settings.enabled(), settings.unsafe_fixes)
    return _RULES_CACHE[settings]


class Workers:
    """A process pool started before discovery, so workers import libcst while files are read.

    Used for runs over directories or many files; `pool` stays None for a few named files,
    where a pool costs more than it saves (the pre-commit case).
    """

    def __init__(self, settings: Settings, jobs: int | None, worth_it: bool) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self.pool = None
        if worth_it and self.jobs > 1:
            from migrator.processes import worker_pool

            self.pool = worker_pool(self.jobs)
            for _ in range(self.jobs):
                self.pool.submit(_warm_up, settings)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


# A small v4 client whose rewrite takes the paths every run takes: a request traced, a body
# literal handed to the payload translator (its schemas' checks are built on first use), a
# restructured read, findings placed. Rewritten once by each worker while discovery runs.
_WARM_UP_SOURCE = b'''import requests
API = "https://api.aftership.com/v4"
def create(number):
    body = {"tracking": {"tracking_number": number, "emails": ["a@example.com"]}}
    t = requests.post(f"{API}/trackings", json=body, headers={"aftership-api-key": "k"}).json()["data"]["tracking"]
    return t["expected_delivery"], t["order_id_path"], [c["country_iso3"] for c in t["checkpoints"]]
'''


def _warm_up(settings: Settings) -> None:
    """Pay a worker's start-up costs early: libcst, the rules, and what a first rewrite builds
    (measured: without it the first two files of each worker took 50-200 ms, not 14)."""
    rewrite_one("<warm-up>", _WARM_UP_SOURCE, {}, settings)
    gc.freeze()  # the modules and rules stay for the process's life: no collection need walk them


def tune_gc() -> None:
    """Collect cyclic garbage every 100,000 allocations, not 700 (inherited by forked workers).
    libcst builds a node per token and keeps no cycles among them, so the default spent a fifth
    of a rewrite collecting nothing (measured: parse, walk and verification 20% faster)."""
    gc.set_threshold(100_000, 50, 100)


def rewrite_files(sources: dict[str, bytes], imported: dict[str, dict[str, str]], settings: Settings,
                  workers: Workers | None = None, project: Project | None = None,
                  context: set[str] = frozenset()) -> Iterator[FileReport]:
    """Rewrite the candidates, yielding reports in path order. `context`: candidates of the project
    outside the run, read for what they tell the others and not rewritten."""
    from migrator.codemod.crossmodule import gather

    items = [(path, source) for path, source in sources.items() if path not in context]
    dependencies = [(path, source) for path, source in items if is_dependency_file(path)]
    data_files = [(path, source) for path, source in items if is_data_file(path)]
    items = [(path, source) for path, source in items if not is_dependency_file(path) and not is_data_file(path)]
    python = {path: source for path, source in sources.items()
              if not is_dependency_file(path) and not is_data_file(path)}
    across = gather(python, imported, settings, project, {path for path, _ in items} if context else None)
    rewritten: dict[str, bytes] = {}  # each file's text after the rewrite, for the dependency files
    for report in _rewrite_python(items, imported, settings, workers, across):
        rewritten[report.path] = report.new_source or report.source
        yield report
    for path, source in data_files:  # cassettes and fixtures: what the code sends and gets back in tests
        yield rewrite_one(path, source, imported.get(path, {}), settings)
    # Last: a requirement on a legacy SDK moves once no file imports it, after this run's rewrite.
    for path, source in dependencies:
        constants = dict(imported.get(path, {}))
        if LEGACY_IMPORTERS in constants:
            constants[LEGACY_IMPORTERS] = _still_importing(constants[LEGACY_IMPORTERS], rewritten)
        yield rewrite_one(path, source, constants, settings)


def imports_legacy_sdk(source: bytes) -> bool:
    """Whether Python source imports `aftership` or `pyaftership` (at any line)."""
    return _LEGACY_IMPORT.search(source) is not None


def _still_importing(places: str, rewritten: dict[str, bytes]) -> str:
    """The importers of a legacy SDK ("path:line" lines) once this run's files are rewritten."""
    kept = [place for place in places.split("\n") if place and place.rsplit(":", 1)[0] not in rewritten]
    for path, source in rewritten.items():
        match = _LEGACY_IMPORT.search(source)
        if match:
            kept.append(f"{path}:{source.count(NEWLINE, 0, match.start()) + 1}")
    return "\n".join(sorted(kept))


def _rewrite_python(items: list[tuple[str, bytes]], imported: dict[str, dict[str, str]], settings: Settings,
                    workers: Workers | None, across: dict) -> Iterator[FileReport]:
    pool = workers.pool if workers is not None else None
    if pool is None or len(items) < PARALLEL_THRESHOLD:
        for path, source in items:
            yield rewrite_one(path, source, imported.get(path, {}), settings, across.get(path))
        return
    # A few files per task: one task per file spent a third of the run passing messages
    # (measured on the benchmark: 1.0 s for 100 files on two workers where 0.7 s was work).
    size = max(1, min(BATCH_FILES, len(items) // (4 * workers.jobs)))
    batches = [items[i:i + size] for i in range(0, len(items), size)]
    futures = [pool.submit(_rewrite_batch, [(path, source, imported.get(path, {}), across.get(path))
                                            for path, source in batch], settings) for batch in batches]
    for batch, future in zip(batches, futures):
        try:
            yield from future.result()
        except Exception as error:  # noqa: BLE001 - a worker that died loses its files, not the run
            for path, source in batch:
                yield FileReport(path, "error", source, source, reason=f"worker failed: {error}")


def _rewrite_batch(batch: list[tuple], settings: Settings) -> list[FileReport]:
    """rewrite_one for each (path, source, constants, across) of a batch, in a worker."""
    return [rewrite_one(path, source, constants, settings, across) for path, source, constants, across in batch]
