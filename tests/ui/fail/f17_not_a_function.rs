use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
struct CreateUsers;

fn main() {}
