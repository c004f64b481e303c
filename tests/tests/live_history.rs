//! History rows the runner cannot continue from are refused before anything runs: a
//! state it does not know, and a one-transaction migration recorded `applying`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use migrate_core::{Error, Migrator, MigratorOptions, Target};
use migrate_tests::{TestDb, fixtures, history_ids, history_progress, table_exists};

fn migrator() -> Migrator {
    Migrator::new(
        &fixtures::kill_transactional().unwrap(),
        MigratorOptions::new(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_transactional_migration_recorded_applying_is_refused_not_rerun() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator();
    m.up(&mut c, Target::To(2)).await.unwrap();
    // Migration 2 ran in one transaction; its row says it is half done.
    c.batch_execute("UPDATE migrate_history SET state = 'applying', units_done = 0 WHERE id = 2")
        .await
        .unwrap();

    let error = m.up(&mut c, Target::Latest).await.unwrap_err();
    let Error::InconsistentHistory {
        id,
        ref name,
        ref state,
        units_done,
        ref hint,
        ..
    } = error
    else {
        panic!("expected InconsistentHistory, got {error:?}");
    };
    assert_eq!(
        (id, name.as_str(), state.as_str(), units_done),
        (2, "kill_slow", "applying", 0)
    );
    assert!(hint.contains("WHERE id = 2"), "{hint}");
    let text = error.to_string();
    assert!(text.contains("migration 2 (kill_slow)"), "{text}");
    assert!(text.contains("`applying`"), "{text}");
    assert!(text.contains("hint:"), "{text}");
    // Nothing ran: 3 is not applied, the rows are as they were.
    assert!(!table_exists(&c, "last_one").await.unwrap());
    assert_eq!(history_ids(&c, "migrate_history").await.unwrap(), [1, 2]);
    assert_eq!(
        history_progress(&c, 2).await.unwrap().unwrap(),
        "applying:0"
    );
    // The dry run refuses it too.
    assert!(matches!(
        m.plan_up(&c, Target::Latest).await,
        Err(Error::InconsistentHistory { id: 2, .. })
    ));
    // Following the hint (the changes are there) lets the run go on.
    c.batch_execute("UPDATE migrate_history SET state = 'applied' WHERE id = 2")
        .await
        .unwrap();
    assert_eq!(m.up(&mut c, Target::Latest).await.unwrap().ids(), [3]);
}

#[tokio::test]
async fn a_row_with_an_unknown_state_is_refused_not_taken_as_applied() {
    let db = TestDb::create().await.unwrap();
    let mut c = db.connect().await.unwrap();
    let m = migrator();
    m.up(&mut c, Target::To(1)).await.unwrap();
    // A state written by another tool or a newer version (the table's CHECK dropped).
    let checksum = m.headers()[1].checksum.to_hex();
    c.batch_execute(&format!(
        "ALTER TABLE migrate_history DROP CONSTRAINT migrate_history_state_check; \
         INSERT INTO migrate_history (id, name, checksum, state) \
         VALUES (2, 'kill_slow', '{checksum}', 'frozen')"
    ))
    .await
    .unwrap();

    for error in [
        m.up(&mut c, Target::Latest).await.unwrap_err(),
        m.down(&mut c, migrate_core::DownTarget::All)
            .await
            .unwrap_err(),
    ] {
        let text = error.to_string();
        assert!(
            matches!(&error, Error::InconsistentHistory { id: 2, state, .. } if state == "frozen"),
            "{error:?}"
        );
        assert!(text.contains("migration 2 (kill_slow)"), "{text}");
        assert!(text.contains("`frozen`"), "{text}");
        assert!(text.contains("hint:"), "{text}");
    }
    // Nothing ran either way.
    assert!(!table_exists(&c, "after_sleep").await.unwrap());
    assert!(!table_exists(&c, "last_one").await.unwrap());
    assert!(table_exists(&c, "items").await.unwrap());
    assert_eq!(history_ids(&c, "migrate_history").await.unwrap(), [1, 2]);
}
