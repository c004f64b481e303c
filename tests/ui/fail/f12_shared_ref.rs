use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn create_users(m: &Migration) {
    let _ = m;
}

fn main() {}
