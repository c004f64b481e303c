use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r10_update(m: &mut Migration) {
    m.update("users").set("active", true);
}

fn main() {}
