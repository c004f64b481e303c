use migrate_core::prelude::*;

#[migration(id = 20261207_479000)]
fn r79_restart_sequence(m: &mut Migration) {
    m.restart_sequence("order_no", 1000);
}

fn main() {}
