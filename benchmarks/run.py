"""Benchmark: the codemod against `git grep` + a bare libcst round trip, the translator against
plain JSON loads + dumps, and the pre-commit start-up against pyupgrade. All in one run, so the
printed figures are ratios that hold on a noisy machine.

    python benchmarks/run.py [--files 10000] [--archive-mb 100] [--data benchmarks/data]
    python benchmarks/run.py --scaling

--scaling prints instead how time and peak memory grow with the input: the codemod over 1,000,
10,000 and 50,000 files, the translator over 10 MB, 100 MB and 1 GB archives (about 3 GB of disk
for the data and the outputs; sizes that do not fit are skipped, saying so).

The synthetic repositories and archives are generated deterministically (fixed seed) and reused
when already present.
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SEED = 20250109


# ---------------------------------------------------------------- synthetic data


def _aftership_module(rng: random.Random, i: int) -> str:
    """A v4 client module in one of the idioms the fixtures cover."""
    style = (i // 100) % 4
    base = rng.choice(["https://api.aftership.com/v4", "http://api.aftership.com/v4/", "api.aftership.com/v4"])
    head = f'"""Shop integration {i}."""\nimport requests\n\nAPI = "{base}".rstrip("/")\n' \
           f'HEADERS = {{"aftership-api-key": "KEY{i}", "Content-Type": "application/json"}}\n\n'
    bodies = [
        'def create(order):\n    body = {"tracking": {"tracking_number": order.number, "slug": order.carrier}}\n'
        '    body["tracking"]["destination_country_iso3"] = order.country\n'
        '    return requests.post(f"{API}/trackings", json=body, headers=HEADERS).json()["data"]["tracking"]["id"]\n',
        'def status(tid):\n    t = requests.get(f"{API}/trackings/{tid}", headers=HEADERS).json()["data"]["tracking"]\n'
        '    return t["tag"], t["expected_delivery"], [c["country_name"] for c in t["checkpoints"]]\n',
        'class Client:\n    BASE = "https://api.aftership.com/v4"\n\n    def __init__(self, key):\n'
        '        self.s = requests.Session()\n        self.s.headers.update({"aftership-api-key": key})\n\n'
        '    def get(self, tid):\n        return self.s.get(f"{self.BASE}/trackings/{tid}").json()["data"]["tracking"]\n',
        'def by_number(slug, number):\n    r = requests.get(f"{API}/trackings/{slug}/{number}", headers=HEADERS)\n'
        '    return r.json()["data"]["tracking"]["origin_country_iso3"]\n',
    ]
    return head + bodies[style] + "\n" + _ordinary_module(rng, i, functions=3)


def _ordinary_module(rng: random.Random, i: int, functions: int | None = None) -> str:
    """Plain application code: classes, functions, dicts, loops; no AfterShip."""
    names = ["order", "invoice", "customer", "basket", "stock", "price", "report", "user", "session", "event"]
    out = [f'"""Module {i}: ordinary code."""\nimport os\nimport json\nfrom dataclasses import dataclass\n\n']
    for n in range(functions if functions is not None else rng.randint(4, 14)):
        name = rng.choice(names)
        if n % 3 == 0:
            out.append(f"@dataclass\nclass {name.title()}{n}:\n    id: int\n    title: str = ''\n"
                       f"    tags: tuple = ()\n\n    def total(self, rate: float = 1.0) -> float:\n"
                       f"        return sum(len(t) for t in self.tags) * rate + {rng.randint(1, 99)}\n\n\n")
        else:
            out.append(f"def {name}_{n}(items, limit={rng.randint(1, 500)}):\n"
                       f"    result = {{'data': [], 'count': 0, 'emails': []}}\n"
                       f"    for index, item in enumerate(items):\n        if index >= limit:\n            break\n"
                       f"        result['data'].append({{'id': item.get('id'), 'title': item.get('title', '')}})\n"
                       f"        result['count'] += 1\n    path = os.path.join('/tmp', '{name}', str(limit))\n"
                       f"    return json.dumps(result) if path else None\n\n\n")
    return "".join(out)


# A monorepo's settings module: AfterShip's base URL under names every codebase uses for its own.
SETTINGS = ('"""Settings shared by the whole shop."""\nAPI = "https://api.aftership.com/v4"\nBASE_URL = API\n'
            'URL = API + "/trackings"\nHEADERS = {"aftership-api-key": "KEY", "Content-Type": "application/json"}\n'
            'KEY = "KEY"\nCONFIG = {"base": API}\nTIMEOUT = 10\n')


def _colliding(rng: random.Random, i: int, text: str) -> str:
    """An ordinary module of a monorepo: a quarter name their own API/URL/HEADERS/KEY/CONFIG, a
    tenth read the settings module (for its TIMEOUT)."""
    if i % 4 == 1:
        text += (f'API = "internal-{i}"\nURL = "https://example.com/{i}"\nHEADERS = {{"Accept": "text/html"}}\n'
                 f'KEY = "k{i}"\nCONFIG = {{"debug": False, "url": URL}}\n')
    if i % 10 == 3:
        text = f"from pkg0 import settings\n\nTIMEOUT = settings.TIMEOUT * {rng.randint(1, 5)}\n" + text
    return text


def make_repository(root: Path, files: int, colliding: bool = False) -> list[Path]:
    """`files` modules, 1% of them v4 clients; `colliding`: a monorepo whose settings module holds
    the AfterShip URL under common names, imported by a tenth of the files (`SETTINGS`)."""
    rng = random.Random(SEED)
    if root.exists() and len(list(root.rglob("*.py"))) == files + colliding:
        _own_repository(root)
        return sorted(p for p in root.rglob("*.py") if b"aftership" in p.read_bytes())
    shutil.rmtree(root, ignore_errors=True)
    aftership = []
    for i in range(files):
        folder = root / f"pkg{i % 40}" / f"sub{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"mod_{i}.py"
        if i % 100 == 0:
            text = _aftership_module(rng, i)
            if colliding:
                text = text.replace("import requests\n", "import requests\n\nfrom pkg0.settings import BASE_URL, HEADERS\n", 1)
            path.write_text(text)
            aftership.append(path)
        else:
            text = _ordinary_module(rng, i)
            path.write_text(_colliding(rng, i, text) if colliding else text)
    if colliding:
        (root / "pkg0" / "__init__.py").write_text("")
        (root / "pkg0" / "settings.py").write_text(SETTINGS)
        aftership.append(root / "pkg0" / "settings.py")
    _own_repository(root)
    return sorted(aftership)


def _own_repository(root: Path) -> None:
    """The tree is a project of its own, as a user's is: our checkout's .gitignore (which lists
    benchmarks/data/) must not apply to it, or the codemod would see no file at all."""
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=True)


def make_archive(path: Path, megabytes: int) -> None:
    if path.exists() and path.stat().st_size >= megabytes << 20:
        return
    rng = random.Random(SEED)
    size, n = 0, 0
    with path.open("w") as out:
        while size < megabytes << 20:
            line = json.dumps(v4_tracking_response(rng, n)) + "\n"
            out.write(line)
            size += len(line)
            n += 1


def v4_tracking_response(rng: random.Random, n: int, most_checkpoints: int = 9) -> dict:
    """The n-th stored v4 tracking response (GET /trackings/...) of a synthetic archive."""
    tags = ["Pending", "InfoReceived", "InTransit", "OutForDelivery", "Delivered", "Exception"]
    countries = ["USA", "GBR", "DEU", "CHN", "NLD", "FRA", "JPN", "AUS"]
    checkpoints = [{
        "slug": "ups", "created_at": "2024-03-05T02:20:11+00:00", "checkpoint_time": f"2024-03-0{k + 1}T10:00:00+01:00",
        "location": "Hub", "city": "City", "state": None, "zip": "1012", "country_iso3": rng.choice(countries),
        "country_name": "Country", "message": "Scanned at facility " * rng.randint(1, 3), "tag": "InTransit",
        "subtag": "InTransit_001", "subtag_message": "In Transit", "coordinates": [], "raw_tag": "IT",
    } for k in range(rng.randint(2, most_checkpoints))]
    tracking = {
        "id": f"{n:024d}", "created_at": "2024-03-05T02:14:37+00:00", "updated_at": "2024-03-13T13:41:09+00:00",
        "last_updated_at": "2024-03-13T13:41:09+00:00", "tracking_number": f"1Z{n:016d}", "slug": "ups",
        "active": True, "android": [], "ios": [], "custom_fields": {"store": "eu"}, "customer_name": "Jo",
        "delivery_time": rng.randint(0, 9), "destination_country_iso3": rng.choice(countries),
        "courier_destination_country_iso3": rng.choice(countries), "emails": ["jo@example.com"], "smses": [],
        "expected_delivery": "2024-03-14", "note": None, "order_id": str(n), "origin_country_iso3": rng.choice(countries),
        "shipment_package_count": 1, "shipment_weight": 1.2, "shipment_weight_unit": "kg",
        "tag": rng.choice(tags), "title": f"Order {n}", "tracked_count": 4, "checkpoints": checkpoints,
        "next_couriers": [], "tracking_destination_country": None, "tracking_origin_country": None,
    }
    return {"meta": {"code": 200}, "data": {"tracking": tracking}}


# ---------------------------------------------------------------- measurement


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, ()))
    return total


class Command:
    """One command line to time, with where and how it runs."""

    def __init__(self, argv: list[str], cwd: Path | None = None, env: dict | None = None) -> None:
        self.argv, self.cwd, self.env = argv, cwd, {**os.environ, **(env or {})}

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(self.argv, cwd=self.cwd, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wall_times(commands: list[Command], runs: int) -> list[list[float]]:
    """Wall seconds of each command in each of `runs` rounds. A round runs every command once,
    back to back, so a slow spell of the machine hits ours and its baseline alike; nothing else
    runs meanwhile (the memory sampler would take a share of the cores the tool's workers use)."""
    rounds = []
    for _ in range(runs):
        times = []
        for command in commands:
            started = time.perf_counter()
            command.start().wait()
            times.append(time.perf_counter() - started)
        rounds.append(times)
    return rounds


def paired(rounds: list[list[float]], ours: int, baseline: list[int]) -> tuple[float, float, float]:
    """(median of ours, median of the baseline, median over rounds of ours / baseline)."""
    mine = [r[ours] for r in rounds]
    base = [sum(r[i] for i in baseline) for r in rounds]
    return statistics.median(mine), statistics.median(base), statistics.median(m / b for m, b in zip(mine, base))


def peak_memory_kb(command: Command) -> int:
    """Peak resident memory of the process tree over one run, in KiB, sampled every 20 ms."""
    process = command.start()
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.02)
    return peak


