use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r21_add_enum_value_before(m: &mut Migration) {
    m.add_enum_value_before("mood", "content", "happy");
}

fn main() {}
