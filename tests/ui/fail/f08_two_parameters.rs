use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn create_users(m: &mut Migration, table: &str, n: u8) {
    m.create_table(table, |t| {
        t.column("id", BigInt);
    });
    let _ = n;
}

fn main() {}
