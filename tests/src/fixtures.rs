//! Migration sets shared by the live tests and the `migrate_victim` binary.

use migrate_core::Migrations;
use migrate_core::prelude::*;

/// SQL that sleeps for `migrate_test.sleep` seconds (a custom setting given to the
/// victim's connection; unset: no sleep). The sleep is not in the steps' text, so
/// the killed and the rerun sets have the same checksums.
pub const SLEEP_SQL: &str = "SELECT pg_sleep(coalesce(nullif(current_setting('migrate_test.sleep', true), ''), '0')::float8)";

fn kill_items(m: &mut Migration) {
    m.create_table("items", |t| {
        t.column("id", BigInt).primary_key();
        t.column("note", Text);
    });
}

fn kill_slow(m: &mut Migration) {
    m.create_table("after_sleep", |t| {
        t.column("id", BigInt).primary_key();
    });
    m.reversible(
        |up| {
            up.unchecked_sql(SLEEP_SQL);
            up.unchecked_sql("INSERT INTO items (id, note) VALUES (1, 'slow')");
        },
        |down| {
            down.unchecked_sql("DELETE FROM items WHERE id = 1");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
}

fn kill_last(m: &mut Migration) {
    m.create_table("last_one", |t| {
        t.column("id", BigInt).primary_key();
    });
}

crate::reg!(KILL_ITEMS, 1, kill_items);
crate::reg!(KILL_SLOW, 2, kill_slow);
crate::reg!(KILL_LAST, 3, kill_last);

/// A transactional set whose second migration sleeps.
pub fn kill_transactional() -> Result<Migrations, migrate_core::Error> {
    Migrations::from_registrations([&KILL_ITEMS, &KILL_SLOW, &KILL_LAST])
}

fn nt_things(m: &mut Migration) {
    m.create_table("things", |t| {
        t.column("id", BigInt).primary_key();
        t.column("v", Integer);
    });
    m.reversible(
        |up| {
            up.unchecked_sql(
                "INSERT INTO things SELECT g, g % 100 FROM generate_series(1, 1000) g",
            );
        },
        |down| {
            down.unchecked_sql("DELETE FROM things");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
}

fn nt_indexes(m: &mut Migration) {
    m.create_index_concurrently("things_v_idx", "things", ["v"]);
    m.reversible(
        |up| {
            up.unchecked_sql(SLEEP_SQL);
            up.unchecked_sql("INSERT INTO things VALUES (100000, -1)");
        },
        |down| {
            down.unchecked_sql("DELETE FROM things WHERE id = 100000");
        },
    )
    .allow(Rule::UncheckedSql, "fixed SQL of a test fixture");
    m.create_index_concurrently("things_id_v_idx", "things", ["id", "v"]);
}

crate::reg!(NT_THINGS, 1, nt_things);
crate::reg!(NT_INDEXES, 2, nt_indexes);

/// A set whose second migration is non-transactional: a concurrent index, a
/// transactional unit that sleeps, another concurrent index.
pub fn kill_non_transactional() -> Result<Migrations, migrate_core::Error> {
    Migrations::from_registrations([&NT_THINGS, &NT_INDEXES])
}

// ----- a small schema -----------------------------------------------------------------
//
// The live runner and event tests register these under their own ids (`reg!` wants the
// functions in scope: `use migrate_tests::fixtures::{users, ...}`).

/// Creates `users (id bigint primary key, email text not null)`.
pub fn users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt).primary_key();
        t.column("email", Text).not_null();
    });
}

/// Adds `users.bio text`.
pub fn users_bio(m: &mut Migration) {
    m.add_column("users", "bio", Text);
}

/// Creates `posts (id bigint primary key, user_id bigint not null)`.
pub fn posts(m: &mut Migration) {
    m.create_table("posts", |t| {
        t.column("id", BigInt).primary_key();
        t.column("user_id", BigInt).not_null();
    });
}

/// Builds `users_bio_idx` on `users (bio)` concurrently.
pub fn users_bio_idx(m: &mut Migration) {
    m.create_index_concurrently("users_bio_idx", "users", ["bio"]);
}

/// Creates `t (id bigint)`: the table the lock-timeout tests block.
pub fn table_t(m: &mut Migration) {
    m.create_table("t", |t| {
        t.column("id", BigInt);
    });
}

/// Adds `t.w integer`: a step that needs `ACCESS EXCLUSIVE` on `t`.
pub fn t_add_w(m: &mut Migration) {
    m.add_column("t", "w", Integer);
}
