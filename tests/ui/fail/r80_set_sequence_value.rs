use migrate_core::prelude::*;

#[migration(id = 20261207_480000)]
fn r80_set_sequence_value(m: &mut Migration) {
    m.set_sequence_value("users_id_seq", Expr::cust("(SELECT max(id) FROM users)"));
}

fn main() {}
