use migrate_core::prelude::*;

#[migration(id = 20261207_476000)]
fn r76_ensure_sequence(m: &mut Migration) {
    m.ensure_sequence("order_no").start(100);
}

fn main() {}
