use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r20_drop_index(m: &mut Migration) {
    m.drop_index("idx_users_email");
}

fn main() {}
