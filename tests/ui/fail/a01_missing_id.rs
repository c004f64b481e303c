use migrate_core::prelude::*;

#[migration]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
