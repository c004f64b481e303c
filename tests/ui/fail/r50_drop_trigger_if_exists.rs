use migrate_core::prelude::*;

#[migration(id = 20261207_090050)]
fn r50_drop_trigger_if_exists(m: &mut Migration) {
    m.drop_trigger_if_exists("app.posts", "posts_count");
}

fn main() {}
