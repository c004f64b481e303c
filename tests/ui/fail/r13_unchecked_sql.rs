use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r13_unchecked_sql(m: &mut Migration) {
    m.unchecked_sql("UPDATE users SET email = lower(email)");
}

fn main() {}
