use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
const fn create_users(_m: &mut Migration) {}

fn main() {}
