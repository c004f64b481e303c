use migrate_core::prelude::*;

#[migration(id = 20250101_000400)]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

#[migration(id = 20250101000400)]
fn create_posts(m: &mut Migration) {
    m.create_table("posts", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
