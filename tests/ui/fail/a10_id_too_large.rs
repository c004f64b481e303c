use migrate_core::prelude::*;

#[migration(id = 99999999999999999999)]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
