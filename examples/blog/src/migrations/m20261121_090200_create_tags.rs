use migrate_core::prelude::*;

#[migration(id = 20261121_090200)]
fn create_tags(m: &mut Migration) {
    m.create_table("tags", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("name", Varchar(64)).not_null().unique();
    });
    m.create_table("posts_tags", |t| {
        t.column("post_id", BigInt).not_null();
        t.column("tag_id", BigInt).not_null();
        t.primary_key(["post_id", "tag_id"]);
        t.foreign_key(["post_id"], "posts", ["id"])
            .name("posts_tags_post_fk")
            .on_delete(ReferentialAction::Cascade);
        t.foreign_key(["tag_id"], "tags", ["id"])
            .name("posts_tags_tag_fk")
            .on_delete(ReferentialAction::Cascade);
    });
    // A table created in this same migration is empty: a plain index is fine here.
    m.create_index("idx_posts_tags_tag", "posts_tags", ["tag_id"]);
}
