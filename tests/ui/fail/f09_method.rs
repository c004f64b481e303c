use migrate_core::prelude::*;

struct Migrations;

impl Migrations {
    #[migration(id = 20261121_090000)]
    fn create_users(&self, m: &mut Migration) {
        m.create_table("users", |t| {
        t.column("id", BigInt);
    });
    }
}

fn main() {}
