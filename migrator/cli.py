"""Command line: `aftership-migrate rules | translate | rewrite`.

Heavy modules (libcst, jsonschema) are imported inside the commands that need them, so a
run with nothing to do starts fast enough for a pre-commit hook.
"""

from __future__ import annotations

import sys

import click

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aftership-migrate")
def main() -> None:
    """Migrate Python code and stored JSON from AfterShip Tracking API v4 to 2025-01."""


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


def _kinds() -> list[str]:
    from migrator.payload.kinds import KINDS

    return list(KINDS)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", help="Output file, or directory when several inputs or a directory are given.")
@click.option("--in-place", is_flag=True, help="Replace each input file with its translation (atomically).")
@click.option("--kind", type=click.Choice(_kinds()), help="Treat every body as this kind instead of recognising it.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Write a JSON report of every value dropped, approximated or defaulted.")
@click.option("--strict", is_flag=True, help="Fail a body that would lose or approximate any value.")
@click.option("--select", multiple=True, help="Apply only these rule codes (or prefixes).")
@click.option("--ignore", multiple=True, help="Do not apply these rule codes (or prefixes).")
@click.option("-q", "--quiet", is_flag=True, help="Print no summary.")
def translate(inputs, output, in_place, kind, report_path, strict, select, ignore, quiet) -> None:
    """Translate stored v4 JSON bodies (files, directories, .jsonl, .gz, - for stdin) to 2025-01.

    Exit status: 0 when every body converted or was already 2025-01, 1 when any failed.
    """
    from migrator.catalogue import load_catalogue
    from migrator.payload.engine import Translator
    from migrator.payload.run import ArchiveConverter, Options, ReportWriter

    if in_place and output:
        raise click.UsageError("--in-place and --output exclude each other")
    if in_place and "-" in inputs:
        raise click.UsageError("--in-place cannot rewrite standard input")
    catalogue = load_catalogue()
    enabled = catalogue.select(select, ignore) if (select or ignore) else None
    translator = Translator(catalogue, enabled)
    report_handle = open(report_path, "w", encoding="utf-8") if report_path else None
    try:
        converter = ArchiveConverter(translator, Options(kind=kind, strict=strict), ReportWriter(report_handle))
        summary = converter.run(list(inputs), output, in_place, sys.stdout)
        converter.report.close(summary)
    finally:
        if report_handle:
            report_handle.close()
    if not quiet:
        for line in summary.lines():
            click.echo(line, err=True)
    sys.exit(EXIT_CHANGED if summary.failed else EXIT_OK)
