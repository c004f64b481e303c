use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r09_add_enum_value(m: &mut Migration) {
    m.add_enum_value("mood", "ecstatic");
}

fn main() {}
