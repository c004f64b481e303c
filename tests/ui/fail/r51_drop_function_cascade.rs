use migrate_core::prelude::*;

#[migration(id = 20261207_090051)]
fn r51_drop_function_cascade(m: &mut Migration) {
    m.drop_function_cascade("app.count_posts", []);
}

fn main() {}
