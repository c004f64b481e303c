use migrate_core::prelude::*;

#[migration(id = 20261121_090000, name = "a", id = 20261121_090001)]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
