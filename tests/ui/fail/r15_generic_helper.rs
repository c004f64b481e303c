use migrate_core::prelude::*;

/// A helper generic over the mode still needs the step's bound.
fn drop_legacy<M: migrate_core::Mode>(m: &mut Migration<M>) {
    m.drop_table("legacy");
}

#[migration(id = 20261121_090000, irreversible)]
fn cleanup(m: &mut Migration) {
    drop_legacy(m);
}

fn main() {}