ROUND_TRIP = """
import sys, libcst
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    assert libcst.parse_module(data).bytes == data
"""
PLAIN_JSON = """
import os, sys
try:
    if os.environ.get("AFTERSHIP_MIGRATE_JSON") == "json":
        raise ImportError
    import orjson
    loads, dumps = orjson.loads, lambda v: orjson.dumps(v).decode()
except ImportError:
    import json
    loads, dumps = json.loads, lambda v: json.dumps(v, ensure_ascii=False, separators=(',', ':'))
with open(sys.argv[1]) as source, open(sys.argv[2], 'w') as out:
    for line in source:
        out.write(dumps(loads(line)) + '\\n')
"""


def _has_orjson() -> bool:
    import importlib.util

    return importlib.util.find_spec("orjson") is not None


def compile_package(python: str) -> None:
    """Compile the tool's bytecode, as `pip install` does: an editable install (or
    PYTHONDONTWRITEBYTECODE) would otherwise make every measured run compile the package first,
    which the libcst, orjson and pyupgrade baselines, installed from wheels, never do."""
    locate = "import migrator, migrator.rules; print(migrator.__path__[0]); print(migrator.rules.__path__[0])"
    # Run from elsewhere: in the checkout, `import migrator` would find the source tree, not the install.
    folders = subprocess.run([python, "-c", locate], check=True, capture_output=True, text=True,
                             cwd=tempfile.gettempdir()).stdout.split()
    subprocess.run([python, "-m", "compileall", "-q", *folders], check=True)


