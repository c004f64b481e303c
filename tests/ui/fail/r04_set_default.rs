use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r04_set_default(m: &mut Migration) {
    m.set_default("users", "active", true);
}

fn main() {}
