use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r07_drop_constraint(m: &mut Migration) {
    m.drop_constraint("posts", "posts_author_fk");
}

fn main() {}
