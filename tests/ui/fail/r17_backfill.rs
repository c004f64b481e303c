use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r17_backfill(m: &mut Migration) {
    m.backfill("users")
        .set("full_name", Expr::cust("first_name || ' ' || last_name"))
        .filter(Expr::col("full_name").is_null());
}

fn main() {}
