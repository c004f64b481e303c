//! Test databases cloned from a migrated template: one PostgreSQL database per test,
//! ready in milliseconds (the `#[sqlx::test]` model, without migrating each one).
//!
//! A [`Fixture`] holds a [`Migrator`] and the test server. The first test that asks
//! for a database builds the *template* of that migration set: a fresh database
//! migrated with [`Migrator::up`] to the latest migration, then marked
//! `IS_TEMPLATE true ALLOW_CONNECTIONS false`. Every test then gets its own
//! [`TestDatabase`], made with `CREATE DATABASE <unique> TEMPLATE <template>`, and
//! dropped (`WITH (FORCE)`) when the value drops, also when the test panics.
//!
//! # The template's key
//!
//! The template is named `<prefix>_<16 hex digits>` (default prefix `migrate_tpl`):
//! the first 8 bytes of a SHA-256 over migrate-core's version, the history table's
//! schema and name, and every migration's id and checksum ([`template_key`]). A
//! changed, added or removed migration therefore gets another template: a stale one is
//! never served.
//!
//! ```
//! use migrate_core::prelude::*;
//! use migrate_core::testing::template_name;
//! use migrate_core::{Down, Migrations, Migrator, MigratorOptions, Registration, Up};
//!
//! fn create_users(m: &mut Migration) {
//!     m.create_table("users", |t| {
//!         t.column("id", BigInt).primary_key();
//!     });
//! }
//! fn create_users_with_email(m: &mut Migration) {
//!     m.create_table("users", |t| {
//!         t.column("id", BigInt).primary_key();
//!         t.column("email", Text);
//!     });
//! }
//! static V1: Registration = Registration {
//!     id: 20261121_090000, name: "create_users", file: file!(), line: line!(),
//!     module_path: module_path!(), up: Up::Reversible(create_users), down: Down::Auto,
//! };
//! // The same migration, edited: same id, another checksum.
//! static V2: Registration = Registration {
//!     up: Up::Reversible(create_users_with_email), ..V1
//! };
//! # fn main() -> Result<(), migrate_core::Error> {
//! let v1 = Migrator::new(&Migrations::from_registrations([&V1])?, MigratorOptions::new())?;
//! let v2 = Migrator::new(&Migrations::from_registrations([&V2])?, MigratorOptions::new())?;
//! let name = template_name("migrate_tpl", &v1);
//! assert!(name.starts_with("migrate_tpl_") && name.len() == "migrate_tpl_".len() + 16);
//! // Deterministic for a set, another one when a migration changes.
//! assert_eq!(name, template_name("migrate_tpl", &v1.clone()));
//! assert_ne!(name, template_name("migrate_tpl", &v2));
//! # Ok(()) }
//! ```
//!
//! # Many test processes at once
//!
//! The build is serialized by a session advisory lock on the admin connection, keyed
//! by the template's name (advisory locks are per database: every process must use the
//! same admin database, which they do when they share `DATABASE_URL`). The template is
//! built under a temporary name (`<template>_tmp_<pid>`) and renamed into place only
//! once migrated and marked, so a half-built template (a process killed mid-build) is
//! never served; the next builder drops such leftovers. Within a process the "template
//! is ready" fact is cached, so the lock and the checks run once per process and
//! template.
//!
//! # Pruning
//!
//! Templates are kept between runs (that is the point). [`Fixture::prune_templates`]
//! (or [`prune_templates`]) drops the templates of a prefix that are not kept: each is
//! first made an ordinary database (`IS_TEMPLATE false`, which `DROP DATABASE` needs),
//! then dropped without `FORCE`, under the template's build lock taken without
//! waiting; a template being built is skipped, and one whose drop fails (it is being
//! cloned right now, say) is marked a template again and skipped. Fixtures of
//! different migration sets that prune should use different prefixes.
//!
//! # Use
//!
//! ```no_run
//! use migrate_core::testing::Fixture;
//! use migrate_core::{Migrations, Migrator, MigratorOptions};
//!
//! # async fn test() -> Result<(), migrate_core::Error> {
//! let migrations = Migrations::registered()?;
//! let fixture = Fixture::new(Migrator::new(&migrations, MigratorOptions::new())?)?;
//! let db = fixture.database().await?; // migrated, this test's own
//! let client = db.connect().await.expect("connect");
//! let rows = client.query("SELECT id FROM migrate_history", &[]).await.expect("query");
//! assert_eq!(rows.len(), migrations.len());
//! # Ok(()) }
//! // `db` drops here: so does its database.
//! ```

use sha2::{Digest, Sha256};
use tokio_postgres::Config;

use crate::error::Error;
use crate::run::Migrator;

mod database;
mod template;

pub use database::TestDatabase;
pub use template::{Fixture, Pruned, Readiness, prune_templates};

/// The server used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The default prefix of template names.
pub const DEFAULT_TEMPLATE_PREFIX: &str = "migrate_tpl";

/// The default prefix of test database names.
pub const DEFAULT_DATABASE_PREFIX: &str = "migrate_test";

/// The longest prefix accepted: the names built from it (a template's temporary name,
/// `<prefix>_<16 hex>_tmp_<pid>`, or a test database's
/// `<prefix>_<pid>_<counter>_<nanoseconds>`) then fit PostgreSQL's 63 bytes.
pub const MAX_PREFIX_BYTES: usize = 30;

