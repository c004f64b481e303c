#!/usr/bin/env python3
"""Compile cost of #[migration]: 200 migrations with the macro vs the same bodies as
plain functions. Run by hand (not by CI):

    python3 tests/bench/compile_cost.py [--migrations 200] [--runs 3] [--repo PATH]

It generates two crates in a temporary directory, both depending on migrate-core by
path and sharing one target directory (so dependencies are built once), then reports
for each: a clean build of the crate itself (`cargo clean -p` first) and a rebuild
after touching one migration file, as the median of --runs runs, and the ratio.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]  # overridden by --repo

BODY = """    m.create_table("t{i}", |t| {{
        t.column("id", BigInt).identity().primary_key();
        t.column("name", Text).not_null().default("");
        t.column("owner_id", BigInt).references("users", "id");
        t.timestamps();
    }});
    m.add_column("t{i}", "extra", Jsonb);
    m.create_index_concurrently("idx_t{i}_name", "t{i}", ["name"]).unique();
"""


def write_crate(path: pathlib.Path, name: str, n: int, macro: bool) -> None:
    src = path / "src" / "migrations"
    src.mkdir(parents=True)
    (path / "Cargo.toml").write_text(
        f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
migrate-core = {{ path = "{ROOT / 'migrate-core'}" }}

[workspace]
"""
    )
    (path / "src" / "lib.rs").write_text("pub mod migrations;\n")
    mods = []
    for i in range(n):
        module = f"m{i:04}"
        mods.append(f"pub mod {module};")
        attr = f"#[migration(id = {20260000_000000 + i})]\n" if macro else ""
        vis = "" if macro else "pub "
        (src / f"{module}.rs").write_text(
            "use migrate_core::prelude::*;\n\n"
            f"{attr}{vis}fn migration_{i}(m: &mut Migration) {{\n{BODY.format(i=i)}}}\n"
        )
    (src / "mod.rs").write_text("\n".join(mods) + "\n")


def cargo(args, cwd, target):
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", *args], cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(args, cwd, target) -> float:
    start = time.perf_counter()
    cargo(args, cwd, target)
    return time.perf_counter() - start


def main() -> None:
    global ROOT
    ap = argparse.ArgumentParser()
    ap.add_argument("--migrations", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repo", type=pathlib.Path, default=ROOT,
                    help="checkout whose migrate-core to build against (default: this one)")
    opts = ap.parse_args()
    ROOT = opts.repo.resolve()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="migrate-compile-cost-"))
    try:
        results = {}
        for name, macro in (("with_macro", True), ("plain_fns", False)):
            crate = tmp / name
            target = tmp / f"target-{name}"
            write_crate(crate, name, opts.migrations, macro)
            cargo(["build", "--lib"], crate, target)  # dependencies, once
            clean, touch = [], []
            for _ in range(opts.runs):
                cargo(["clean", "-p", name], crate, target)
                clean.append(timed(["build", "--lib"], crate, target))
                victim = crate / "src" / "migrations" / "m0100.rs"
                victim.write_text(victim.read_text() + "\n")
                touch.append(timed(["build", "--lib"], crate, target))
            results[name] = (statistics.median(clean), statistics.median(touch))
        m, p = results["with_macro"], results["plain_fns"]
        print(f"{opts.migrations} migrations, median of {opts.runs} runs")
        print(f"{'':22}{'clean build':>14}{'touch one file':>16}")
        print(f"{'#[migration]':22}{m[0]:>13.2f}s{m[1]:>15.2f}s")
        print(f"{'plain functions':22}{p[0]:>13.2f}s{p[1]:>15.2f}s")
        print(f"{'ratio macro/plain':22}{m[0] / p[0]:>14.3f}{m[1] / p[1]:>16.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
