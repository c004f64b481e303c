use migrate_core::prelude::*;

#[migration(id = 20261207_475000)]
fn r75_drop_sequence(m: &mut Migration) {
    m.drop_sequence("order_no");
}

fn main() {}
