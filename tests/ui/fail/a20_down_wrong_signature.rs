use migrate_core::prelude::*;

#[migration(id = 20261121_090100, down = restore_legacy)]
fn drop_legacy(m: &mut Migration) {
    m.drop_table("legacy");
}

fn restore_legacy() {}

fn main() {}
