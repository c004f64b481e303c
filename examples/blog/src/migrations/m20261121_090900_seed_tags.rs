use migrate_core::prelude::*;

const TAGS: [&str; 3] = ["rust", "postgresql", "migrations"];

/// Seed data, with its reverse.
#[migration(id = 20261121_090900)]
fn seed_tags(m: &mut Migration) {
    m.reversible(
        |up| {
            let insert = up.insert("tags", ["name"]).on_conflict_do_nothing();
            for tag in TAGS {
                insert.values([tag]);
            }
        },
        |down| {
            down.delete("tags").filter(Expr::col("name").is_in(TAGS));
        },
    );
}
