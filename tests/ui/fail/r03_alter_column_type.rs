use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r03_alter_column_type(m: &mut Migration) {
    m.alter_column_type("users", "age", BigInt);
}

fn main() {}
