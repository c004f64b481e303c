use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn create_users() {}

fn main() {}
