use migrate_core::prelude::*;

#[migration(id = 20261121_090000, irreversable)]
fn drop_legacy(m: &mut Migration) {
    m.drop_table("legacy");
    m.unchecked_sql("UPDATE users SET email = lower(email)");
}

fn main() {}
