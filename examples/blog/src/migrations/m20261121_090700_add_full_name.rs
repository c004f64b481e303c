use migrate_core::prelude::*;

/// Expand: add `full_name` beside `first_name` and `last_name` and fill it. The
/// application writes all three until the contract migration drops the old columns.
#[migration(id = 20261121_090700)]
fn add_full_name(m: &mut Migration) {
    m.add_column("users", "full_name", Text);
    m.reversible(
        |up| {
            up.update("users")
                .set("full_name", Expr::cust("first_name || ' ' || last_name"))
                .filter(Expr::col("full_name").is_null());
        },
        |_down| {
            // Nothing to undo: dropping the column removes the values.
        },
    );
}
