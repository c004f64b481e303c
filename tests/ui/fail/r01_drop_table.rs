use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r01_drop_table(m: &mut Migration) {
    m.drop_table("legacy");
}

fn main() {}
