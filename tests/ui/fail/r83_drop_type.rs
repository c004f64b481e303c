use migrate_core::prelude::*;

#[migration(id = 20261207_483000)]
fn r83_drop_type(m: &mut Migration) {
    m.drop_type("money_amount");
}

fn main() {}
