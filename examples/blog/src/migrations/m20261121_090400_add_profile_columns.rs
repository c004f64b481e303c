use migrate_core::prelude::*;

#[migration(id = 20261121_090400)]
fn add_profile_columns(m: &mut Migration) {
    m.add_column("users", "bio", Text);
    m.add_column("posts", "view_count", BigInt)
        .not_null()
        .default(0i64);
}
