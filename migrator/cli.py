"""Command line: `aftership-migrate rules | translate | translate-db | rewrite`.

Heavy modules (libcst, jsonschema) are imported inside the commands that need them, so a
run with nothing to do starts fast enough for a pre-commit hook.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections import Counter
from pathlib import Path

import click

from migrator.config import OUTPUT_FORMATS

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2
DEFAULT_MAX_MB = 2.0  # rewrite's --max-file-size


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aftership-migrate")
def main() -> None:
    """Migrate Python code and stored JSON from AfterShip Tracking API v4 to 2025-01."""
    from migrator.processes import stop_on_sigterm

    stop_on_sigterm()


@main.command()
@click.argument("code", required=False)
def rules(code: str | None) -> None:
    """List the rule catalogue, or explain one rule (by code or name)."""
    from migrator.catalogue import load_catalogue

    catalogue = load_catalogue()
    if code:
        rule = catalogue.find(code)
        if rule is None:
            raise click.BadParameter(f"no rule {code!r}; run `aftership-migrate rules` for the list")
        click.echo(rule.doc())
        return
    for rule in catalogue:
        engines = "+".join(sorted(rule.engines))
        flag = "" if rule.default else " (off by default)"
        click.echo(f"{rule.code}  {rule.safety:<6}  {engines:<12}  {rule.title}{flag}")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", help="Output file, or directory when several inputs or a directory are given.")
@click.option("--in-place", is_flag=True, help="Replace each input file with its translation (atomically).")
@click.option("--kind", help="Treat every body as this kind instead of recognising it (one of the kinds in the "
                              "README); wins over the `kinds` table of the configuration.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False),
              help="Write a JSON report of every value dropped, approximated or defaulted.")
@click.option("--strict", is_flag=True, help="Fail a body that would lose or approximate any value.")
@click.option("--select", multiple=True, help="Apply only these rule codes (or prefixes).")
@click.option("--ignore", multiple=True, help="Do not apply these rule codes (or prefixes).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for large JSONL inputs (default: all cores).")
@click.option("--exclude", multiple=True, help="Skip files matching these gitignore-style patterns.")
@click.option("-q", "--quiet", is_flag=True, help="Print no summary.")
def translate(inputs, output, in_place, kind, report_file, strict, select, ignore, jobs, exclude, quiet) -> None:
    """Translate stored v4 JSON bodies (files, directories, .jsonl, .gz, - for stdin) to 2025-01.

    Exit status: 0 when every body converted or was already 2025-01, 1 when any failed.
    """
    from migrator.config import ConfigError, load_config
    from migrator.payload.kinds import KINDS
    from migrator.payload.pathkinds import PathKinds
    from migrator.payload.run import ArchiveConverter, Options, ReportWriter

    if kind is not None and kind not in KINDS:
        raise click.UsageError(f"unknown --kind {kind!r}; one of: {', '.join(KINDS)}")
    if in_place and output:
        raise click.UsageError("--in-place and --output exclude each other")
    if in_place and "-" in inputs:
        raise click.UsageError("--in-place cannot rewrite standard input")
    _refuse_missing(inputs)
    _refuse_inputs_as_outputs(inputs, output, report_file)
    try:  # its `kinds` table: the kind of the files under a path, where --kind gives none
        config = load_config(inputs)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    select, ignore = _checked_codes(_codes(select), _codes(ignore))
    options = Options(kind=kind, strict=strict, select=tuple(select), ignore=tuple(ignore),
                      report=report_file is not None)
    # The report goes to a temporary file, moved into place only when the run ends well.
    report = _report_writer(report_file) if report_file else contextlib.nullcontext()
    with report as handle:
        converter = ArchiveConverter(options, ReportWriter(handle), jobs=jobs, exclude=exclude,
                                     kinds=PathKinds(config.kinds, config.root))
        try:
            summary = converter.run(list(inputs), output, in_place, sys.stdout)
        except BrokenPipeError:
            sys.stderr.write("aftership-migrate: the output was closed early; stopped\n")
            sys.exit(EXIT_CHANGED)
        converter.report.close(summary)
    if not quiet:
        for line in summary.lines():
            click.echo(line, err=True)
    sys.exit(EXIT_CHANGED if summary.failed else EXIT_OK)


@main.command("translate-db")
@click.argument("url")
@click.option("--table", required=True, help="The table holding the bodies (schema.table on PostgreSQL).")
@click.option("--column", required=True, help="Its column holding one JSON body a row: jsonb, json or text.")
@click.option("--key", help="A unique, NOT NULL column ordering the batches (default: the primary key; "
                            "SQLite: else rowid).")
@click.option("--where", help="An SQL condition: only the rows matching it are read.")
@click.option("--kind", help="Treat every body as this kind instead of recognising it.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Rows read, and written in one transaction, at a time.")
@click.option("--check", is_flag=True, help="Write nothing; report what would change; exit 1 when a row would "
                                            "change or fails.")
@click.option("--backup-table", help="Keep each original value (key, old and new value, time) in this table, "
                                     "created if missing, in the transaction that replaces it.")
@click.option("--restore", is_flag=True, help="Put back the originals kept in --backup-table, where rows still "
                                              "hold what this tool wrote.")
@click.option("--restart", is_flag=True, help="Start from the first key, although a run with the same arguments "
                                              "stopped midway.")
@click.option("--jobs", type=click.IntRange(min=0), default=None,
              help="Worker processes translating a large table, 0 for none (default: one a core).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False),
              help="Write a JSON report of every row that lost, changed or failed anything (by key).")
@click.option("--strict", is_flag=True, help="Fail a body that would lose or approximate any value.")
@click.option("--select", multiple=True, help="Apply only these rule codes (or prefixes).")
@click.option("--ignore", multiple=True, help="Do not apply these rule codes (or prefixes).")
@click.option("-q", "--quiet", is_flag=True, help="Print no progress bar and no summary.")
def translate_db(url, table, column, key, where, kind, batch_size, check, backup_table, restore, restart, jobs,
                 report_file, strict, select, ignore, quiet) -> None:
    """Translate v4 bodies stored in a database column to 2025-01, in place, batch by batch.

    URL: sqlite:///path.db (sqlite:////absolute/path.db) or postgresql://user@host/dbname.

    Exit status: 0 when every row converted or was already 2025-01, 1 when any failed (under
    --check, also when any would change; under --restore, when any was left), 2 usage or
    database error.
    """
    from migrator.db.bar import RowBar
    from migrator.db.driver import BatchTranslator, Settings, connect
    from migrator.db.restore import restore as restore_rows
    from migrator.db.target import DatabaseError
    from migrator.payload.kinds import KINDS
    from migrator.payload.run import Options, ReportWriter

    if kind is not None and kind not in KINDS:
        raise click.UsageError(f"unknown --kind {kind!r}; one of: {', '.join(KINDS)}")
    if restore and not backup_table:
        raise click.UsageError("--restore needs --backup-table, the table the run kept the originals in")
    if restore and (check or where or kind or strict or select or ignore or restart):
        raise click.UsageError("--restore puts back what --backup-table holds: it takes no --check, --where, "
                               "--kind, --strict, --select, --ignore or --restart")
    if check and backup_table:
        raise click.UsageError("--check writes nothing: --backup-table would stay empty")
    select, ignore = _checked_codes(_codes(select), _codes(ignore))
    options = Options(kind=kind, strict=strict, select=tuple(select), ignore=tuple(ignore),
                      report=report_file is not None)
    try:
        database = connect(url)
    except DatabaseError as error:
        raise click.UsageError(str(error)) from error
    bar = RowBar(0, sys.stderr, enabled=not quiet)
    with contextlib.closing(database), \
            (_report_writer(report_file) if report_file else contextlib.nullcontext()) as handle:
        report = ReportWriter(handle)
        run = None
        try:
            target = database.describe(table, column, key)
            if restore:
                summary = restore_rows(database, target, backup_table, batch_size, report, sys.stderr, bar)
            else:
                settings = Settings(where, batch_size, check, backup_table, restart, jobs)
                run = BatchTranslator(database, target, options, report, settings, sys.stderr, bar)
                summary = run.run()
        except DatabaseError as error:
            raise click.UsageError(str(error)) from error
        except (database.failure, KeyboardInterrupt, SystemExit) as error:
            bar.close()
            where_stopped = f" after key {run.position}" if run is not None and run.position is not None else ""
            cause = "stopped" if isinstance(error, (KeyboardInterrupt, SystemExit)) else \
                f"database error: {str(error).strip()}"
            state = "nothing was written" if check else \
                f"the batches written so far are committed, the rest is untouched; the same command continues" \
                f"{where_stopped}"
            click.echo(f"aftership-migrate: {cause}: {state}", err=True)
            sys.exit(130 if isinstance(error, KeyboardInterrupt) else error.code
                     if isinstance(error, SystemExit) else EXIT_ERROR)
        report.close(summary)
    if not quiet:
        for line in summary.lines():
            click.echo(line, err=True)
    sys.exit(EXIT_CHANGED if summary.failed or (check and summary.converted) else EXIT_OK)


@contextlib.contextmanager
def _report_writer(path: str):
    """The report's text stream: written beside its place and renamed into it at the end (the
    temporary file named so a next run removes it if this one is killed); a folder that cannot
    hold it is a usage error before anything is read."""
    import io
    import tempfile

    from migrator.atomic import atomic_writer

    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise click.UsageError(f"--report {path}: cannot write there: {error.strerror or error}") from error
    with atomic_writer(path, "wb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield text
        text.flush()
        text.detach()


def _refuse_missing(paths: tuple[str, ...]) -> None:
    """A path that does not exist is a usage error (exit 2), as with black and ruff: a typo in a
    CI job must not pass as "nothing to do"."""
    missing = [path for path in paths if path != "-" and not os.path.lexists(path)]
    if missing:
        raise click.UsageError(f"no such file or directory: {', '.join(missing)}")


def use_color(option: str, stream) -> bool:
    """--color always/never, else the conventions: NO_COLOR (any value) turns colour off,
    FORCE_COLOR on, TERM=dumb off; otherwise colour on a terminal only."""
    if option != "auto":
        return option == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return os.environ.get("TERM") != "dumb" and stream.isatty()


def _refuse_inputs_as_outputs(inputs: tuple[str, ...], output: str | None, report: str | None) -> None:
    """An output or report path that is an input (or, for the report, lies in an input folder)
    is refused before anything is read or written: the run would replace what it reads."""
    for option, target in (("--output", output), ("--report", report)):
        if not target or target == "-":
            continue
        for source in inputs:
            if source != "-" and _same_path(target, source):
                raise click.UsageError(f"{option} {target} would overwrite the input {source}")
            if option == "--report" and os.path.isdir(source) and _is_within(target, source):
                raise click.UsageError(f"--report {target} lies in the input folder {source}, which the run reads")


def _same_path(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return os.path.abspath(a) == os.path.abspath(b)


def _is_within(path: str, folder: str) -> bool:
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, root]) == root


def _write(report, verbose: bool, roots: tuple[str, ...]) -> bool | str:
    """Replace a rewritten file atomically, as it was read (else it is left alone and said so):
    True, or the count it goes to ("skipped" on purpose, "error" when writing failed)."""
    from migrator.atomic import NotWritten, write_bytes_atomic

    folders = [root for root in roots if os.path.isdir(root)] + [os.getcwd()]
    if os.path.islink(report.path) and not any(_is_within(report.path, folder) for folder in folders):
        click.echo(f"{report.path}: skipped: a symlink to {os.path.realpath(report.path)}, outside the "
                   f"given paths: left alone", err=True)
        return "skipped"
    try:
        write_bytes_atomic(report.path, report.new_source, expected=report.source)
    except NotWritten as error:
        click.echo(f"{report.path}: skipped: {error}", err=True)
        return "skipped"
    except OSError as error:
        click.echo(f"{report.path}: error: cannot write: {error.strerror or error}", err=True)
        return "error"
    if verbose:
        click.echo(f"fixed {report.path}", err=True)
    return True


def _with_progress(reports, progress):
    for report in reports:
        progress.step()
        yield report


def _codes(values: tuple[str, ...]) -> list[str]:
    """`--select AS1,AS301 --select AS4` -> ["AS1", "AS301", "AS4"]."""
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _checked_codes(select: list[str], ignore: list[str]) -> tuple[list[str], list[str]]:
    """Both lists, once every code or prefix is known to name a rule (a usage error if not).

    The catalogue is loaded only when there is something to check: a plain pre-commit run
    stays light."""
    if select or ignore:
        from migrator.catalogue import load_catalogue

        unknown = load_catalogue().unknown([*select, *ignore])
        if unknown:
            raise click.UsageError(f"unknown rule code {', '.join(unknown)}; see `aftership-migrate rules`")
    return select, ignore


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--diff", is_flag=True, help="Print a unified diff instead of writing files.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when changes or findings remain.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that change behaviour (extra requests, new shapes).")
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated).")
@click.option("--add-todo", is_flag=True, help="Leave a `# TODO(aftership-migrate): CODE` comment at each finding.")
@click.option("--accept-todos", is_flag=True,
              help="Count a `# TODO(aftership-migrate): CODE` comment above a statement as acknowledging that "
                   "finding there: not reported, so --check passes (default: a TODO is work left, still reported).")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default=None,
              help="How findings are printed (default: text).")
@click.option("--exclude", multiple=True, help="Skip paths matching these gitignore-style patterns.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="A pyproject.toml to read instead of the nearest one.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour diffs: auto follows the terminal, NO_COLOR, FORCE_COLOR and TERM=dumb.")
@click.option("--show-fixes", is_flag=True, help="Also list every fix made, at its line, with its rule.")
@click.option("--stdin-filename", help="With -, the path the code read from stdin has: findings and diffs "
                                        "name it, its configuration is found from it, --exclude applies to it.")
@click.option("--max-file-size", type=click.FloatRange(min=0), default=DEFAULT_MAX_MB, show_default=True,
              help="Skip (and list) files larger than this many MB, 0 for no limit: libcst takes ~5 s and "
                   "500 MB a MB, and such files are generated data.")
@click.option("--project-root", type=click.Path(exists=True, file_okay=False),
              help="The project whose AfterShip constants and helpers the files use (default: the nearest "
                   "folder above the first path with pyproject.toml, setup.cfg, setup.py or .git).")
@click.option("--no-cache", is_flag=True, help="Read every file of the project again, and keep no cache.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("-v", "--verbose", is_flag=True, help="Also list every file changed or skipped.")
def rewrite(paths, diff, check, unsafe_fixes, select, ignore, add_todo, accept_todos, output_format, exclude, config_path,
            jobs, color, show_fixes, stdin_filename, max_file_size, project_root, no_cache, quiet, verbose) -> None:
    """Rewrite Python code that calls AfterShip's v4 API, and its tests' cassettes and JSON fixtures
    (files, directories, or - for stdin).

    Silence a finding that is right as it is with `# aftership-migrate: ignore[AS201]` or
    `# noqa: AS201` on its line, or `# aftership-migrate: ignore-file[AS201]` anywhere in the
    file; see also --accept-todos.

    Exit status: 0 nothing to do; 1 files changed (or would change) or findings remain;
    2 usage or internal error (under --check, also an AfterShip file that cannot be read: E001).
    """
    import time

    from migrator.codemod.discovery import PathFilter, discover
    from migrator.codemod.output import JsonReport, Progress, unified_diff, write_summary
    from migrator.codemod.relocate import relocate
    from migrator.codemod.requirements import is_dependency_file
    from migrator.codemod.runner import PARALLEL_THRESHOLD, Settings, Workers, imports_legacy_sdk, rewrite_files, \
        tune_gc
    from migrator.config import ConfigError, load_config

    tune_gc()

    started = time.perf_counter()
    _refuse_missing(paths)
    if stdin_filename and paths != ("-",):
        raise click.UsageError("--stdin-filename goes with - (the code read from stdin) alone")
    try:
        config = load_config((stdin_filename,) if stdin_filename else paths, config_path)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    select, ignore = _checked_codes(_codes(select) or list(config.select), _codes(ignore) or list(config.ignore))
    output_format = output_format or config.output_format
    # JSON names each file's edits whatever --show-fixes says: a CI job has nothing else to show.
    settings = Settings(tuple(select), tuple(ignore), unsafe_fixes or config.unsafe_fixes, add_todo,
                        show_fixes or output_format == "json",
                        accept_todos=accept_todos or config.accept_todos, max_bytes=int(max_file_size * (1 << 20)),
                        kinds=config.kinds, kinds_root=str(config.root))
    if diff and output_format == "json":
        raise click.UsageError("--diff and --output-format json exclude each other: stdout holds one JSON document")
    path_filter = PathFilter([*config.exclude, *exclude], config.root)
    if "-" in paths:
        if len(paths) > 1:
            raise click.UsageError("- (stdin) cannot be combined with other paths")
        source = sys.stdin.buffer.read()
        name = stdin_filename or "-"
        if stdin_filename and path_filter.excluded(stdin_filename):
            if not check and not diff:
                sys.stdout.buffer.write(source)  # excluded: passed through as it came
            sys.exit(EXIT_OK)
        report = _rewrite_stdin(name, source, settings, project_root, no_cache, path_filter)
        if diff:
            click.echo(unified_diff(name, source, report.new_source, use_color(color, sys.stdout)), nl=False)
        elif not check:
            sys.stdout.buffer.write(report.new_source)
        if output_format == "json":
            document = JsonReport()
            document.add(report, "would change" if check and report.status == "changed" else report.status)
            click.echo(document.dumps(), err=True)
        else:
            _echo_findings(report, output_format, err=True)  # stdout holds the code
        if report.reason:
            _echo_problem(report)
        sys.exit(_exit_status(report.status == "error", report.status == "changed", bool(report.findings)))

    big_run = len(paths) >= PARALLEL_THRESHOLD or any(os.path.isdir(p) for p in paths)
    workers = Workers(settings, jobs, worth_it=big_run)
    files = list(discover(paths, path_filter))
    project, outside, sources, imported, unreadable = _first_pass(paths, files, project_root, no_cache, path_filter)
    unreadable = [report for report in unreadable if report.path not in outside]
    rewritten = len(sources) - len(outside.intersection(sources))
    counts = {"scanned": len(files), "candidates": rewritten, "changed": 0, "skipped": 0, "error": 0}
    fixes, found, document = Counter(), Counter(), JsonReport()
    legacy_left: list[str] = []  # files that would have stopped importing a legacy SDK, not written
    colored = use_color(color, sys.stdout)
    progress = Progress(rewritten, sys.stderr, enabled=not quiet)
    with workers:
        for report in itertools.chain(unreadable, _with_progress(
                rewrite_files(sources, imported, settings, workers, project, outside), progress)):
            # A line printed now starts at its own beginning, not after the bar (which comes back).
            if report.status != "unchanged" or report.findings or report.edits:
                progress.clear()
            if check and report.unread_line:
                # AfterShip code the tool could not read is not "nothing to do": --check fails.
                counts["error"] += 1
                unread = _unread_finding(report)
                if output_format == "json":
                    report.findings = [unread]
                    document.add(report, "not checked")
                else:
                    click.echo(_unread_line(report, unread, output_format))
                continue
            status = report.status
            if status in ("skipped", "error"):
                counts[status] += 1
                _echo_problem(report)
                if output_format == "json":
                    document.add(report, status)
                continue
            if status == "changed":
                counts["changed"] += 1
                if diff:
                    click.echo(unified_diff(report.path, report.source, report.new_source, colored), nl=False)
                elif check:
                    status = "would change"
                    _echo_would_rewrite(report, output_format)
                else:
                    if legacy_left and is_dependency_file(report.path):
                        # Its requirement moved because the code stopped importing the legacy SDK,
                        # but a file of that code could not be written: keep the requirement.
                        written = "skipped"
                        click.echo(f"{report.path}: skipped: {legacy_left[0]} still imports a legacy SDK "
                                   f"(it could not be written)", err=True)
                    else:
                        written = _write(report, verbose, paths)
                    if written is not True and imports_legacy_sdk(report.source) \
                            and not imports_legacy_sdk(report.new_source):
                        legacy_left.append(report.path)
                    if written is True:  # the user opens the new file: its lines are the ones to name
                        report.findings = relocate(report.findings, report.source, report.new_source)
                        report.edits = relocate(report.edits, report.source, report.new_source)
                    else:
                        counts["changed"] -= 1
                        counts[written] += 1
                        status = f"not written ({written})"
            fixes.update(report.fixes)
            found.update(finding.code for finding in report.findings)
            if output_format == "json":
                if status != "unchanged" or report.findings:
                    document.add(report, status)
            else:
                _echo_findings(report, output_format, err=False)
    progress.close()
    if output_format == "json":
        click.echo(document.dumps(counts, fixes, found))
    if not quiet:
        write_summary(sys.stderr, counts, fixes, found, time.perf_counter() - started)
    sys.exit(_exit_status(bool(counts["error"]), bool(counts["changed"]), bool(found)))


def _first_pass(paths, files, project_root: str | None, no_cache: bool, path_filter, given=None):
    """(project, paths of its files read for context only, candidates, imported constants,
    unreadable files): files handed one by one (pre-commit) still use the constants and helpers
    of the whole project."""
    from migrator.codemod.discovery import walk
    from migrator.codemod.project import Context, context_files, covers, find_project
    from migrator.codemod.runner import select_candidates

    project = find_project(paths, project_root)
    context = Context([], set())
    if project.found and not covers(paths, project):
        context = context_files(project, files, walk(project.root, path_filter), not no_cache)
    sources, imported, unreadable = select_candidates(files + context.files, project, given, context.versions,
                                                      context.legacy)
    return project, {str(path) for path in context.files}, sources, imported, unreadable


def _rewrite_stdin(name: str, source: bytes, settings, project_root: str | None, no_cache: bool, path_filter):
    """The report of code read from stdin, known as `name` (with --stdin-filename, inside its project)."""
    from migrator.codemod.runner import FileReport, rewrite_files, rewrite_one

    if name == "-":
        return rewrite_one(name, source, {}, settings)
    project, outside, sources, imported, _ = _first_pass((name,), [Path(name)], project_root, no_cache,
                                                          path_filter, {name: source})
    reports = [report for report in rewrite_files(sources, imported, settings, None, project, outside)
               if report.path == name]
    return reports[0] if reports else FileReport(name, "unchanged", source, source)


UNREAD_CODE = "E001"  # an AfterShip file libcst could not read or print back: not checked


def _unread_finding(report):
    from migrator.codemod.findings import Finding

    return Finding(report.unread_line, 1, UNREAD_CODE, f"not checked: {report.reason}", "the file must parse")


def _unread_line(report, finding, output_format: str) -> str:
    if output_format == "github":
        return (f"::error file={report.path},line={finding.line},title={UNREAD_CODE}::"
                f"{finding.message}".replace("\n", "%0A"))
    return f"{report.path}:{finding.line}:1: {UNREAD_CODE} {finding.message}"


def _echo_would_rewrite(report, output_format: str) -> None:
    """--check names every file it would change, findings or not (black's "would reformat")."""
    if output_format == "text":
        click.echo(f"would rewrite {report.path}")
    elif output_format == "github":
        fixed = ", ".join(f"{code} x{count}" for code, count in sorted(report.fixes.items()))
        click.echo(f"::error file={report.path},title=aftership-migrate::would be rewritten ({fixed}); "
                   f"run aftership-migrate rewrite")


def _echo_findings(report, output_format: str, err: bool) -> None:
    from migrator.codemod.output import finding_line

    said = [(f, False) for f in report.findings] + [(e, True) for e in report.edits]
    for finding, fixed in sorted(said, key=lambda pair: (pair[0].line, pair[0].column, pair[0].code)):
        click.echo(finding_line(report.path, finding, output_format, fixed), err=err)


def _echo_problem(report) -> None:
    """A file skipped or failed, with why."""
    click.echo(f"{report.path}: {report.status}: {report.reason}", err=True)


def _exit_status(error: bool, changed: bool, findings: bool) -> int:
    """2 for an error, 1 when code changed (or would) or findings remain, else 0 (README)."""
    return EXIT_ERROR if error else EXIT_CHANGED if changed or findings else EXIT_OK
