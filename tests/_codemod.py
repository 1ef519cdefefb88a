"""Helpers shared by the codemod tests (test_codemod_fixtures, test_rewrite_cli, test_precision)."""

from __future__ import annotations

import inspect

from migrator.codemod import runner


def rewrite_all(sources, imported, settings, jobs: int = 1) -> list:
    """`runner.rewrite_files` over every candidate, in worker processes when `jobs` > 1.

    Accepts both shapes the runner has had: `jobs=` or a `Workers` pool started by the caller.
    """
    parameters = inspect.signature(runner.rewrite_files).parameters
    if "jobs" in parameters:
        return list(runner.rewrite_files(sources, imported, settings, jobs=jobs))
    if jobs > 1 and hasattr(runner, "Workers"):
        with runner.Workers(settings, jobs, True) as workers:
            return list(runner.rewrite_files(sources, imported, settings, workers))
    return list(runner.rewrite_files(sources, imported, settings))


def json_rows(stdout: str) -> list[dict]:
    """`rewrite --output-format json` as rows, one per finding (`fixed` false) and per edit
    (`fixed` true), each with its file's `path` and `status`."""
    import json

    document = json.loads(stdout)
    assert document["version"] == 2 and isinstance(document["files"], list)
    return [{"path": record["path"], "status": record["status"], **row, "fixed": fixed}
            for record in document["files"]
            for fixed, rows in ((False, record["findings"]), (True, record["edits"])) for row in rows]
