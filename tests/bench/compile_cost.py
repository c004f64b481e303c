#!/usr/bin/env python3
"""Compile cost of #[migration]: 200 migrations with the macro vs the same bodies as
plain functions. Run by hand (not by CI):

    python3 tests/bench/compile_cost.py [--migrations 200] [--runs 3] [--repo PATH]

It generates three crates in a temporary directory, each depending on migrate-core by
path with its own target directory (dependencies are built once per crate, untimed),
then reports for each: a clean build of the crate itself (`cargo clean -p` first) and
a rebuild after touching one migration file, as the median of --runs runs, and the
ratios. The crates:

- with_macro: each function under `#[migration(id = ..)]`;
- plain_fns: the same functions, `pub`, nothing else;
- inventory_floor: the plain functions plus, for each, the one thing any registration
  through `inventory` must emit: `inventory::submit! { Registration { .. } }` written
  by hand (a static, a constructor function and its `.init_array` entry per
  migration). The macro's own cost is what it adds over this floor.
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


FLOOR = """::migrate_core::__private::inventory::submit! {{
    ::migrate_core::__private::Registration {{
        id: {id}i64,
        name: "migration_{i}",
        file: ::core::file!(),
        line: ::core::line!(),
        module_path: ::core::module_path!(),
        up: ::migrate_core::__private::Up::Reversible(migration_{i}),
        down: ::migrate_core::__private::Down::Auto,
    }}
}}
"""


def write_crate(path: pathlib.Path, name: str, n: int, kind: str) -> None:
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
        macro = kind == "with_macro"
        attr = f"#[migration(id = {20260000_000000 + i})]\n" if macro else ""
        vis = "" if macro else "pub "
        floor = FLOOR.format(id=20260000_000000 + i, i=i) if kind == "inventory_floor" else ""
        (src / f"{module}.rs").write_text(
            "use migrate_core::prelude::*;\n\n"
            f"{attr}{vis}fn migration_{i}(m: &mut Migration) {{\n{BODY.format(i=i)}}}\n{floor}"
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
        names = ("with_macro", "plain_fns", "inventory_floor")
        samples = {name: ([], []) for name in names}
        for name in names:
            write_crate(tmp / name, name, opts.migrations, name)
            cargo(["build", "--lib"], tmp / name, tmp / f"target-{name}")  # dependencies
        # Interleaved, so that a change in the machine's speed hits every crate alike.
        for _ in range(opts.runs):
            for name in names:
                crate, target = tmp / name, tmp / f"target-{name}"
                clean, touch = samples[name]
                cargo(["clean", "-p", name], crate, target)
                clean.append(timed(["build", "--lib"], crate, target))
                victim = crate / "src" / "migrations" / "m0100.rs"
                victim.write_text(victim.read_text() + "\n")
                touch.append(timed(["build", "--lib"], crate, target))
        results = {name: (statistics.median(c), statistics.median(t))
                   for name, (c, t) in samples.items()}
        m, p, f = results["with_macro"], results["plain_fns"], results["inventory_floor"]
        print(f"{opts.migrations} migrations, median of {opts.runs} runs")
        print(f"{'':26}{'clean build':>14}{'touch one file':>16}")
        print(f"{'#[migration]':26}{m[0]:>13.2f}s{m[1]:>15.2f}s")
        print(f"{'plain functions':26}{p[0]:>13.2f}s{p[1]:>15.2f}s")
        print(f"{'plain + inventory::submit!':26}{f[0]:>13.2f}s{f[1]:>15.2f}s")
        print(f"{'ratio macro/plain':26}{m[0] / p[0]:>14.3f}{m[1] / p[1]:>16.3f}")
        print(f"{'ratio floor/plain':26}{f[0] / p[0]:>14.3f}{f[1] / p[1]:>16.3f}")
        print(f"{'ratio macro/floor':26}{m[0] / f[0]:>14.3f}{m[1] / f[1]:>16.3f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
