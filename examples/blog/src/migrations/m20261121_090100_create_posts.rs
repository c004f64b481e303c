use migrate_core::prelude::*;

#[migration(id = 20261121_090100)]
fn create_posts(m: &mut Migration) {
    m.create_enum("post_status", ["draft", "published", "archived"]);
    m.create_table("posts", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("author_id", BigInt)
            .not_null()
            .references("users", "id")
            .on_delete(ReferentialAction::Cascade);
        t.column("title", Text).not_null();
        t.column("slug", Varchar(200)).not_null().unique();
        t.column("body", Text).not_null().default("");
        t.column("status", ColumnType::named("post_status"))
            .not_null()
            .default(DefaultValue::expr(
                Expr::cust("'draft'::post_status"),
                Volatility::Immutable,
            ));
        t.column("published_at", Timestamptz);
        t.timestamps();
        t.check(Expr::col("title").ne(""))
            .name("posts_title_not_empty");
    });
}
