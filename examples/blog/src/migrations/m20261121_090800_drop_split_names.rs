use migrate_core::prelude::*;

/// Contract: `full_name` is now the only name.
///
/// The down runs these steps backwards: it re-adds the split columns, refills them
/// from `full_name`, and only then makes them `NOT NULL` again.
#[migration(id = 20261121_090800)]
fn drop_split_names(m: &mut Migration) {
    m.set_not_null("users", "full_name");
    m.drop_not_null("users", "first_name");
    m.drop_not_null("users", "last_name");
    m.reversible(
        |_up| {},
        |down| {
            down.update("users")
                .set("first_name", Expr::cust("split_part(full_name, ' ', 1)"))
                .set(
                    "last_name",
                    Expr::cust("substr(full_name, length(split_part(full_name, ' ', 1)) + 2)"),
                );
        },
    );
    m.drop_column_with("users", "first_name", Text);
    m.allow(
        Rule::BreakingChange,
        "contract step: release 2.0 reads and writes only `full_name` (expanded in 20261121_090700)",
    );
    m.drop_column_with("users", "last_name", Text);
    m.allow(
        Rule::BreakingChange,
        "contract step: release 2.0 reads and writes only `full_name` (expanded in 20261121_090700)",
    );
}
