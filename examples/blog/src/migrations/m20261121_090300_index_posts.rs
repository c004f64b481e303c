use migrate_core::prelude::*;

/// `posts` already holds data in production: build its indexes without blocking writes.
#[migration(id = 20261121_090300)]
fn index_posts(m: &mut Migration) {
    m.create_index_concurrently(
        "idx_posts_author_published",
        "posts",
        [
            IndexColumn::from("author_id"),
            IndexColumn::desc("published_at"),
        ],
    );
    m.create_index_concurrently("idx_posts_published", "posts", ["published_at"])
        .filter(Expr::col("status").eq(Expr::cust("'published'::post_status")));
}
