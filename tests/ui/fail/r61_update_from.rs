use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r61_update_from(m: &mut Migration) {
    m.update_from("posts", "users").set("author_name", Expr::col(("users", "name")));
}

fn main() {}
