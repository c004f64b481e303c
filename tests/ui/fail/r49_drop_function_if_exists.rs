use migrate_core::prelude::*;

#[migration(id = 20261207_090049)]
fn r49_drop_function_if_exists(m: &mut Migration) {
    m.drop_function_if_exists("app.now_utc", []);
}

fn main() {}
