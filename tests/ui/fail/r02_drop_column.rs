use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r02_drop_column(m: &mut Migration) {
    m.drop_column("users", "nickname");
}

fn main() {}
