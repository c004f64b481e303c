use migrate_core::prelude::*;

const ID: i64 = 20261121_090000;

#[migration(id = ID)]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
