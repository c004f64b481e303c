use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r05_drop_default(m: &mut Migration) {
    m.drop_default("users", "active");
}

fn main() {}
