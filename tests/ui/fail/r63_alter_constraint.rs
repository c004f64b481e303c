use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r63_alter_constraint(m: &mut Migration) {
    m.alter_constraint("posts", "posts_author_fk", Deferrable::InitiallyDeferred);
}

fn main() {}
