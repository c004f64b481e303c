use migrate_core::prelude::*;

#[migration(id = 20261121_090100, down = "restore_legacy")]
fn drop_legacy(m: &mut Migration) {
    m.drop_table("legacy");
}

fn restore_legacy(m: &mut Migration<Manual>) {
    m.create_table("legacy", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
