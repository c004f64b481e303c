use migrate_core::prelude::*;

#[migration(id = 20261207_090047)]
fn r47_drop_trigger(m: &mut Migration) {
    m.drop_trigger("app.posts", "posts_count");
}

fn main() {}
