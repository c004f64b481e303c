use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r30_drop_view(m: &mut Migration) {
    m.drop_view("active_users");
}

fn main() {}
