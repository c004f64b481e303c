use migrate_core::prelude::*;

/// A helper called from a reversible migration: the compiler checks it too.
fn drop_legacy_tables(m: &mut Migration) {
    m.drop_table("legacy_users");
}

#[migration(id = 20261121_090000)]
fn cleanup(m: &mut Migration) {
    m.create_schema("archive");
    drop_legacy_tables(m);
}

fn main() {}
