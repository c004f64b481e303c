use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r33_create_or_replace_view(m: &mut Migration) {
    m.create_or_replace_view("active_users", "SELECT id FROM users WHERE active");
}

fn main() {}
