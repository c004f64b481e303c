use migrate_core::prelude::*;

#[migration(id = 20261207_478000)]
fn r78_alter_sequence(m: &mut Migration) {
    m.alter_sequence("order_no").increment(10);
}

fn main() {}
