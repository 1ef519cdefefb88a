"""Benchmark of `translate-db`: its throughput against a plain round trip of the same rows
without translation (SELECT by key in batches + UPDATE ... FROM (VALUES ...), one transaction a
batch), on SQLite and on PostgreSQL, with peak memory; and what resuming a stopped run costs
by either way of finding where to continue (a progress record, or skipping rows already in the
2025-01 shape).

The round trip is measured twice: writing back the values read, as the issue states it, and
writing the rows' final 2025-01 values, translated beforehand, which is the same work for the
database as ours. The two differ on SQLite: it leaves a cell whose new bytes equal the old
ones untouched, so writing back the values read writes nothing to disk (measured: 9 us a row
against 38 us for values of another length).

    python benchmarks/db.py [--rows 1000000] [--engines sqlite postgresql] [--runs 1]
                            [--pg-url postgresql://...] [--data benchmarks/data]

Rows are synthetic v4 tracking responses (2-3 checkpoints, ~1.5 KB), generated deterministically.
Without --pg-url a throwaway PostgreSQL server is started (tests/_postgres.py: fsync off, as
for the tests; both sides of each ratio run on the same server). Before each measured command
the table is loaded afresh (and, for SQLite, its copy synced to disk), so neither side pays for the
other's dead rows or for writing the copy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from run import BIN, SEED, _tree_rss_kb, compile_package, v4_tracking_response  # noqa: E402

TABLE, COLUMN = "deliveries", "payload"
BATCH = 1000

# argv: database, batch size, and a file of final values (one a line, by id) to write instead.
PLAIN_SQLITE = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
final = open(sys.argv[3]) if len(sys.argv) > 3 else None
after = -1
while True:
    rows = db.execute("SELECT id, payload FROM deliveries WHERE payload IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
                      (after, int(sys.argv[2]))).fetchall()
    if not rows:
        break
    if final:
        rows = [(key, final.readline().rstrip("\\n")) for key, _ in rows]
    db.execute("BEGIN IMMEDIATE")
    values = ", ".join(["(?, ?)"] * len(rows))
    db.execute(f"UPDATE deliveries SET payload = v.column2 FROM (VALUES {values}) AS v WHERE deliveries.id = v.column1",
               [value for row in rows for value in row])
    db.execute("COMMIT")
    after = rows[-1][0]
"""
PLAIN_POSTGRES = """
import psycopg, sys
db = psycopg.connect(sys.argv[1], autocommit=True)
final = open(sys.argv[3]) if len(sys.argv) > 3 else None
after = -1
while True:
    rows = db.execute("SELECT id, payload::text FROM deliveries WHERE payload IS NOT NULL AND id > %s ORDER BY id "
                      "LIMIT %s", (after, int(sys.argv[2]))).fetchall()
    if not rows:
        break
    if final:
        rows = [(key, final.readline().rstrip("\\n")) for key, _ in rows]
    values = ", ".join(["(%s::bigint, %s)"] * len(rows))
    with db.transaction():
        db.execute(f"UPDATE deliveries SET payload = v.p::jsonb FROM (VALUES {values}) AS v(id, p) "
                   f"WHERE deliveries.id = v.id", [value for row in rows for value in row])
    after = rows[-1][0]
"""


def make_rows(path: Path, rows: int) -> None:
    """One JSON body a line, `rows` lines (reused when present)."""
    if path.exists():
        return
    rng = random.Random(SEED)
    with path.open("w") as out:
        for n in range(rows):
            out.write(json.dumps(v4_tracking_response(rng, n, most_checkpoints=3)) + "\n")


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak MB of the process tree, sampled every 50 ms) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stderr: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()))
    reader.start()
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.05)
    reader.join()
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:3]} failed ({process.returncode}): {stderr[0].decode()[-2000:]}")
    return elapsed, peak / 1024


# ---------------------------------------------------------------- the two engines


class Sqlite:
    name = "sqlite"

    def __init__(self, scratch: Path, source: Path) -> None:
        import sqlite3

        self.pristine, self.path = scratch / "pristine.db", scratch / "bench.db"
        db = sqlite3.connect(self.pristine)
        db.execute(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, {COLUMN} TEXT NOT NULL, created_at TEXT)")
        with source.open() as lines, db:
            db.executemany(f"INSERT INTO {TABLE} ({COLUMN}, created_at) VALUES (?, '2024-03-05')",
                           ((line.rstrip("\n"),) for line in lines))
        db.close()
        self.url = f"sqlite:///{self.path}"

    def fresh(self) -> None:
        shutil.copy(self.pristine, self.path)
        # The copy's pages go to disk now: else the first commit's fsync of the measured command
        # would write the whole copy (gigabytes at 1M rows), whichever side it belongs to.
        os.sync()

    def plain(self, final: Path | None = None) -> list[str]:
        return [sys.executable, "-c", PLAIN_SQLITE, str(self.path), str(BATCH), *([str(final)] if final else [])]

    def close(self) -> None:
        pass