SCALING_FILES = (1000, 10000, 50000)
SCALING_MB = (10, 100, 1024)


def scaling(args: argparse.Namespace, tool: str) -> None:
    """Time and peak memory at three sizes of each input, each size measured on its own (median
    wall time of up to 3 runs, peak memory from one more): the cost a unit of input shows
    whether growth is linear, the peak whether memory is flat."""
    compile_package(sys.executable)
    runs = max(1, min(args.runs, 3))
    scratch = Path(tempfile.mkdtemp(prefix="aftership-bench-", dir=args.data))
    table = []
    for files in SCALING_FILES:
        repo = args.data / ("repo" if files == args.files else f"repo-{files}")
        print(f"codemod, {files:,} files: generating and measuring ...", flush=True)
        make_repository(repo, files)
        # No index cache: each run does the whole work, as a first run in a checkout does.
        command = Command([tool, "rewrite", "--check", "-q", "--no-cache", str(repo)])
        seconds = statistics.median(r[0] for r in wall_times([command], runs))
        table.append(("codemod", f"{files:,} files", files / 1000, "1k files", seconds, peak_memory_kb(command)))
    out = scratch / "out.jsonl"
    for megabytes in SCALING_MB:
        archive = args.data / ("trackings.jsonl" if megabytes == args.archive_mb else f"trackings-{megabytes}.jsonl")
        needed = (0 if archive.exists() else megabytes << 20) + (megabytes << 20) + (64 << 20)  # archive, output, spools
        if shutil.disk_usage(args.data).free < needed + (512 << 20):
            print(f"translator, {megabytes} MB: skipped, {needed >> 20} MB of free disk needed in {args.data}")
            continue
        print(f"translator, {megabytes} MB: generating and measuring ...", flush=True)
        make_archive(archive, megabytes)
        command = Command([tool, "translate", "-q", str(archive), "-o", str(out)])
        seconds = statistics.median(r[0] for r in wall_times([command], runs))
        size = archive.stat().st_size / (100 << 20)
        table.append(("translator", f"{archive.stat().st_size / (1 << 20):,.0f} MB", size, "100 MB", seconds,
                      peak_memory_kb(command)))
        out.unlink(missing_ok=True)
    shutil.rmtree(scratch, ignore_errors=True)
    print()
    print(f"{'engine':11} {'input':>13} {'seconds':>9} {'per unit':>17} {'added input':>17} {'peak MB':>8}")
    previous: dict[str, tuple[float, float]] = {}
    for engine, size, units, unit, seconds, peak in table:
        # What the input added since the previous size costs a unit: start-up left out, so a
        # linear cost shows the same figure at every size.
        before = previous.get(engine)
        added = f"{(seconds - before[1]) / (units - before[0]):9.3f} s/{unit:<6}" if before else ""
        previous[engine] = (units, seconds)
        print(f"{engine:11} {size:>13} {seconds:9.2f} {seconds / units:9.3f} s/{unit:<6} {added:>17} {peak / 1024:8.0f}")
    print(f"\n(median wall time of {runs} runs a size, peak memory of the whole process tree from one more run; "
          f"{os.cpu_count()} cores; 'added input': the seconds the input added since the size above took, a unit)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--archive-mb", type=int, default=100)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scaling", action="store_true",
                        help="time and peak memory at 1k/10k/50k files and 10 MB/100 MB/1 GB archives instead")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    tool = str(BIN / "aftership-migrate")
    python = sys.executable
    if args.scaling:
        scaling(args, tool)
        return

    print(f"generating data in {args.data} ...", flush=True)
    repo = args.data / "repo"
    aftership_files = make_repository(repo, args.files)
    archive = args.data / "trackings.jsonl"
    make_archive(archive, args.archive_mb)
    scratch = Path(tempfile.mkdtemp(prefix="aftership-bench-"))
    rows = []
    compile_package(python)

    # Codemod over the repository, writing nothing (--check does all the work but the write).
    ours = Command([tool, "rewrite", "--check", "-q", str(repo)])
    grep = Command(["git", "grep", "--no-index", "-l", "aftership", "--", "."], cwd=repo)
    bare = Command([python, "-c", ROUND_TRIP, *map(str, aftership_files)])
    rows.append(("codemod: ours / (git grep + bare libcst round trip)",
                 *paired(wall_times([ours, grep, bare], args.runs), 0, [1, 2]), 2.0, "<="))
    rows.append(("codemod peak memory, MB", peak_memory_kb(ours) / 1024, None, None, 200, "<"))

    # The same over a monorepo whose settings module holds the AfterShip URL as API, BASE_URL, URL,
    # HEADERS, KEY and CONFIG, names a quarter of its files use for their own, imported by a tenth.
    mono = args.data / "monorepo"
    mono_files = make_repository(mono, args.files, colliding=True)
    ours_mono = Command([tool, "rewrite", "--check", "-q", "--no-cache", str(mono)])
    grep_mono = Command(["git", "grep", "--no-index", "-l", "aftership", "--", "."], cwd=mono)
    bare_mono = Command([python, "-c", ROUND_TRIP, *map(str, mono_files)])
    rows.append(("codemod, monorepo (common constant names): ours / floor",
                 *paired(wall_times([ours_mono, grep_mono, bare_mono], args.runs), 0, [1, 2]), 2.0, "<="))

    # pre-commit in the big repository: one staged AfterShip file, the project index warm (a run
    # before this one filled it), against the same file in a project of its own (no index).
    staged = aftership_files[0]
    solo = scratch / "solo"
    solo.mkdir()
    _own_repository(solo)
    shutil.copy(staged, solo / staged.name)
    one = Command([tool, "rewrite", "--check", "-q", str(staged.relative_to(repo))], cwd=repo)
    alone = Command([tool, "rewrite", "--check", "-q", staged.name], cwd=solo)
    one.start().wait()  # fills the index cache, as the first commit after a checkout does
    rows.append((f"pre-commit, 1 staged file of {args.files}: with index / alone",
                 *paired(wall_times([one, alone], args.runs), 0, [1]), 1.5, "<="))

    # Translator over the archive, against plain loads + dumps with the same JSON library: orjson
    # when installed (what the tool uses then), and the standard library's json in any case.
    out = scratch / "out.jsonl"
    size_mb = archive.stat().st_size / (1 << 20)
    libraries = [("orjson", {})] if _has_orjson() else []
    libraries.append(("json", {"AFTERSHIP_MIGRATE_JSON": "json"}))
    for library, env in libraries:
        translate = Command([tool, "translate", "-q", str(archive), "-o", str(out)], env=env)
        plain = Command([python, "-c", PLAIN_JSON, str(archive), str(scratch / "plain.jsonl")], env=env)
        # Throughput ratio = plain time / our time (higher is better).
        measured = paired(wall_times([plain, translate], args.runs), 1, [0])
        rows.append((f"translator throughput, {library}: ours / plain loads+dumps ({size_mb:.0f} MB)",
                     *measured, 0.5, ">="))
        if library == "orjson":
            # Issue 14's bar, from the same rounds: the default install (no environment variable)
            # on all cores against one core of the fastest JSON library that only reads and writes.
            rows.append((f"translator, default install, {os.cpu_count()} cores / 1-core orjson",
                         *measured, 1.0, ">="))
        rows.append((f"translator peak memory ({library}), MB", peak_memory_kb(translate) / 1024, None, None, 200, "<"))
    if not _has_orjson():
        print("orjson is not installed: the default-install row against orjson is skipped")

    # Pre-commit start-up on three ordinary files.
    plain_files = [str(p) for p in sorted(repo.rglob("*.py")) if b"aftership" not in p.read_bytes()][:3]
    copies = []
    for i, path in enumerate(plain_files):
        copy = scratch / f"plain_{i}.py"
        shutil.copy(path, copy)
        copies.append(str(copy))
    pyupgrade = BIN / "pyupgrade"
    if pyupgrade.exists():
        rounds = wall_times([Command([tool, "rewrite", "-q", *copies]), Command([str(pyupgrade), *copies])], 10)
        rows.append(("pre-commit start-up: ours / pyupgrade (3 plain files)", *paired(rounds, 0, [1]), 2.0, "<="))
    else:
        print("pyupgrade is not installed (pip install '.[bench]'): start-up ratio skipped")

    print()
    print(f"{'measure':62} {'ours':>9} {'baseline':>9} {'ratio':>7}  target")
    for name, mine, baseline, ratio, target, sense in rows:
        if baseline is None:
            ok = mine < target
            print(f"{name:62} {mine:9.1f} {'':>9} {'':>7}  {sense} {target}  {'ok' if ok else 'MISSED'}")
            continue
        if sense == ">=":
            ratio = 1 / ratio  # a throughput: baseline time / our time
        ok = ratio <= target if sense == "<=" else ratio >= target
        print(f"{name:62} {mine:9.3f} {baseline:9.3f} {ratio:7.2f}  {sense} {target}  {'ok' if ok else 'MISSED'}")
    print(f"\n({len(aftership_files)} AfterShip files of {args.files}; {args.runs} rounds, each running ours and its"
          f" baseline back to back: seconds are medians, a ratio is the median of the rounds' ratios;"
          f" memory is the peak of the whole process tree, from a separate run)")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
