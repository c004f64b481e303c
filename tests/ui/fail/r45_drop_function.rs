use migrate_core::prelude::*;

#[migration(id = 20261207_090045)]
fn r45_drop_function(m: &mut Migration) {
    m.drop_function("app.order_total", [BigInt]);
}

fn main() {}
