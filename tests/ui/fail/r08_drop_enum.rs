use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r08_drop_enum(m: &mut Migration) {
    m.drop_enum("mood");
}

fn main() {}