/// The test server's admin connection: `DATABASE_URL`, or
/// [`DEFAULT_DATABASE_URL`] when it is not set.
pub fn admin_config() -> Result<Config, Error> {
    let url = match std::env::var_os("DATABASE_URL") {
        Some(url) => url.to_string_lossy().into_owned(),
        None => DEFAULT_DATABASE_URL.to_owned(),
    };
    url.parse()
        .map_err(|source| Error::TestServerUrl { source })
}

/// The key of a migration set's template, as 64 hex digits: SHA-256 over
/// migrate-core's version, the history table (schema and name) and every migration's
/// id and checksum, in order.
pub fn template_key(migrator: &Migrator) -> String {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        // Lengths keep ("ab", "c") and ("a", "bc") apart.
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    part(b"migrate_core::testing template v1");
    part(env!("CARGO_PKG_VERSION").as_bytes());
    part(migrator.options().history_schema().as_str().as_bytes());
    part(migrator.options().history_table_name().as_str().as_bytes());
    for header in migrator.headers() {
        part(&header.id.to_be_bytes());
        part(header.checksum.to_hex().as_bytes());
    }
    let digest = hasher.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The template's name for a migration set: `<prefix>_<the key's first 16 hex digits>`.
pub fn template_name(prefix: &str, migrator: &Migrator) -> String {
    let key = template_key(migrator);
    format!("{prefix}_{}", &key[..16])
}

/// Checks a prefix of template or database names.
pub(crate) fn check_prefix(prefix: &str) -> Result<(), Error> {
    let reason = if prefix.is_empty() {
        Some("it is empty")
    } else if prefix.len() > MAX_PREFIX_BYTES {
        Some("it is too long")
    } else if !prefix.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("it does not start with a lowercase letter")
    } else if !prefix
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Some("it has a character other than a-z, 0-9 and _")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::TestPrefix {
            prefix: prefix.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// `config` with another database.
pub(crate) fn config_for(config: &Config, database: &str) -> Config {
    let mut config = config.clone();
    config.dbname(database);
    config
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::prelude::*;
    use crate::{Down, Migrations, MigratorOptions, Registration, Up};

    fn one(m: &mut Migration) {
        m.create_table("a", |t| {
            t.column("id", BigInt);
        });
    }
    fn two(m: &mut Migration) {
        m.create_table("b", |t| {
            t.column("id", BigInt);
        });
    }
    static ONE: Registration = Registration {
        id: 1,
        name: "one",
        file: file!(),
        line: line!(),
        module_path: module_path!(),
        up: Up::Reversible(one),
        down: Down::Auto,
    };
    static TWO: Registration = Registration {
        id: 2,
        name: "two",
        up: Up::Reversible(two),
        ..ONE
    };
    static ONE_EDITED: Registration = Registration {
        up: Up::Reversible(two),
        ..ONE
    };

    fn migrator(set: &[&'static Registration]) -> Migrator {
        Migrator::new(
            &Migrations::from_registrations(set.iter().copied()).unwrap(),
            MigratorOptions::new(),
        )
        .unwrap()
    }

    #[test]
    fn the_key_follows_every_input() {
        let base = template_key(&migrator(&[&ONE]));
        assert_eq!(base.len(), 64);
        assert_eq!(base, template_key(&migrator(&[&ONE])));
        let others = [
            template_key(&migrator(&[])),
            template_key(&migrator(&[&ONE, &TWO])),
            template_key(&migrator(&[&ONE_EDITED])),
            template_key(&migrator(&[&ONE]).with_history_table("app", "migrate_history")),
            template_key(&migrator(&[&ONE]).with_history_table("public", "history")),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(&base, other, "input {i}");
        }
        // The name is the prefix and the key's first 16 digits.
        assert_eq!(
            template_name("x", &migrator(&[&ONE])),
            format!("x_{}", &base[..16])
        );
    }

    #[test]
    fn prefixes_are_checked() {
        for good in ["a", "migrate_tpl", "t0_", &"a".repeat(MAX_PREFIX_BYTES)] {
            assert!(check_prefix(good).is_ok(), "{good}");
        }
        for (bad, reason) in [
            ("", "it is empty"),
            ("0a", "it does not start with a lowercase letter"),
            ("Tpl", "it does not start with a lowercase letter"),
            ("a-b", "it has a character other than a-z, 0-9 and _"),
            (&"a".repeat(MAX_PREFIX_BYTES + 1), "it is too long"),
        ] {
            match check_prefix(bad) {
                Err(Error::TestPrefix { reason: r, .. }) => assert_eq!(r, reason, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let text = check_prefix("").unwrap_err().to_string();
        assert!(
            text.contains(&format!("1 to {MAX_PREFIX_BYTES} lowercase")),
            "{text}"
        );
        // The longest names built from the longest prefix fit 63 bytes.
        let prefix = "a".repeat(MAX_PREFIX_BYTES);
        let temporary = format!("{prefix}_{}_tmp_{}", "f".repeat(16), u32::MAX);
        let database = format!("{prefix}_{}_{}_{}", u32::MAX, u32::MAX, 999_999_999);
        assert!(temporary.len() <= 63, "{temporary}");
        assert!(database.len() <= 63, "{database}");
    }
}
