use migrate_core::prelude::*;

/// Posts that have a publication date are published: a data change with its reverse.
#[migration(id = 20261121_090500)]
fn backfill_post_status(m: &mut Migration) {
    m.reversible(
        |up| {
            up.update("posts")
                .set("status", Expr::cust("'published'::post_status"))
                .filter(Expr::col("published_at").is_not_null())
                .filter(Expr::col("status").eq(Expr::cust("'draft'::post_status")));
        },
        |down| {
            down.update("posts")
                .set("status", Expr::cust("'draft'::post_status"))
                .filter(Expr::col("published_at").is_not_null());
        },
    );
}
