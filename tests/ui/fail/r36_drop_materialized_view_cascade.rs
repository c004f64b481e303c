use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r36_drop_materialized_view_cascade(m: &mut Migration) {
    m.drop_materialized_view_cascade("post_counts");
}

fn main() {}
