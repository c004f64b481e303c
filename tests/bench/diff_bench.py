#!/usr/bin/env python3
"""`migrate diff` against a 200-table target, replay included: the whole `migrate`
process, wall clock. Run by hand (not by CI):

    python3 tests/bench/diff_bench.py [--tables 200] [--indexes 50] [--rounds 5]
        [--url postgres://postgres@127.0.0.1:5432/postgres] [--allow-uncovered]
        [--scenarios steady,adoption,noop] [--workdir DIR]

What it does:

1. Generates, in a temporary directory, one Cargo workspace with two user projects
   (path dependencies on this repository's migrate-core and migrate-cli, this
   repository's Cargo.lock), each with a `src/bin/migrate.rs` =
   `migrate_cli::main!(<crate>::migrations);`:
   - bench_diff_history: --tables migrations, each creating one table `t_NNN`
     (`id bigint` identity primary key, `name text NOT NULL`, `created_at timestamptz
     NOT NULL DEFAULT now()`; even tables make `name` UNIQUE, odd ones get a plain
     `idx_t_NNN_created_at` index in the same migration): the history;
   - bench_diff_empty: no migration at all (an empty `migrations` module).
   Builds both with `cargo build --<profile>` in ONE target directory
   ($CARGO_TARGET_DIR, default /tmp/target-bench) and copies each binary out.
2. Builds one template database per scenario (untimed, checked):
   - steady: `migrate up` of the history, then with psql `ALTER TABLE t_NNN ADD
     COLUMN note text` on every table and `CREATE INDEX idx_t_NNN_note` on
     --indexes of them (spread evenly): a change touching every table;
   - adoption: the same tables created by psql (the SQL of `migrate up --dry-run
     --json` of the history, in one transaction), no history table: an existing
     database that never used migrate;
   - noop: `migrate up` of the history, nothing else: the target equals the replay.
3. --rounds rounds (the order of measurements reversed every other round); each
   measurement on a fresh target database (`CREATE DATABASE .. TEMPLATE` of the
   scenario's template, outside the timing), after CHECKPOINT, sync, no autovacuum
   worker running and --settle seconds of sleep. Each `migrate diff` run replays its
   project's migrations on a scratch database (`migrate_verify_<pid>_..`), reads the
   target's catalog and compares; the scratch databases of that pid must be gone
   when it exits.
   - steady `diff --check` (generation only: exit 1 with the list of changes) and
     `diff bench_change --dir D --no-prompt` (D: a fresh directory with an empty
     mod.rs; generation + writing + rustfmt + the proof: apply, compare snapshots,
     down, up);
   - adoption `diff initial --dir D --no-prompt` and `diff --check` (bench_diff_empty:
     the replay is empty, the migration creates everything);
   - noop `diff --check` (exit 0, nothing to generate): the floor, a replay and two
     catalog reads;
   - reference: `migrate up` of the history on an empty database (what the replay
     alone costs, without the scratch database's CREATE/DROP DATABASE).
4. Reports median, min and max per measurement, the number of generated changes
   (`--check`'s list; lines starting with `    m.` in the written file) and the
   file's size.

A diff that stops with "differs in ways diff does not generate" (a family of the
generator not built yet: nothing is written, nothing proved) fails the bench unless
--allow-uncovered is given; its times are then the replay, two catalog reads and the
snapshot comparison only, and are marked as such. Any other unexpected exit fails
the bench (non-zero exit, the command's output printed).

psql is the real one from `pg_config --bindir` (Debian's /usr/bin/psql is a Perl
wrapper that adds ~20 ms per call). The databases are dropped at the end.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import Failed, Server, build_bin, cli_crate, log, workspace, write  # noqa: E402,F401

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIRST_ID = 20260101_000000
CRATES = {"history": "bench_diff_history", "empty": "bench_diff_empty"}
SCENARIOS = ("steady", "adoption", "noop")

# What each measurement runs: (scenario, label, project, kind). kind "check" is
# `diff --check`, "write" is `diff NAME --dir D --no-prompt`, "up" the reference.
MEASUREMENTS = [
    ("steady", "steady: diff --check", "history", "check"),
    ("steady", "steady: diff bench_change (write + proof)", "history", "write"),
    ("adoption", "adoption: diff initial (write + proof)", "empty", "write"),
    ("adoption", "adoption: diff --check", "empty", "check"),
    ("noop", "noop: diff --check (nothing to generate)", "history", "check"),
    ("noop", "reference: migrate up of the history", "history", "up"),
]
WRITE_NAME = {"steady": "bench_change", "adoption": "initial"}



# ----- generation and build -----------------------------------------------------------

def width(tables: int) -> int:
    return max(3, len(str(tables)))


def table(i: int, w: int) -> str:
    return f"t_{i:0{w}}"


def migration_source(i: int, w: int) -> str:
    t = table(i, w)
    name = '        t.column("name", Text).not_null()' + (".unique();\n" if i % 2 == 0 else ";\n")
    index = (f'    m.create_index("idx_{t}_created_at", "{t}", ["created_at"]);\n'
             if i % 2 else "")
    return (
        "use migrate_core::prelude::*;\n\n"
        f"#[migration(id = {FIRST_ID + i})]\n"
        f"fn create_{t}(m: &mut Migration) {{\n"
        f'    m.create_table("{t}", |t| {{\n'
        '        t.column("id", BigInt).identity().primary_key();\n'
        f"{name}"
        '        t.column("created_at", Timestamptz)\n'
        "            .not_null()\n"
        "            .default(DefaultValue::now());\n"
        "    });\n"
        f"{index}"
        "}\n"
    )


def write_workspace(base: pathlib.Path, tables: int, source: pathlib.Path) -> None:
    w = width(tables)
    for project, crate in CRATES.items():
        mig = cli_crate(base / crate, crate, source)
        mods = []
        if project == "history":
            for old in mig.glob("m*.rs"):  # a kept --workdir with another --tables
                if not re.fullmatch(rf"m\d+_create_t_\d{{{w}}}\.rs", old.name) or \
                        int(old.name[1:].split("_")[0]) > tables:
                    old.unlink()
            for i in range(1, tables + 1):
                module = f"m{i:0{w}}_create_{table(i, w)}"
                mods.append(f"mod {module};")
                write(mig / f"{module}.rs", migration_source(i, w))
        write(mig / "mod.rs", "".join(m + "\n" for m in mods))
    workspace(base, list(CRATES.values()), source)


def build(base: pathlib.Path, target: pathlib.Path, profile: str) -> dict:
    """Builds each project in turn and copies the binary out. Returns
    {project: (path, seconds, up_to_date)}."""
    bins = {}
    for project, crate in CRATES.items():
        dest = base / f"migrate-{project}"
        took, fresh = build_bin(base, target, profile, crate, dest)
        bins[project] = (dest, took, fresh)
    return bins


# ----- database helpers -----------------------------------------------------------------

class Run:
    """One finished `migrate` process."""

    def __init__(self, args, seconds, code, stdout, stderr, pid):
        self.args, self.seconds, self.code = args, seconds, code
        self.stdout, self.stderr, self.pid = stdout, stderr, pid

    def describe(self) -> str:
        cmd = " ".join(str(a) for a in self.args)
        return (f"`{cmd}` exited {self.code} after {self.seconds * 1e3:.0f} ms\n"
                f"--- stdout (end) ---\n{self.stdout[-3000:]}\n"
                f"--- stderr (end) ---\n{self.stderr[-3000:]}")


def run(args: list, cwd: pathlib.Path) -> Run:
    """Runs a command to completion, output captured: wall time from fork to reaped."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    took = time.perf_counter() - start
    return Run(args, took, proc.returncode, out, err, proc.pid)


