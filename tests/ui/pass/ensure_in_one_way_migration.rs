use migrate_core::prelude::*;

// Accepting what exists already is one-way: fine in an irreversible migration.
#[migration(id = 20261121_090000, irreversible)]
fn extensions(m: &mut Migration) {
    m.ensure_schema("ext");
    m.ensure_extension("pgcrypto");
}

fn main() {}
