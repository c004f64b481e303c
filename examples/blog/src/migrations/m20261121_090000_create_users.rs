use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("email", Varchar(255)).not_null().unique();
        t.column("first_name", Text).not_null();
        t.column("last_name", Text).not_null();
        t.timestamps();
    });
}
