use migrate_core::prelude::*;

#[migration(name = "create users")]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
