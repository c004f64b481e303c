use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
unsafe fn create_users(m: &mut Migration) {
    m.create_schema("app");
}

fn main() {}
