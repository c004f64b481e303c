#!/usr/bin/env python3
"""The runner against psql: 1,000 migrations applied by the BUILT `migrate` binary,
beside psql applying the same SQL from one file, on the same server in the same run.
Run by hand (not by CI):

    python3 tests/bench/runner_bench.py [--rounds 5] [--migrations 1000]
        [--url postgres://postgres@127.0.0.1:5432/postgres] [--profile release]

What it does:

1. Generates, in a temporary directory, one Cargo workspace with two user projects
   (path dependencies on this repository's migrate-core and migrate-cli, this
   repository's Cargo.lock), each with --migrations files and a
   `src/bin/migrate.rs` = `migrate_cli::main!(<crate>::migrations);`:
   - ddl: per migration `m.create_table("t_NNNN", ..)` (two columns) then a plain,
     transactional `m.create_index("idx_t_NNNN_v", "t_NNNN", ["v"])` on it;
   - trivial: per migration one `COMMENT ON TABLE bench IS 'NNNN'` (through
     `m.reversible(.. unchecked_sql ..)`, the DSL has no COMMENT step, then
     `m.allow(Rule::UncheckedSql, ..)` for the lint gate of `up`); the first
     migration also creates `bench`. This set isolates the runner's own cost.
   Builds both with `cargo build --<profile>` in ONE target directory
   ($CARGO_TARGET_DIR, default /tmp/target-bench), so dependencies build once.
2. Warm-up (untimed): applies each set once with the binary, then takes the exact
   SQL of every migration from `migrate up --dry-run --json` and the exact history
   rows (id, name, checksum) the runner wrote, and writes two psql files per set:
   per migration `BEGIN; <body>; INSERT INTO migrate_history (..) VALUES (..);
   COMMIT;` (the runner's own INSERT, and the history table created first with the
   runner's DDL), one file as is (synchronous commits: the server default), one with
   `SET synchronous_commit = off` at the top and one synchronous commit that takes an
   xid at the end (what the runner does: see `Run::flush` in runner.rs).
3. --rounds rounds, alternating the order of sets and of measurements; each
   measurement on a fresh database (created from template0 outside the timing),
   after CHECKPOINT, no autovacuum worker running, and --settle seconds of sleep:
   - `migrate --database-url URL up` (whole process, wall clock);
   - psql -X -q -v ON_ERROR_STOP=1 -f FILE, both files (whole process);
   - the nothing-to-do run: `migrate up` again on the database it just migrated,
     --noop-reps times, interleaved with `psql -X -c 'SELECT count(*) FROM
     migrate_history'` on the same database.
   Paired ratios are per round (measurements taken next to each other); the table
   gives medians, min and max.
4. A breakdown of the nothing-to-do run (interleaved repetitions of smaller
   commands, each adding one part of the work) and, with strace installed, a syscall
   timeline of one nothing-to-do run.

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
HISTORY = '"public"."migrate_history"'
# The runner's history table DDL (migrate-core/src/history.rs, HistoryTable::create_sql),
# as of this writing; `history_ddl` reads the current one from the source.
HISTORY_DDL = """CREATE TABLE IF NOT EXISTS "public"."migrate_history" (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    execution_ms bigint NOT NULL DEFAULT 0,
    applied_by text NOT NULL DEFAULT current_user,
    state text NOT NULL DEFAULT 'applied'
        CHECK (state IN ('applied', 'baselined', 'applying', 'reverting')),
    units_done integer NOT NULL DEFAULT 0
)"""


def history_ddl(source: pathlib.Path) -> str:
    """The history table's CREATE TABLE as the runner sends it, read from the Rust
    string literal in history.rs (falls back to HISTORY_DDL)."""
    try:
        text = (source / "migrate-core" / "src" / "history.rs").read_text()
        m = re.search(r'"(CREATE TABLE IF NOT EXISTS \{\} \(.*?\))",\s*self\.qualified', text, re.S)
        lit = re.sub(r"\\\n\s*", "", m.group(1))  # Rust line continuations
        lit = lit.replace("\\x20", " ").replace("\\n", "\n")
        return lit.replace("{}", HISTORY, 1) + ";\n"
    except (OSError, AttributeError):
        log("could not read the history DDL from history.rs; using the built-in copy")
        return HISTORY_DDL + ";\n"


SETS = ("ddl", "trivial")


# ----- generation and build -----------------------------------------------------------

def migration_source(kind: str, i: int) -> str:
    n = f"{i:04}"
    if kind == "ddl":
        body = (
            f'    m.create_table("t_{n}", |t| {{\n'
            f'        t.column("id", BigInt).not_null();\n'
            f'        t.column("v", Integer);\n'
            f"    }});\n"
            f'    m.create_index("idx_t_{n}_v", "t_{n}", ["v"]);\n'
        )
    else:
        body = ""
        if i == 1:
            body += '    m.create_table("bench", |t| {\n        t.column("id", Integer);\n    });\n'
        # The allowance acknowledges the step recorded just before it.
        body += (
            "    m.reversible(\n"
            f"        |up| {{\n            up.unchecked_sql(\"COMMENT ON TABLE bench IS '{n}'\");\n        }},\n"
            '        |down| {\n            down.unchecked_sql("COMMENT ON TABLE bench IS NULL");\n        },\n'
            "    );\n"
            '    m.allow(Rule::UncheckedSql, "bench: COMMENT has no typed step");\n'
        )
    return (
        "use migrate_core::prelude::*;\n\n"
        f"#[migration(id = {FIRST_ID + i})]\n"
        f"fn {kind}_{n}(m: &mut Migration) {{\n{body}}}\n"
    )


def write_workspace(base: pathlib.Path, count: int, source: pathlib.Path) -> None:
    for kind in SETS:
        crate = f"bench_{kind}"
        mig = cli_crate(base / crate, crate, source)
        mods = []
        for i in range(1, count + 1):
            module = f"m{i:04}_{kind}"
            mods.append(f"mod {module};")
            write(mig / f"{module}.rs", migration_source(kind, i))
        write(mig / "mod.rs", "\n".join(mods) + "\n")
    workspace(base, [f"bench_{kind}" for kind in SETS], source)


def build(base: pathlib.Path, target: pathlib.Path, profile: str) -> dict:
    """Builds each project in turn and copies the binary out. Returns
    {kind: (path, seconds, up_to_date)}."""
    bins = {}
    for kind in SETS:
        dest = base / f"migrate-{kind}"
        try:
            took, fresh = build_bin(base, target, profile, f"bench_{kind}", dest)
        except Failed as e:
            sys.exit(str(e))
        bins[kind] = (dest, took, fresh)
    return bins


# ----- database helpers -----------------------------------------------------------------

def timed(args: list, cwd: pathlib.Path, cpu: list | None = None) -> float:
    """Runs a command to completion: its wall time (from fork to reaped), and with
    `cpu` given, appends its CPU time (user + sys, from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    if cpu is not None:
        cpu.append(usage.ru_utime + usage.ru_stime)
    return took


# ----- the psql floor -------------------------------------------------------------------

def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def psql_files(server: Server, binary: pathlib.Path, kind: str, count: int, work: pathlib.Path,
               ddl: str):
    """Applies the set once (warm-up), then writes the psql files from the binary's
    dry-run SQL and the history rows it wrote."""
    name = f"runner_bench_{os.getpid()}_{kind}_plan"
    url = server.create(name)
    try:
        proc = subprocess.run(
            [str(binary), "--database-url", url, "up", "--dry-run", "--json"],
            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True,
        )
        plan = json.loads(proc.stdout)["migrations"]
        timed([str(binary), "--database-url", url, "up"], work)
        rows = server.sql(
            "SELECT id, name, checksum, units_done FROM migrate_history ORDER BY id", name
        ).splitlines()
        tables = server.sql(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", name
        )
    finally:
        server.drop(name)
    if len(plan) != count or len(rows) != count:
        sys.exit(f"{kind}: expected {count} migrations, dry run gave {len(plan)}, history {len(rows)}")
    history = {}
    for row in rows:
        id_, name_, checksum, units = row.split("|")
        history[int(id_)] = (name_, checksum, int(units))
    body = []
    statements = 0
    for run in plan:
        units = run["units"]
        if not run["transactional"] or any(not u["transaction"] for u in units):
            sys.exit(f"{kind}: migration {run['id']} is not transactional")
        name_, checksum, n_units = history[run["id"]]
        body.append("BEGIN;\n")
        for unit in units:
            for stmt in unit["sql"]:
                body.append(stmt.rstrip().rstrip(";") + ";\n")
                statements += 1
        # The runner's INSERT (migrate-core/src/history.rs, insert_applied_sql).
        body.append(
            f"INSERT INTO {HISTORY} (id, name, checksum, applied_at, execution_ms, applied_by, "
            f"state, units_done) VALUES ({run['id']}, {sql_literal(name_)}, "
            f"{sql_literal(checksum)}, now(), "
            f"(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, current_user, "
            f"'applied', {n_units});\n"
        )
        body.append("COMMIT;\n")
    text = "".join(body)
    sync = work / f"{kind}_sync.sql"
    sync.write_text(ddl + text)
    async_ = work / f"{kind}_async.sql"
    async_.write_text(
        "SET synchronous_commit = off;\n" + ddl + text
        + "SET synchronous_commit = on;\nBEGIN;\nSELECT txid_current() \\g /dev/null\nCOMMIT;\n"
    )
    sample = "".join(body[: 1 + statements // count + 2])
    log(f"{kind}: {count} migrations, {statements} statements; {tables} relations after a run")
    return {"sync": sync, "async": async_, "sample": sample, "statements": statements}


# ----- measurements ---------------------------------------------------------------------

def psql_cmd(server: Server, url: str, *rest) -> list:
    return [server.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, *rest]


def check_applied(server: Server, db: str, count: int) -> None:
    n = int(server.sql("SELECT count(*) FROM migrate_history WHERE state = 'applied'", db))
    if n != count:
        raise RuntimeError(f"{db}: {n} applied rows, expected {count}")


def one_round(server, opts, work, bins, files, kind, r, results):
    """One round of one set: migrate up, both psql files, then the nothing-to-do run."""
    binary = str(bins[kind][0])
    tag = f"runner_bench_{os.getpid()}_{kind}_{r}"
    names = {m: f"{tag}_{m}" for m in ("migrate", "psql_sync", "psql_async")}
    urls = {m: server.create(n) for m, n in names.items()}
    order = ["migrate", "psql_sync", "psql_async"]
    if r % 2:
        order.reverse()
    got, cpu = {}, {m: [] for m in order}
    for m in order:
        server.settle(opts.settle)
        load = os.getloadavg()[0]
        if m == "migrate":
            got[m] = timed([binary, "--database-url", urls[m], "up"], work, cpu[m])
        else:
            got[m] = timed(psql_cmd(server, urls[m], "-f", str(files[kind][m[5:]])), work,
                           cpu[m])
        check_applied(server, names[m], opts.migrations)
        results["load"].append(load)
    for m in ("psql_sync", "psql_async"):
        server.drop(names[m])
    # Nothing to do: the database migrate just migrated. One untimed run of each
    # first (hint bits, caches), then interleaved pairs.
    db = urls["migrate"]
    count_sql = psql_cmd(server, db, "-c", "SELECT count(*) FROM migrate_history")
    noop = [binary, "--database-url", db, "up"]
    timed(noop, work)
    timed(count_sql, work)
    server.settle(opts.settle)
    ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
    for j in range(opts.noop_reps):
        pair = [(ours, ours_cpu, noop), (theirs, theirs_cpu, count_sql)]
        if (r + j) % 2:
            pair.reverse()
        for bucket, cpu_bucket, cmd in pair:
            bucket.append(timed(cmd, work, cpu_bucket))
            time.sleep(0.05)
    check_applied(server, names["migrate"], opts.migrations)
    if kind == opts.breakdown_set and r == 0:
        results["breakdown"] = breakdown(server, opts, work, binary, db)
        results["timeline"] = timeline(work, binary, db)
    server.drop(names["migrate"])
    res = results[kind]
    res["migrate"].append(got["migrate"])
    res["psql_sync"].append(got["psql_sync"])
    res["psql_async"].append(got["psql_async"])
    res["noop"].append(statistics.median(ours))
    res["noop_psql"].append(statistics.median(theirs))
    res["noop_all"].extend(ours)
    res["noop_psql_all"].extend(theirs)
    res["noop_cpu"].extend(ours_cpu)
    res["noop_psql_cpu"].extend(theirs_cpu)
    for m in ("migrate", "psql_sync", "psql_async"):
        res[m + "_cpu"].extend(cpu[m])
    log(
        f"round {r + 1} {kind:8} migrate {got['migrate'] * 1e3:8.1f} ms  "
        f"psql {got['psql_sync'] * 1e3:8.1f} ms  psql async {got['psql_async'] * 1e3:8.1f} ms  "
        f"no-op {statistics.median(ours) * 1e3:6.1f} ms vs psql {statistics.median(theirs) * 1e3:6.1f} ms"
    )


def no_tls(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query = [(k, v) for k, v in query if k != "sslmode"] + [("sslmode", "disable")]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def breakdown(server, opts, work, binary, url):
    """Interleaved repetitions of commands that each do part of the no-op run's work."""
    plain = no_tls(url)
    cmds = [
        ("migrate --version", "process start, clap; no registry, no database",
         [binary, "--version"]),
        ("migrate sql FIRST", "start + collect the registrations, plan one, print it",
         [binary, "sql", str(FIRST_ID + 1)]),
        ("migrate up --dry-run", "start + record and hash all (beside connect) + to_regclass "
         "+ history read + verify (no lock)", [binary, "--database-url", url, "up", "--dry-run"]),
        ("migrate up (no-op)", "the measured no-op: + database name, then lock try and "
         "history read pipelined, unlock (no plan rendered, no flush: nothing committed)",
         [binary, "--database-url", url, "up"]),
        ("migrate up (no-op), no TLS", "the same with sslmode=disable",
         [binary, "--database-url", plain, "up"]),
        ("psql -c 'SELECT 1'", "psql start + connect (TLS) + one query",
         psql_cmd(server, url, "-c", "SELECT 1")),
        ("psql -c 'SELECT 1', no TLS", "the same with sslmode=disable",
         psql_cmd(server, plain, "-c", "SELECT 1")),
        ("psql SELECT count(*) tracking", "the measured psql reference",
         psql_cmd(server, url, "-c", "SELECT count(*) FROM migrate_history")),
    ]
    times = {label: [] for label, _, _ in cmds}
    cpus = {label: [] for label, _, _ in cmds}
    for _, _, cmd in cmds:
        timed(cmd, work)
    server.settle(opts.settle)
    for j in range(opts.breakdown_reps):
        seq = cmds if j % 2 == 0 else list(reversed(cmds))
        for label, _, cmd in seq:
            times[label].append(timed(cmd, work, cpus[label]))
            time.sleep(0.02)
    return [(label, what, times[label], cpus[label]) for label, what, _ in cmds]


def timeline(work, binary, url):
    """One no-op run under strace (sslmode=disable, so the queries can be read): when
    the process connects and sends each message. strace slows the traced syscalls;
    read the gaps, not the total."""
    if not shutil.which("strace"):
        return None
    out = work / "strace.txt"
    cmd = [binary, "--database-url", no_tls(url), "up"]
    trace = ["strace", "-f", "-ttt", "-s", "200", "-o", str(out),
             "-e", "trace=execve,connect,sendto,recvfrom,exit_group"]
    proc = subprocess.run(trace[:1] + ["--seccomp-bpf"] + trace[1:] + cmd, cwd=work,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if proc.returncode != 0:
        subprocess.run(trace + cmd, cwd=work, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
    events = []
    t0 = None
    for line in out.read_text().splitlines():
        m = re.match(r"(\d+)\s+(\d+\.\d+)\s+(\w+)\((.*)", line)
        if not m:
            continue
        t, call, rest = float(m.group(2)), m.group(3), m.group(4)
        if t0 is None:
            t0 = t
        if call == "execve":
            events.append((t - t0, "execve"))
        elif call == "connect" and ("AF_INET" in rest or "AF_UNIX" in rest):
            events.append((t - t0, "connect"))
        elif call == "sendto":
            m = re.match(r'\d+, "(.*)"(?:\.\.\.)?, \d+, ', rest)
            payload = m.group(1) if m else rest
            text = re.sub(r"\\(x[0-9a-f]{2}|[0-7]{1,3}|[ntrvf])", " ", payload)
            text = re.sub(r"\s+", " ", text).strip(' "')
            if "user" in text and "database" in text:
                text = "startup message"
            events.append((t - t0, "send  " + text[:90]))
        elif call == "recvfrom" and "EAGAIN" not in line:
            events.append((t - t0, "recv"))
        elif call == "exit_group":
            events.append((t - t0, "exit"))
    compact = []
    for t, what in events:
        if what == "recv" and compact and compact[-1][1] == "recv":
            continue
        compact.append((t, what))
    return compact


# ----- report ---------------------------------------------------------------------------

def ms(x: float) -> str:
    return f"{x * 1e3:.1f}"


def stats_row(label: str, xs: list, unit="ms") -> str:
    if unit == "ms":
        return (f"  {label:44} {ms(statistics.median(xs)):>9} {ms(min(xs)):>9} {ms(max(xs)):>9}   "
                + " ".join(f"{ms(x):>7}" for x in xs))
    return (f"  {label:44} {statistics.median(xs):>8.2f}x {min(xs):>8.2f}x {max(xs):>8.2f}x   "
            + " ".join(f"{x:>6.2f}x" for x in xs))


def report(opts, results, bins, server_facts, files, started_load, ended_load):
    print()
    print(f"runner_bench: {opts.migrations} migrations per set, {opts.rounds} rounds "
          f"(alternating order), fresh database per measurement")
    print(f"server: {server_facts}")
    print(f"build: cargo --profile {opts.profile}: "
          + ", ".join(f"{k} {bins[k][1]:.0f} s" + (" (up to date)" if bins[k][2] else "")
                      for k in SETS))
    print(f"source: {opts.source_desc}")
    print("connections: both migrate and psql get the same URL (sslmode from it; libpq's and "
          "the CLI's default is prefer, i.e. TLS when the server has ssl=on), over "
          + urllib.parse.urlsplit(opts.url).netloc)
    print(f"psql: {opts.psql}")
    print("runner commits: SET LOCAL synchronous_commit = off per migration, one synchronous "
          "commit (flush) at the end of the run")
    print("psql floor: per migration BEGIN; body; INSERT INTO migrate_history; COMMIT "
          "(sync = server default synchronous_commit=on; async = SET synchronous_commit = off "
          "at the top + one synchronous commit at the end)")
    print(f"load average (1 min) before measurements: median {statistics.median(results['load']):.2f}, "
          f"min {min(results['load']):.2f}, max {max(results['load']):.2f}; "
          f"start {started_load}, end {ended_load}")
    print()
    print(f"  {'':44} {'median':>9} {'min':>9} {'max':>9}   per round")
    for kind in SETS:
        res = results[kind]
        if not res["migrate"]:
            continue
        n_stmt = files[kind]["statements"]
        print(f"{kind.upper()} set ({n_stmt} body statements)")
        print(stats_row("migrate up (whole process), ms", res["migrate"]))
        print(stats_row("psql -f, synchronous commits, ms", res["psql_sync"]))
        print(stats_row("psql -f, synchronous_commit=off + flush, ms", res["psql_async"]))
        r_sync = [a / b for a, b in zip(res["migrate"], res["psql_sync"])]
        r_async = [a / b for a, b in zip(res["migrate"], res["psql_async"])]
        print(stats_row("ratio migrate / psql sync (paired)", r_sync, unit="x"))
        print(stats_row("ratio migrate / psql async (paired)", r_async, unit="x"))
        per = [x / opts.migrations * 1e3 for x in res["migrate"]]
        print(f"  {'migrate per migration, ms':44} {statistics.median(per):>9.3f}")
        print(f"  {'client CPU (user+sys) median, ms':44} migrate {ms(statistics.median(res['migrate_cpu']))}, "
              f"psql sync {ms(statistics.median(res['psql_sync_cpu']))}, "
              f"psql async {ms(statistics.median(res['psql_async_cpu']))}")
        print()
    print("NOTHING-TO-DO (all applied; per round: median of "
          f"{opts.noop_reps} interleaved pairs)")
    for kind in SETS:
        res = results[kind]
        if not res["noop"]:
            continue
        print(stats_row(f"{kind}: migrate up (no-op), ms", res["noop"]))
        print(stats_row(f"{kind}: psql SELECT count(*) tracking, ms", res["noop_psql"]))
        ratio = [a / b for a, b in zip(res["noop"], res["noop_psql"])]
        print(stats_row(f"{kind}: ratio migrate / psql (paired)", ratio, unit="x"))
        every = res["noop_all"]
        print(f"  {kind + ': every no-op run, ms':44} {ms(statistics.median(every)):>9} "
              f"{ms(min(every)):>9} {ms(max(every)):>9}   ({len(every)} runs)")
        print(f"  {kind + ': client CPU median, ms':44} migrate {ms(statistics.median(res['noop_cpu']))}, "
              f"psql {ms(statistics.median(res['noop_psql_cpu']))}")
    print()
    print("TARGETS")
    for kind, target in (("ddl", 0.95), ("trivial", 0.6)):
        res = results[kind]
        if not res["migrate"]:
            continue
        r_sync = statistics.median([a / b for a, b in zip(res["migrate"], res["psql_sync"])])
        r_async = statistics.median([a / b for a, b in zip(res["migrate"], res["psql_async"])])
        print(f"  {kind:8} <= {target:.2f}x psql: {r_sync:.2f}x vs sync floor "
              f"({'met' if r_sync <= target else 'MISSED'}), {r_async:.2f}x vs async floor "
              f"({'met' if r_async <= target else 'MISSED'})")
    noop = [x for k in SETS for x in results[k]["noop"]]
    if noop:
        m = statistics.median(noop)
        print(f"  no-op   <= 12 ms: {ms(m)} ms median over both sets "
              f"({'met' if m <= 0.012 else 'MISSED'})")
    if results.get("breakdown"):
        print()
        print(f"NO-OP BREAKDOWN ({opts.breakdown_set} set, all applied, {opts.breakdown_reps} "
              "interleaved repetitions, whole-process wall time)")
        print(f"  {'command':30} {'median':>8} {'min':>8} {'max':>8} {'CPU':>6}   what it does")
        for label, what, xs, cpu in results["breakdown"]:
            print(f"  {label:30} {ms(statistics.median(xs)):>8} {ms(min(xs)):>8} "
                  f"{ms(max(xs)):>8} {ms(statistics.median(cpu)):>6}   {what}")
        print("  (ms; CPU = the process's own user+sys time, median; the rest of the wall time "
              "is waiting for the server, the network and the scheduler)")
    if results.get("timeline"):
        print()
        print("NO-OP TIMELINE: one no-op run under strace --seccomp-bpf, sslmode=disable so the "
              "messages are readable (ms since execve; strace inflates syscalls, read the gaps)")
        prev = 0.0
        for t, what in results["timeline"]:
            print(f"  {t * 1e3:8.2f}  (+{(t - prev) * 1e3:6.2f})  {what}")
            prev = t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--migrations", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--url", default=os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="an admin database on the server (default: $DATABASE_URL, else local postgres)")
    ap.add_argument("--profile", default="release", help="cargo profile (default: release)")
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", "/tmp/target-bench"))
    ap.add_argument("--settle", type=float, default=1.0, help="seconds to sleep after CHECKPOINT")
    ap.add_argument("--noop-reps", type=int, default=5)
    ap.add_argument("--breakdown-reps", type=int, default=15)
    ap.add_argument("--breakdown-set", default="ddl", choices=SETS + ("none",))
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--git-rev", help="bench this commit of the repository (exported read-only "
                    "with git archive) instead of the working tree")
    ap.add_argument("--workdir", help="generate here and keep it (default: a temp dir, removed)")
    opts = ap.parse_args()
    sets = [s for s in opts.sets.split(",") if s]

    bindir = subprocess.run(["pg_config", "--bindir"], stdout=subprocess.PIPE, text=True,
                            check=True).stdout.strip()
    opts.psql = str(pathlib.Path(bindir) / "psql")
    server = Server(opts.url, opts.psql)
    facts = server.sql(
        "SELECT format('PostgreSQL %s, synchronous_commit=%s, fsync=%s, wal_sync_method=%s, "
        "autovacuum=%s, shared_buffers=%s, ssl=%s', current_setting('server_version'), "
        "current_setting('synchronous_commit'), current_setting('fsync'), "
        "current_setting('wal_sync_method'), current_setting('autovacuum'), "
        "current_setting('shared_buffers'), current_setting('ssl'))"
    )
    started_load = " ".join(f"{x:.2f}" for x in os.getloadavg())

    if opts.workdir:
        work = pathlib.Path(opts.workdir).resolve()
        work.mkdir(parents=True, exist_ok=True)
        keep = True
    else:
        work = pathlib.Path(tempfile.mkdtemp(prefix="migrate-runner-bench-"))
        keep = False
    results = {k: {x: [] for x in ("migrate", "psql_sync", "psql_async", "noop", "noop_psql",
                                   "noop_all", "noop_psql_all", "noop_cpu", "noop_psql_cpu",
                                   "migrate_cpu", "psql_sync_cpu", "psql_async_cpu")} for k in SETS}
    results["load"] = []
    try:
        source = ROOT
        if opts.git_rev:
            source = work / "source"
            rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", opts.git_rev + "^{commit}"],
                                 stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
            stamp = source / ".runner_bench_rev"
            if not stamp.exists() or stamp.read_text() != rev:
                shutil.rmtree(source, ignore_errors=True)
                source.mkdir()
                archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev],
                                         stdout=subprocess.PIPE, check=True).stdout
                subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
                stamp.write_text(rev)
            rev = rev[:7]
            opts.source_desc = f"commit {rev} ({opts.git_rev}), exported with git archive"
        else:
            opts.source_desc = f"working tree {ROOT}"
        log(f"generating {opts.migrations} migrations x {len(SETS)} sets in {work}")
        write_workspace(work / "ws", opts.migrations, source)
        ddl = history_ddl(source)
        bins = build(work / "ws", pathlib.Path(opts.target_dir), opts.profile)
        files = {k: psql_files(server, bins[k][0], k, opts.migrations, work, ddl) for k in sets}
        for k in sets:
            log(f"{k} sample of the psql file:\n{files[k]['sample']}")
        for r in range(opts.rounds):
            order = sets if r % 2 == 0 else list(reversed(sets))
            for kind in order:
                one_round(server, opts, work, bins, files, kind, r, results)
        ended_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        report(opts, results, bins, facts, files, started_load, ended_load)
    finally:
        server.drop_all()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
