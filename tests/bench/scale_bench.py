#!/usr/bin/env python3
"""Does the runner's cost stay flat as the history grows? Run by hand (not by CI):

    python3 tests/bench/scale_bench.py [--sizes 1000,10000] [--reps 7] [--up-reps 3]
        [--url postgres://postgres@127.0.0.1:5432/postgres] [--profile release]
        [--git-rev REV] [--workdir DIR] [--target-dir DIR] [--build-only | --no-build]

What it does:

1. Generates, in a temporary directory (or --workdir), one Cargo workspace with one
   user project per size (`scale_1000`, `scale_10000`), each with that many
   migrations of runner_bench.py's `trivial` kind (one `COMMENT ON TABLE bench` each;
   the first also creates `bench`), path dependencies on this repository's (or
   --git-rev's, exported with git archive) migrate-core and migrate-cli. Builds each
   with `cargo build --<profile>` in ONE target directory ($CARGO_TARGET_DIR, default
   /tmp/target-bench) and copies the binary out. A 10,000-migration crate takes
   minutes to compile.
2. For each size, --up-reps times: a fresh database (from template0, outside the
   timing), CHECKPOINT, then `migrate up` applying every migration: wall time and the
   process's peak RSS (ru_maxrss of the reaped child, from wait4).
3. The nothing-to-do run: `migrate up` on a migrated database of each size, one
   untimed run each, then --reps interleaved repetitions (1k, 10k, 10k, 1k, ...):
   wall time and peak RSS.
4. Prints median/min/max, and the targets of issue 15 part 4 (PASS/FAIL):
   - peak RSS of `up` at the largest size (all pending) <= 2x the peak RSS of the
     no-op at the same size (all applied);
   - no-op wall time at the largest size <= 1.5x the no-op at the smallest.

The databases are dropped at the end.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import runner_bench as rb  # noqa: E402  (the generator, the server helpers)
from common import Failed, build_bin, cli_crate, workspace  # noqa: E402

ROOT = rb.ROOT


def write_workspace(base: pathlib.Path, sizes: list, source: pathlib.Path) -> None:
    for n in sizes:
        crate = f"scale_{n}"
        mig = cli_crate(base / crate, crate, source)
        mods = []
        for i in range(1, n + 1):
            module = f"m{i:05}"
            mods.append(f"mod {module};")
            rb.write(mig / f"{module}.rs", rb.migration_source("trivial", i))
        rb.write(mig / "mod.rs", "\n".join(mods) + "\n")
    workspace(base, [f"scale_{n}" for n in sizes], source)


def build(base: pathlib.Path, target: pathlib.Path, profile: str, sizes: list) -> dict:
    bins = {}
    for n in sizes:
        dest = base / f"migrate-{n}"
        try:
            took, _ = build_bin(base, target, profile, f"scale_{n}", dest)
        except Failed as e:
            sys.exit(str(e))
        bins[n] = (dest, took)
    return bins


def export(rev: str, work: pathlib.Path) -> tuple:
    source = work / "source"
    full = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev + "^{commit}"],
                          stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    stamp = source / ".scale_bench_rev"
    if not stamp.exists() or stamp.read_text() != full:
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", full],
                                 stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        stamp.write_text(full)
    return source, f"commit {full[:7]} ({rev}), exported with git archive"


def measured(args: list, cwd: pathlib.Path) -> tuple:
    """Runs a command to completion: (wall seconds, peak RSS in KiB, CPU seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{args[0]} failed ({code}): {err.decode()[-2000:]}")
    return took, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def row(label: str, xs: list, fmt) -> str:
    return (f"  {label:40} {fmt(statistics.median(xs)):>9} {fmt(min(xs)):>9} "
            f"{fmt(max(xs)):>9}   ({len(xs)} runs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--reps", type=int, default=7, help="no-op repetitions per size")
    ap.add_argument("--up-reps", type=int, default=3, help="`up` runs per size, fresh database each")
    ap.add_argument("--url", default=os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--profile", default="release")
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", "/tmp/target-bench"))
    ap.add_argument("--git-rev", help="bench this commit (exported with git archive)")
    ap.add_argument("--workdir", help="generate here and keep it (default: a temp dir, removed)")
    ap.add_argument("--build-only", action="store_true", help="generate and build, measure nothing")
    ap.add_argument("--no-build", action="store_true",
                    help="measure the binaries a previous run built and copied into the workdir")
    opts = ap.parse_args()
    sizes = sorted(int(s) for s in opts.sizes.split(",") if s)

    bindir = subprocess.run(["pg_config", "--bindir"], stdout=subprocess.PIPE, text=True,
                            check=True).stdout.strip()
    server = rb.Server(opts.url, str(pathlib.Path(bindir) / "psql"))
    if opts.workdir:
        work = pathlib.Path(opts.workdir).resolve()
        work.mkdir(parents=True, exist_ok=True)
        keep = True
    else:
        work = pathlib.Path(tempfile.mkdtemp(prefix="migrate-scale-bench-"))
        keep = False
    try:
        source, desc = (export(opts.git_rev, work) if opts.git_rev
                        else (ROOT, f"working tree {ROOT}"))
        if opts.no_build:
            bins = {n: (work / "ws" / f"migrate-{n}", 0.0) for n in sizes}
            missing = [str(b) for b, _ in bins.values() if not b.exists()]
            if missing:
                sys.exit(f"--no-build: no binary at {', '.join(missing)}")
        else:
            rb.log(f"generating {sizes} migrations in {work}")
            write_workspace(work / "ws", sizes, source)
            bins = build(work / "ws", pathlib.Path(opts.target_dir), opts.profile, sizes)
        if opts.build_only:
            return
        up = {n: {"wall": [], "rss": [], "cpu": []} for n in sizes}
        noop = {n: {"wall": [], "rss": [], "cpu": []} for n in sizes}
        dbs = {}
        for n in sizes:
            binary = str(bins[n][0])
            for r in range(opts.up_reps):
                name = f"scale_bench_{os.getpid()}_{n}_{r}"
                url = server.create(name)
                server.settle(0.5)
                wall, rss, cpu = measured([binary, "--database-url", url, "up"], work)
                rb.check_applied(server, name, n)
                for k, v in (("wall", wall), ("rss", rss), ("cpu", cpu)):
                    up[n][k].append(v)
                rb.log(f"up {n:>6} pending: {wall * 1e3:8.0f} ms, peak RSS {mib(rss)} MiB")
                if r == 0:
                    dbs[n] = (name, url)
                else:
                    server.drop(name)
        for n in sizes:  # untimed: hint bits, caches
            measured([str(bins[n][0]), "--database-url", dbs[n][1], "up"], work)
        server.settle(0.5)
        for j in range(opts.reps):
            order = sizes if j % 2 == 0 else list(reversed(sizes))
            for n in order:
                wall, rss, cpu = measured([str(bins[n][0]), "--database-url", dbs[n][1], "up"], work)
                for k, v in (("wall", wall), ("rss", rss), ("cpu", cpu)):
                    noop[n][k].append(v)
                time.sleep(0.05)
        for n in sizes:
            rb.check_applied(server, dbs[n][0], n)

        print()
        print(f"scale_bench: trivial migrations (one COMMENT each), sizes {sizes}")
        print(f"source: {desc}")
        print("build: cargo --profile " + opts.profile + ": "
              + ", ".join(f"scale_{n} {bins[n][1]:.0f} s" for n in sizes))
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"  {'':40} {'median':>9} {'min':>9} {'max':>9}")
        ms = lambda x: f"{x * 1e3:.1f}"  # noqa: E731
        for n in sizes:
            print(row(f"up, {n} pending: wall ms", up[n]["wall"], ms))
            print(row(f"up, {n} pending: CPU ms", up[n]["cpu"], ms))
            print(row(f"up, {n} pending: peak RSS MiB", up[n]["rss"], mib))
        for n in sizes:
            print(row(f"no-op, {n} applied: wall ms", noop[n]["wall"], ms))
            print(row(f"no-op, {n} applied: CPU ms", noop[n]["cpu"], ms))
            print(row(f"no-op, {n} applied: peak RSS MiB", noop[n]["rss"], mib))
        big, small = sizes[-1], sizes[0]
        print()
        print("TARGETS")
        r_rss = statistics.median(up[big]["rss"]) / statistics.median(noop[big]["rss"])
        print(f"  peak RSS, up at {big} pending / no-op at {big} applied: {r_rss:.2f}x "
              f"(target <= 2.00x): {'PASS' if r_rss <= 2.0 else 'FAIL'}")
        r_wall = statistics.median(noop[big]["wall"]) / statistics.median(noop[small]["wall"])
        print(f"  no-op wall, {big} applied / {small} applied: {r_wall:.2f}x "
              f"(target <= 1.50x): {'PASS' if r_wall <= 1.5 else 'FAIL'}")
    finally:
        server.drop_all()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
