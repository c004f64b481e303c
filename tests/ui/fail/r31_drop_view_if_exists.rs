use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r31_drop_view_if_exists(m: &mut Migration) {
    m.drop_view_if_exists("active_users");
}

fn main() {}
