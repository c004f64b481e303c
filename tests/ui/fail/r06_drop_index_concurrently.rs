use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r06_drop_index_concurrently(m: &mut Migration) {
    m.drop_index_concurrently("idx_users_email");
}

fn main() {}
