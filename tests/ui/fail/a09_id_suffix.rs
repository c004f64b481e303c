use migrate_core::prelude::*;

#[migration(id = 20261121_090000i64)]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
