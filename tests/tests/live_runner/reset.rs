//! `reset`: everything reverted then everything applied in one run, refused (naming
//! them all) over migrations it cannot revert, and `reset_schema`, which needs no down.

use super::*;
use crate::lifecycle::seed;

reg!(SEED, 3, seed, irreversible);

fn runs(report: &migrate_core::Report) -> Vec<(i64, RunDirection)> {
    report.runs.iter().map(|r| (r.id, r.direction)).collect()
}

#[tokio::test]
async fn reset_reverts_everything_then_applies_everything() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator([&USERS, &USERS_BIO, &POSTS, &USERS_BIO_IDX]);

    // A clean history: reset is `up`.
    let report = m.reset(&mut c).await.unwrap();
    assert_eq!(runs(&report), [1, 2, 3, 4].map(|id| (id, RunDirection::Up)));
    c.batch_execute("INSERT INTO users (id, email, bio) VALUES (7, 'a@example.com', 'hi')")
        .await
        .unwrap();
    let before = text(
        &c,
        "SELECT applied_at::text FROM migrate_history WHERE id = 1",
    )
    .await
    .unwrap();

    let report = m.reset(&mut c).await.unwrap();
    assert_eq!(
        runs(&report),
        [
            (4, RunDirection::Down),
            (3, RunDirection::Down),
            (2, RunDirection::Down),
            (1, RunDirection::Down),
            (1, RunDirection::Up),
            (2, RunDirection::Up),
            (3, RunDirection::Up),
            (4, RunDirection::Up),
        ]
    );
    assert_eq!(history_ids(&c, HISTORY).await.unwrap(), [1, 2, 3, 4]);
    // The table was dropped and created again: the row is gone.
    assert_eq!(int(&c, "SELECT count(*) FROM users").await.unwrap(), 0);
    assert_eq!(
        index_validity(&c, "users_bio_idx").await.unwrap(),
        Some(true)
    );
    assert!(
        int(
            &c,
            &format!(
                "SELECT count(*) FROM migrate_history WHERE id = 1 AND applied_at > '{}'",
                before.unwrap()
            )
        )
        .await
        .unwrap()
            == 1,
        "the history row was not written again"
    );
}

#[tokio::test]
async fn reset_refuses_what_it_cannot_revert_naming_it_all_and_reset_schema_does_not() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    // Everything lives in `dev`, the history table too.
    c.batch_execute("CREATE SCHEMA dev; SET search_path TO dev, public")
        .await
        .unwrap();
    let options = || MigratorOptions::new().history_table("dev", "migrate_history");
    let all = Migrator::new(&set([&USERS, &USERS_BIO, &SEED, &USERS_BIO_IDX]), options()).unwrap();
    all.up(&mut c, Target::Latest).await.unwrap();
    c.batch_execute(
        "UPDATE dev.migrate_history SET checksum = repeat('0', 64) WHERE id = 2;
         INSERT INTO users (id, email) VALUES (8, 'b@example.com')",
    )
    .await
    .unwrap();
    // The code lost migration 4 (`users_bio_idx`); 3 is irreversible; 2 was modified.
    let m = Migrator::new(&set([&USERS, &USERS_BIO, &SEED]), options()).unwrap();
    match m.reset(&mut c).await {
        Err(Error::ResetRefused {
            irreversible,
            missing,
            modified,
        }) => {
            assert_eq!(irreversible, [(3, "seed".to_owned())]);
            assert_eq!(missing, [(4, "users_bio_idx".to_owned())]);
            assert_eq!(modified, [(2, "users_bio".to_owned())]);
        }
        other => panic!("expected ResetRefused, got {other:?}"),
    }
    // Nothing changed.
    assert_eq!(
        history_ids(&c, "dev.migrate_history").await.unwrap(),
        [1, 2, 3, 4]
    );
    assert_eq!(int(&c, "SELECT count(*) FROM dev.users").await.unwrap(), 2);
    assert!(table_exists(&c, "dev.users_bio_idx").await.unwrap());

    // The schema dropped and created again, then every migration of the code applied.
    c.batch_execute("CREATE TABLE public.keep (id int)")
        .await
        .unwrap();
    let report = m.reset_schema(&mut c).await.unwrap();
    assert_eq!(runs(&report), [1, 2, 3].map(|id| (id, RunDirection::Up)));
    assert_eq!(
        history_ids(&c, "dev.migrate_history").await.unwrap(),
        [1, 2, 3]
    );
    assert!(!table_exists(&c, "dev.users_bio_idx").await.unwrap());
    // Only the seed's row: the test's row went with the schema.
    assert_eq!(
        text(&c, "SELECT string_agg(id::text, ',') FROM dev.users")
            .await
            .unwrap()
            .as_deref(),
        Some("1")
    );
    assert!(column_exists(&c, "users", "bio").await.unwrap());
    // Other schemas are left alone.
    assert!(table_exists(&c, "public.keep").await.unwrap());
    // And the history is clean again: a plain reset refuses only the irreversible one.
    match m.reset(&mut c).await {
        Err(Error::ResetRefused {
            irreversible,
            missing,
            modified,
        }) => {
            assert_eq!(irreversible, [(3, "seed".to_owned())]);
            assert!(missing.is_empty() && modified.is_empty());
        }
        other => panic!("expected ResetRefused, got {other:?}"),
    }
}
