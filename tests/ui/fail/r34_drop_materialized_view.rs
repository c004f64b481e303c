use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r34_drop_materialized_view(m: &mut Migration) {
    m.drop_materialized_view("post_counts");
}

fn main() {}
