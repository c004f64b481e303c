use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r32_drop_view_cascade(m: &mut Migration) {
    m.drop_view_cascade("active_users");
}

fn main() {}
