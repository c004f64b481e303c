#!/usr/bin/env python3
"""Many targets: 200 tenant schemas x the blog example's 10 migrations, applied by the
example's BUILT `migrate` binary with `--schemas 'tenant_*'`, `--jobs 1` against
`--jobs 4`. Run by hand (not by CI):

    python3 tests/bench/targets_bench.py [--rounds 5] [--schemas 200] [--jobs 1,4]
        [--url postgres://postgres@127.0.0.1:5432/postgres] [--profile release]

The example's 10 migrations are a realistic mix for one tenant (tables, a type, an
enum, a concurrent index build, a batched backfill, renames, seed data), so no user
project is generated: the script builds `examples/blog`'s `migrate` binary with
`cargo build --<profile> -p blog --bin migrate` in $CARGO_TARGET_DIR (default
/tmp/target-bench).

Each round, for each --jobs value (the order alternates between rounds), on a fresh
database (created from template0 with the --schemas empty schemas outside the
timing, after CHECKPOINT):

- `migrate up --schemas 'tenant_*' --jobs N --json`: the whole process's wall time,
  and, from the JSON, each target's `elapsed_ms` (its own connection opened, the
  search_path set, the run: lock, history table created in the schema, 10
  migrations applied);
- the nothing-to-do run: the same command again on the migrated database.

The table gives medians, min and max over the rounds: wall time, wall / targets
(what one tenant costs the whole run), the per-target time (median and p90 of the
targets of a run, then the median over rounds), and the speed-up of each --jobs over
the first. The databases are dropped at the end.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[2]


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def build(profile: str) -> pathlib.Path:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", "/tmp/target-bench"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    flag = ["--release"] if profile == "release" else ["--profile", profile]
    subprocess.run(
        ["cargo", "build", "-q", *flag, "-p", "blog", "--bin", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return target / ("release" if profile == "release" else profile) / "migrate"


def fresh(admin: str, name: str, schemas: int) -> str:
    psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(admin, f'CREATE DATABASE "{name}" TEMPLATE template0')
    url = with_db(admin, name)
    psql(url, "".join(f"CREATE SCHEMA tenant_{i:03};" for i in range(schemas)))
    psql(admin, "CHECKPOINT")
    return url


def run(binary: pathlib.Path, url: str, jobs: int) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run(
        [
            str(binary),
            "--database-url",
            url,
            "up",
            "--schemas",
            "tenant_*",
            "--jobs",
            str(jobs),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_COLOR="1"),
    )
    wall = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"migrate failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return wall, json.loads(out.stdout)


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def spread(values: list[float], unit: str = "ms", scale: float = 1000.0) -> str:
    v = [x * scale for x in values]
    return f"{statistics.median(v):8.0f} {unit} (min {min(v):.0f}, max {max(v):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--schemas", type=int, default=200)
    parser.add_argument("--jobs", default="1,4")
    parser.add_argument(
        "--url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--profile", default="release")
    args = parser.parse_args()
    jobs_list = [int(j) for j in args.jobs.split(",")]

    binary = build(args.profile)
    print(f"binary: {binary}; {os.cpu_count()} cores; {args.schemas} schemas x 10 migrations")
    name = f"targets_bench_{os.getpid()}"
    results = {j: {"wall": [], "target_median": [], "target_p90": [], "noop": []} for j in jobs_list}
    try:
        for round_ in range(args.rounds):
            order = jobs_list if round_ % 2 == 0 else list(reversed(jobs_list))
            for jobs in order:
                url = fresh(args.url, name, args.schemas)
                wall, doc = run(binary, url, jobs)
                targets = doc["targets"]
                assert len(targets) == args.schemas and doc["ok"], doc["totals"]
                assert all(len(t["report"]["migrations"]) == 10 for t in targets)
                elapsed = [t["elapsed_ms"] / 1000 for t in targets]
                noop, _ = run(binary, url, jobs)
                r = results[jobs]
                r["wall"].append(wall)
                r["target_median"].append(statistics.median(elapsed))
                r["target_p90"].append(p(elapsed, 0.9))
                r["noop"].append(noop)
                print(
                    f"round {round_ + 1} jobs {jobs}: up {wall * 1000:.0f} ms, "
                    f"per target median {statistics.median(elapsed) * 1000:.0f} ms, "
                    f"no-op {noop * 1000:.0f} ms",
                    flush=True,
                )
    finally:
        psql(args.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    n = args.schemas
    print()
    print(f"{args.rounds} rounds, {n} schemas x 10 migrations (median, min, max over rounds)")
    base = statistics.median(results[jobs_list[0]]["wall"])
    for jobs in jobs_list:
        r = results[jobs]
        wall = statistics.median(r["wall"])
        print(f"--jobs {jobs}:")
        print(f"  up, whole process       {spread(r['wall'])}")
        print(f"  wall / target           {spread([w / n for w in r['wall']])}")
        print(f"  per target (JSON), med  {spread(r['target_median'])}")
        print(f"  per target (JSON), p90  {spread(r['target_p90'])}")
        print(f"  no-op up, whole process {spread(r['noop'])}")
        print(f"  speed-up over --jobs {jobs_list[0]}: {base / wall:.2f}x")


if __name__ == "__main__":
    main()
