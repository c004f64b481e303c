use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r35_drop_materialized_view_if_exists(m: &mut Migration) {
    m.drop_materialized_view_if_exists("post_counts");
}

fn main() {}
