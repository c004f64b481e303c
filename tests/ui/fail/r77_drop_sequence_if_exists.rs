use migrate_core::prelude::*;

#[migration(id = 20261207_477000)]
fn r77_drop_sequence_if_exists(m: &mut Migration) {
    m.drop_sequence_if_exists("order_no");
}

fn main() {}
