use migrate_core::prelude::*;

#[migration(id = "x", name = "", version = 3, down = restore_legacy, irreversible)]
fn drop_legacy(m: &mut Migration) {
    m.drop_table("legacy");
}

fn restore_legacy(m: &mut Migration<Manual>) {
    m.create_table("legacy", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
