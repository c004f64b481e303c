use migrate_core::prelude::*;

#[migration(id = 20261121_090200, irreversible = true)]
fn one_way(m: &mut Migration) {
    m.unchecked_sql("UPDATE users SET email = lower(email)");
}

fn main() {}
