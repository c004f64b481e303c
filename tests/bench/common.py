"""What the benches share: logging, generated Cargo projects and their builds, and a
PostgreSQL server driven through psql. Imported by runner_bench.py, diff_bench.py and
scale_bench.py (run them from anywhere: each puts this directory on sys.path)."""

import os
import pathlib
import shutil
import subprocess
import sys
import time
import urllib.parse


class Failed(RuntimeError):
    """A step that failed unexpectedly (a build, a psql call): the bench exits non-zero."""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def write(path: pathlib.Path, text: str) -> None:
    """Writes unless the file already holds this text (a kept --workdir then does not
    rebuild)."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def cli_crate(path: pathlib.Path, crate: str, source: pathlib.Path) -> pathlib.Path:
    """A user project at `path` with path dependencies on `source`'s migrate-core and
    migrate-cli, `src/lib.rs` = `pub mod migrations;` and `src/bin/migrate.rs` =
    `migrate_cli::main!(<crate>::migrations);`. Returns its `src/migrations` folder
    (created; the caller writes the migrations and `mod.rs`)."""
    mig = path / "src" / "migrations"
    (path / "src" / "bin").mkdir(parents=True, exist_ok=True)
    mig.mkdir(parents=True, exist_ok=True)
    write(path / "Cargo.toml",
          f"""[package]
name = "{crate}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
migrate-core = {{ path = "{source / 'migrate-core'}" }}
migrate-cli = {{ path = "{source / 'migrate-cli'}" }}
""")
    write(path / "src" / "lib.rs", "pub mod migrations;\n")
    write(path / "src" / "bin" / "migrate.rs", f"migrate_cli::main!({crate}::migrations);\n")
    return mig


def workspace(base: pathlib.Path, members: list, source: pathlib.Path) -> None:
    """The workspace manifest over `members` (folder names), with `source`'s Cargo.lock
    copied once (the benches build what this repository's lock pins)."""
    listed = ", ".join(f'"{m}"' for m in members)
    write(base / "Cargo.toml", f"[workspace]\nresolver = \"3\"\nmembers = [{listed}]\n")
    if not (base / "Cargo.lock").exists():
        shutil.copy(source / "Cargo.lock", base / "Cargo.lock")


def build_bin(base: pathlib.Path, target: pathlib.Path, profile: str, crate: str,
              dest: pathlib.Path) -> tuple:
    """`cargo build --profile PROFILE -p CRATE --bin migrate` in `target` (every
    project's binary is named `migrate`, so each is copied to `dest` before the next
    build). Returns (seconds, up_to_date); raises Failed with cargo's output."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    out_dir = "release" if profile == "release" else ("debug" if profile == "dev" else profile)
    start = time.perf_counter()
    proc = subprocess.run(
        ["cargo", "build", "--profile", profile, "-p", crate, "--bin", "migrate"],
        cwd=base, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise Failed(f"cargo build failed for {crate}:\n{proc.stdout[-4000:]}")
    shutil.copy(target / out_dir / "migrate", dest)
    up_to_date = f"Compiling {crate}" not in proc.stdout
    log(f"built {crate} in {took:.0f} s" + (" (already up to date)" if up_to_date else ""))
    return took, up_to_date


class Server:
    """A PostgreSQL server through psql; remembers the databases it created so that
    `drop_all` can remove them at the end."""

    def __init__(self, url: str, psql: str):
        self.url = url
        self.psql = psql
        self.created: list[str] = []

    def db_url(self, name: str) -> str:
        return urllib.parse.urlunsplit(urllib.parse.urlsplit(self.url)._replace(path=f"/{name}"))

    def sql(self, query: str, db: str | None = None) -> str:
        url = self.db_url(db) if db else self.url
        proc = subprocess.run(
            [self.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", query],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        if proc.returncode != 0:
            raise Failed(f"psql failed on {query[:200]!r}: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def sql_file(self, path: pathlib.Path, db: str) -> None:
        """Runs a file in one transaction (`psql -1`), stopping at the first error."""
        proc = subprocess.run(
            [self.psql, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", self.db_url(db),
             "-f", str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        if proc.returncode != 0:
            raise Failed(f"psql -f {path} failed: {proc.stderr.strip()[-2000:]}")

    def create(self, name: str, template: str = "template0") -> str:
        """A fresh database (dropped first if a previous run left it); returns its URL."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self.db_url(name)

    def drop(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            try:
                self.drop(name)
            except Failed as e:
                log(f"could not drop {name}: {e}")

    def scratch_of(self, pid: int) -> list[str]:
        """The scratch databases a `migrate` process of this pid left on the server."""
        names = self.sql(
            "SELECT datname FROM pg_database "
            f"WHERE datname LIKE 'migrate\\_verify\\_{pid}\\_%' ORDER BY 1"
        )
        return names.split() if names else []

    def settle(self, seconds: float) -> None:
        """CHECKPOINT, sync, wait for autovacuum workers to finish, sleep.

        The sync writes back what the kernel still holds dirty (the files of databases
        just created or dropped): without it the first measurement of a round paid for
        that writeback, whichever command it was."""
        self.sql("CHECKPOINT")
        os.sync()
        deadline = time.time() + 120
        while time.time() < deadline:
            n = self.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            )
            if n == "0":
                break
            time.sleep(0.2)
        time.sleep(seconds)