def outcome(r: Run, kind: str) -> str:
    """What a diff run did: none, changes (--check found some), written (file written
    and proved), uncovered, or failed."""
    if kind == "up":
        return "applied" if r.code == 0 else "failed"
    if r.code == 0 and "nothing to generate" in r.stdout:
        return "none"
    if r.code == 1 and "ways diff does not generate" in r.stderr:
        return "uncovered"
    if kind == "check" and r.code == 1 and "change(s) to generate" in r.stderr:
        return "changes"
    if kind == "write" and r.code == 0 and "proved" in r.stdout:
        return "written"
    return "failed"


# ----- targets --------------------------------------------------------------------------

def adoption_sql(server: Server, binary: pathlib.Path, tables: int, work: pathlib.Path,
                 tag: str) -> pathlib.Path:
    """The history's SQL, exactly as `migrate up` sends it (from --dry-run --json), in
    one file, without the history table."""
    name = f"{tag}_plan"
    url = server.create(name)
    try:
        r = run([binary, "--database-url", url, "up", "--dry-run", "--json"], work)
        if r.code != 0:
            raise Failed("migrate up --dry-run failed: " + r.describe())
    finally:
        server.drop(name)
    plan = json.loads(r.stdout)["migrations"]
    if len(plan) != tables:
        raise Failed(f"dry run: {len(plan)} migrations, expected {tables}")
    body = []
    for migration in plan:
        for unit in migration["units"]:
            for stmt in unit["sql"]:
                body.append(stmt.rstrip().rstrip(";") + ";\n")
    path = work / "adoption.sql"
    path.write_text("".join(body))
    return path


