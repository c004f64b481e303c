use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r19_ensure_extension(m: &mut Migration) {
    m.ensure_extension("pgcrypto");
}

fn main() {}
