use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn create_users(m: &mut Migration) {
    m.create_table("users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("email", Varchar(255)).not_null().unique();
        t.timestamps();
    });
    m.create_index_concurrently("idx_users_created_at", "users", ["created_at"]);
    m.drop_table_with("legacy", |t| {
        t.column("id", BigInt);
    });
    m.drop_column_with("users", "nickname", Text).not_null();
    m.alter_column_type_from("users", "age", Integer, BigInt);
    m.change_default("users", "active", None, Some(true.into()));
    m.reversible(
        |up| {
            up.unchecked_sql("UPDATE users SET email = lower(email)");
        },
        |down| {
            down.unchecked_sql("SELECT 1");
        },
    );
}

fn main() {
    let migrations = migrate_core::Migrations::registered().unwrap();
    assert_eq!(migrations.len(), 1);
    let plan = migrate_core::MigrationPlan::new(migrations.iter().next().unwrap()).unwrap();
    assert!(plan.is_reversible());
}