def steady_sql(tables: int, indexes: int, work: pathlib.Path) -> pathlib.Path:
    w = width(tables)
    indexed = {1 + (k * tables) // indexes for k in range(indexes)} if indexes else set()
    lines = []
    for i in range(1, tables + 1):
        t = table(i, w)
        lines.append(f"ALTER TABLE {t} ADD COLUMN note text;\n")
        if i in indexed:
            lines.append(f"CREATE INDEX idx_{t}_note ON {t} (note);\n")
    path = work / "steady_change.sql"
    path.write_text("".join(lines))
    return path


def relations(server: Server, db: str) -> str:
    return server.sql(
        "SELECT format('%s tables, %s indexes, %s columns', "
        "(SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
        "AND relname <> 'migrate_history'), "
        "(SELECT count(*) FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
        "WHERE c.relnamespace = 'public'::regnamespace "
        "AND i.indrelid <> coalesce(to_regclass('public.migrate_history'), 0)::oid), "
        "(SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 "
        "AND NOT a.attisdropped AND c.relname <> 'migrate_history'))", db)


def templates(server: Server, opts, bins, work: pathlib.Path, tag: str, scenarios) -> dict:
    """One template database per scenario (and an empty one for the reference `up`)."""
    history = bins["history"][0]
    made = {}
    facts = {}
    for scenario in scenarios:
        name = f"{tag}_tmpl_{scenario}"
        url = server.create(name)
        if scenario in ("steady", "noop"):
            r = run([history, "--database-url", url, "up"], work)
            if r.code != 0:
                raise Failed(f"building the {scenario} target: " + r.describe())
            applied = server.sql("SELECT count(*) FROM migrate_history", name)
            if int(applied) != opts.tables:
                raise Failed(f"{scenario} target: {applied} migrations applied")
            if scenario == "steady":
                server.sql_file(steady_sql(opts.tables, opts.indexes, work), name)
        else:
            server.sql_file(adoption_sql(server, history, opts.tables, work, tag), name)
        made[scenario] = name
        facts[scenario] = relations(server, name)
        log(f"template {name}: {facts[scenario]}")
    name = f"{tag}_tmpl_empty"
    server.create(name)
    made["empty"] = name
    return made, facts


# ----- measurements ---------------------------------------------------------------------

def written_file(d: pathlib.Path, name: str) -> pathlib.Path:
    files = sorted(d.glob(f"m*_{name}.rs"))
    if len(files) != 1:
        raise Failed(f"{d}: expected one m*_{name}.rs, found {[f.name for f in files]}")
    module = (d / "mod.rs").read_text()
    if f"mod {files[0].stem};" not in module:
        raise Failed(f"{d}/mod.rs does not register {files[0].stem}: {module!r}")
    return files[0]


def measure(server, opts, bins, tmpls, work, tag, r, m, results):
    scenario, label, project, kind = m
    binary = bins[project][0]
    db = f"{tag}_{r}_{MEASUREMENTS.index(m)}"
    url = server.create(db, tmpls["empty" if kind == "up" else scenario])
    if kind == "check":
        args = [binary, "--database-url", url, "diff", "--check"]
    elif kind == "write":
        d = work / "out" / f"{scenario}_{r}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        (d / "mod.rs").write_text("")
        args = [binary, "--database-url", url, "diff", WRITE_NAME[scenario], "--dir", d,
                "--no-prompt"]
    else:
        args = [binary, "--database-url", url, "up"]
    server.settle(opts.settle)
    load = os.getloadavg()[0]
    got = run(args, work)
    res = results[label]
    left = server.scratch_of(got.pid)
    for name in left:
        server.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if left:
        raise Failed(f"{label}: scratch database(s) left behind: {left}\n" + got.describe())
    what = outcome(got, kind)
    expected = {"check": {"steady": "changes", "adoption": "changes", "noop": "none"},
                "write": {"steady": "written", "adoption": "written"},
                "up": {"noop": "applied"}}[kind][scenario]
    if what == "uncovered" and opts.allow_uncovered:
        if not res["uncovered"]:
            lines = got.stdout.strip().splitlines()
            log(f"{label}: UNCOVERED (tolerated by --allow-uncovered): "
                f"{got.stderr.strip()[-300:]}\n" + "\n".join(lines[:8])
                + (f"\n... ({len(lines)} lines of output)" if len(lines) > 8 else ""))
            res["uncovered"] = True
    elif what != expected:
        raise Failed(f"{label}: expected {expected}, got {what}:\n" + got.describe())
    res["times"].append(got.seconds)
    res["outcomes"].append(what)
    res["load"].append(load)
    if what == "changes":
        res["changes"].append(sum(1 for line in got.stdout.splitlines()
                                  if line.startswith("  ") and line.strip()))
    if what == "written":
        f = written_file(d, WRITE_NAME[scenario])
        text = f.read_text()
        res["changes"].append(sum(1 for line in text.splitlines() if line.startswith("    m.")))
        res["size"].append(len(text.encode()))
        said = re.search(r"generated\s+(\d+) change", got.stdout)
        res["said"].append(int(said.group(1)) if said else None)
        if not res["sample"]:
            res["sample"] = f"{f}:\n" + "\n".join(text.splitlines()[:24])
            log(f"{label}: sample of the written file {res['sample']}")
    server.drop(db)
    log(f"round {r + 1} {label:44} {got.seconds * 1e3:8.1f} ms  {what}")


# ----- report ---------------------------------------------------------------------------

def ms(x: float) -> str:
    return f"{x * 1e3:.1f}"


def report(opts, results, bins, facts, target_facts, started_load, ended_load):
    print()
    print(f"diff_bench: {opts.tables} tables ({opts.indexes} new indexes in steady), "
          f"{opts.rounds} round(s) (order reversed every other round), fresh target database "
          "per measurement (a copy of the scenario's template)")
    print(f"server: {facts}")
    print(f"build: cargo --profile {opts.profile}: "
          + ", ".join(f"{CRATES[k]} {bins[k][1]:.0f} s" + (" (up to date)" if bins[k][2] else "")
                      for k in CRATES))
    print(f"source: working tree {ROOT} at {opts.source_rev}")
    print(f"psql: {opts.psql}; rustfmt on PATH: {shutil.which('rustfmt') or 'no'} "
          "(diff formats the written file with it: part of the write times)")
    print("connection: the URL's sslmode (default prefer: TLS when the server has ssl=on), over "
          + urllib.parse.urlsplit(opts.url).netloc)
    for scenario, f in target_facts.items():
        print(f"target {scenario}: {f}")
    loads = [x for res in results.values() for x in res["load"]]
    if loads:
        print(f"load average (1 min) before measurements: median {statistics.median(loads):.2f}, "
              f"min {min(loads):.2f}, max {max(loads):.2f}; start {started_load}, end {ended_load}")
    print()
    print(f"  {'whole process, ms':46} {'median':>9} {'min':>9} {'max':>9}   per round")
    uncovered = False
    for label, res in results.items():
        xs = res["times"]
        if not xs:
            continue
        mark = " *" if "uncovered" in res["outcomes"] else ""
        uncovered |= bool(mark)
        print(f"  {label + mark:46} {ms(statistics.median(xs)):>9} {ms(min(xs)):>9} "
              f"{ms(max(xs)):>9}   " + " ".join(f"{ms(x):>8}" for x in xs))
    print()
    print("OUTCOMES")
    for label, res in results.items():
        if not res["times"]:
            continue
        kinds = sorted(set(res["outcomes"]))
        line = f"  {label:46} {', '.join(kinds)}"
        if res["changes"]:
            line += f"; changes: {', '.join(str(c) for c in sorted(set(res['changes'])))}"
            if res["said"]:
                line += f" (diff said {', '.join(str(c) for c in sorted(set(res['said'])))})"
        if res["size"]:
            line += f"; file {', '.join(str(s) for s in sorted(set(res['size'])))} bytes"
        print(line)
    print("  (changes: --check's list, or the lines starting with `    m.` in the written file)")
    if uncovered:
        print()
        print("* UNCOVERED: diff stopped with \"differs in ways diff does not generate\" (a family "
              "of the generator is not built yet): nothing generated, written or proved. These "
              "times are the replay, two catalog reads and the snapshot comparison only; "
              "tolerated because of --allow-uncovered.")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", type=int, default=200, help="migrations/tables (default 200)")
    ap.add_argument("--indexes", type=int, help="new indexes in the steady change "
                    "(default: a quarter of --tables, 50 for 200)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--url", default=os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="an admin database on the server (default: $DATABASE_URL, else local postgres)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--allow-uncovered", action="store_true",
                    help="tolerate a diff that stops with 'differs in ways diff does not "
                    "generate' (a generator family not built yet); its times are marked")
    ap.add_argument("--profile", default="release", help="cargo profile (default: release)")
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", "/tmp/target-bench"))
    ap.add_argument("--settle", type=float, default=1.0, help="seconds to sleep after CHECKPOINT")
    ap.add_argument("--workdir", help="generate here and keep it, with the written migrations "
                    "(default: a temp dir, removed)")
    opts = ap.parse_args()
    if opts.indexes is None:
        opts.indexes = opts.tables // 4
    opts.indexes = min(opts.indexes, opts.tables)
    scenarios = [s for s in opts.scenarios.split(",") if s]
    for s in scenarios:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s!r} (one of {', '.join(SCENARIOS)})")
    if opts.tables < 1 or opts.rounds < 1:
        ap.error("--tables and --rounds must be at least 1")

    bindir = subprocess.run(["pg_config", "--bindir"], stdout=subprocess.PIPE, text=True,
                            check=True).stdout.strip()
    opts.psql = str(pathlib.Path(bindir) / "psql")
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                            "migrate-core", "migrate-cli", "Cargo.lock"],
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    opts.source_rev = rev + (" (+ uncommitted changes)" if dirty else "")
    server = Server(opts.url, opts.psql)
    facts = server.sql(
        "SELECT format('PostgreSQL %s, synchronous_commit=%s, fsync=%s, autovacuum=%s, "
        "shared_buffers=%s, ssl=%s', current_setting('server_version'), "
        "current_setting('synchronous_commit'), current_setting('fsync'), "
        "current_setting('autovacuum'), current_setting('shared_buffers'), "
        "current_setting('ssl'))"
    )
    started_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    tag = f"diff_bench_{os.getpid()}"

    if opts.workdir:
        work = pathlib.Path(opts.workdir).resolve()
        work.mkdir(parents=True, exist_ok=True)
        keep = True
    else:
        work = pathlib.Path(tempfile.mkdtemp(prefix="migrate-diff-bench-"))
        keep = False
    measurements = [m for m in MEASUREMENTS if m[0] in scenarios]
    results = {m[1]: {"times": [], "outcomes": [], "load": [], "changes": [], "said": [],
                      "size": [], "sample": None, "uncovered": False} for m in measurements}
    try:
        log(f"generating {opts.tables} migrations in {work}")
        write_workspace(work / "ws", opts.tables, ROOT)
        bins = build(work / "ws", pathlib.Path(opts.target_dir), opts.profile)
        tmpls, target_facts = templates(server, opts, bins, work, tag, scenarios)
        for r in range(opts.rounds):
            order = measurements if r % 2 == 0 else list(reversed(measurements))
            for m in order:
                measure(server, opts, bins, tmpls, work, tag, r, m, results)
        ended_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        report(opts, results, bins, facts, target_facts, started_load, ended_load)
        return 0
    except Failed as e:
        print(f"diff_bench: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        server.drop_all()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
