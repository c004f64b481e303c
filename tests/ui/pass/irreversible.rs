use migrate_core::prelude::*;

/// A helper for one-way migrations.
fn purge(m: &mut Migration<Manual>, table: &str) {
    m.delete(table);
}

#[migration(id = 20261121_090000, irreversible)]
fn one_way(m: &mut Migration) {
    m.unchecked_sql("VACUUM users").outside_transaction();
    m.add_enum_value("mood", "ecstatic");
    purge(m, "sessions");
}

fn main() {
    let migrations = migrate_core::Migrations::registered().unwrap();
    let plan = migrate_core::MigrationPlan::new(migrations.iter().next().unwrap()).unwrap();
    assert!(!plan.is_reversible());
}
