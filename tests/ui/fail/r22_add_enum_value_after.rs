use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r22_add_enum_value_after(m: &mut Migration) {
    m.add_enum_value_after("mood", "ecstatic", "happy");
}

fn main() {}