class Postgres:
    name = "postgresql"

    def __init__(self, scratch: Path, source: Path, url: str | None) -> None:
        import psycopg

        self.server = None
        if url is None:
            import _postgres

            self.server = _postgres.server()
            url = self.server.__enter__()
        self.url, self.source = url, source
        self.connection = psycopg.connect(url, autocommit=True)

    def fresh(self) -> None:
        db = self.connection
        db.execute(f"DROP TABLE IF EXISTS {TABLE}, bench_backup")
        db.execute(f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, {COLUMN} jsonb NOT NULL, created_at timestamptz)")
        with db.cursor().copy(f"COPY {TABLE} (id, {COLUMN}, created_at) FROM STDIN") as copy, \
                self.source.open() as lines:
            for number, line in enumerate(lines, start=1):
                copy.write_row((number, line.rstrip("\n"), "2024-03-05T00:00:00Z"))
        db.execute(f"VACUUM (FREEZE, ANALYZE) {TABLE}")  # hint bits set now, not by the first measured reader
        db.execute("CHECKPOINT")

    def plain(self, final: Path | None = None) -> list[str]:
        return [sys.executable, "-c", PLAIN_POSTGRES, self.url, str(BATCH), *([str(final)] if final else [])]

    def close(self) -> None:
        self.connection.close()
        if self.server is not None:
            self.server.__exit__(None, None, None)


# ---------------------------------------------------------------- measures


def progress_record_cost(url: str, batches: int) -> float:
    """Seconds spent by `batches` transactions each recording the run's position, through the
    tool's own back-end: what the progress record adds to a whole run."""
    from migrator.db.driver import connect

    database = connect(url)
    target = database.describe(TABLE, COLUMN, None)
    database.prepare_progress()
    run = "benchmark"
    started = time.perf_counter()
    for batch in range(batches):
        database.write(target, [], progress=lambda _settled, batch=batch: (run, batch * BATCH, batch * BATCH))
    elapsed = time.perf_counter() - started
    database.forget_progress(run)
    database.close()
    return elapsed


def measure(engine, rows: int, runs: int, final: Path) -> list[tuple]:
    tool = str(BIN / "aftership-migrate")
    ours = [tool, "translate-db", engine.url, "--table", TABLE, "--column", COLUMN, "--batch-size", str(BATCH), "-q"]
    rounds, peaks = [], {"ours": 0.0, "plain": 0.0}
    for _ in range(runs):
        times = []
        for command in (engine.plain(), engine.plain(final), ours):
            engine.fresh()
            seconds, megabytes = timed(command)
            times.append(seconds)
            key = "ours" if command is ours else "plain"
            peaks[key] = max(peaks[key], megabytes)
        rounds.append(times)
    ours_s = statistics.median(r[2] for r in rounds)
    # Resuming: the table now holds 2025-01 bodies only, as the finished part of a stopped run does.
    skip_s, _ = timed([*ours, "--restart"])
    small_s, small_mb = timed([*ours, "--restart", "--where", f"id <= {rows // 100}"])
    batches = -(-rows // BATCH)
    record_s = progress_record_cost(engine.url, batches)
    name = engine.name
    return [
        (f"{name}: translate-db / round trip writing back the values read", ours_s,
         statistics.median(r[0] for r in rounds), statistics.median(r[2] / r[0] for r in rounds), 2.0, "<="),
        (f"{name}: translate-db / round trip writing the final values", ours_s,
         statistics.median(r[1] for r in rounds), statistics.median(r[2] / r[1] for r in rounds), 2.0, "<="),
        (f"{name}: rows/s, translate-db", rows / ours_s, None, None, None, None),
        (f"{name}: peak memory MB, translate-db ({rows:,} rows)", peaks["ours"], None, None, 200, "<"),
        (f"{name}: peak memory MB, translate-db ({rows // 100:,} rows)", small_mb, None, None, 200, "<"),
        (f"{name}: peak memory MB, plain round trip", peaks["plain"], None, None, None, None),
        (f"{name}: resume by skipping {rows:,} rows already 2025-01, s", skip_s, None, None, None, None),
        (f"{name}: resume by progress record: {batches:,} records, each its own commit, s", record_s,
         None, None, None, None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--pg-url", help="a PostgreSQL database to use (default: start a throwaway server)")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    source = args.data / f"db-rows-{args.rows}.jsonl"
    print(f"generating {args.rows:,} rows in {source} ...", flush=True)
    make_rows(source, args.rows)
    size = source.stat().st_size / args.rows
    compile_package(sys.executable)
    final = args.data / f"db-rows-{args.rows}.2025-01.jsonl"
    if not final.exists():  # the rows' final values, for the round trip that writes them
        subprocess.run([str(BIN / "aftership-migrate"), "translate", "-q", str(source), "-o", str(final)], check=True)
    scratch = Path(tempfile.mkdtemp(prefix="aftership-bench-db-"))
    results = []
    try:
        for name in args.engines:
            print(f"{name}: loading ...", flush=True)
            engine = Sqlite(scratch, source) if name == "sqlite" else Postgres(scratch, source, args.pg_url)
            try:
                results += measure(engine, args.rows, args.runs, final)
            finally:
                engine.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print(f"{'measure':72} {'ours':>9} {'baseline':>9} {'ratio':>6}  target")
    for name, mine, baseline, ratio, target, sense in results:
        if ratio is not None:
            ok = "ok" if ratio <= target else "MISSED"
            print(f"{name:72} {mine:9.1f} {baseline:9.1f} {ratio:6.2f}  {sense} {target}  {ok}")
        elif target is not None:
            print(f"{name:72} {mine:9.1f} {'':>9} {'':>6}  {sense} {target}  {'ok' if mine < target else 'MISSED'}")
        else:
            print(f"{name:72} {mine:9.1f}")
    print(f"\n({args.rows:,} rows of {size:,.0f} bytes of JSON on average, batches of {BATCH}; {args.runs} "
          f"round(s), each loading the table afresh before each side; seconds are medians, the ratio the "
          f"median of the rounds' ratios; memory is the peak of the process tree)")


if __name__ == "__main__":
    main()
