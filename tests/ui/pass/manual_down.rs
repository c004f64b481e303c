use migrate_core::prelude::*;

#[migration(id = 20261121_090000, name = "drop the legacy table", down = restore_legacy)]
fn drop_legacy(m: &mut Migration) {
    m.drop_table("legacy");
    m.update("users").set("legacy_id", Expr::null());
}

fn restore_legacy(m: &mut Migration<Manual>) {
    m.create_table("legacy", |t| {
        t.column("id", BigInt);
    });
}

/// A down function may also take the default mode when it only uses reversible steps.
#[migration(id = 20261121_090100, down = plain_down)]
fn add_enum_value(m: &mut Migration) {
    m.add_enum_value("mood", "ecstatic");
}

fn plain_down(m: &mut Migration) {
    m.rename_enum_value("mood", "ecstatic", "ecstatic_removed");
}

fn main() {
    let migrations = migrate_core::Migrations::registered().unwrap();
    let names: Vec<_> = migrations.iter().map(|r| r.name).collect();
    assert_eq!(names, ["drop the legacy table", "add_enum_value"]);
}
