//! The JSON shape of the report types (`migrate --json` is built on it): a change of a
//! serde attribute fails here.

use serde_json::json;

use super::*;

fn report() -> Report {
    Report {
        runs: vec![MigrationRun {
            id: 20261121_090000,
            name: "create_users".into(),
            direction: RunDirection::Up,
            duration: Duration::from_micros(12_345_678),
            statements: 3,
            resumed_from: Some(2),
            skipped_units: 1,
            retries: vec![
                FailedAttempt {
                    attempt: 1,
                    lock_timeout: Some(Duration::from_millis(100)),
                    code: "55P03".into(),
                    statement: 0,
                    blockers: vec![Blocker {
                        pid: 7,
                        application_name: "psql".into(),
                        state: Some("idle in transaction".into()),
                        query: Some("SELECT 1".into()),
                    }],
                },
                FailedAttempt {
                    attempt: 2,
                    lock_timeout: None,
                    code: "40P01".into(),
                    statement: 1,
                    blockers: vec![],
                },
            ],
            backfills: vec![BackfillRun {
                step: 2,
                table: "\"public\".\"accounts\"".into(),
                key: "id".into(),
                resumed_from: Some("20".into()),
                batches: 50,
                rows: 50_000,
                last_batch_size: 1000,
                duration: Duration::from_millis(2_100),
                cursor: None,
            }],
        }],
        baselined: vec![1, 2],
        repaired: vec![5],
        lock_waited: Duration::from_millis(1_500),
        preflight: vec![PreflightWarning::InvalidIndex {
            index: "a.i".into(),
            table: "a.t".into(),
        }],
    }
}

#[test]
fn a_report_serializes_in_the_documented_shape() {
    assert_eq!(
        serde_json::to_value(report()).unwrap(),
        json!({
            "migrations": [{
                "id": 20261121090000_i64,
                "name": "create_users",
                "direction": "up",
                "duration_ms": 12345,
                "statements": 3,
                "resumed_from": 2,
                "skipped_units": 1,
                "retries": 2,
                "backfills": [{
                    "table": "\"public\".\"accounts\"",
                    "key": "id",
                    "resumed_from": "20",
                    "batches": 50,
                    "rows": 50000,
                    "duration_ms": 2100,
                    "cursor": null,
                }],
            }],
            "baselined": [1, 2],
            "repaired": [5],
            "lock_waited_ms": 1500,
            "preflight": [
                "invalid index a.i on a.t (left by a failed concurrent build; \
                 it is still maintained on every write)"
            ],
        })
    );
}

#[test]
fn a_failed_attempt_names_its_blockers() {
    let run = &report().runs[0];
    assert_eq!(
        serde_json::to_value(&run.retries).unwrap(),
        json!([
            {
                "attempt": 1,
                "lock_timeout_ms": 100,
                "code": "55P03",
                "statement": 0,
                "blockers": [{
                    "pid": 7,
                    "application_name": "psql",
                    "state": "idle in transaction",
                    "query": "SELECT 1",
                }],
            },
            {
                "attempt": 2,
                "lock_timeout_ms": null,
                "code": "40P01",
                "statement": 1,
                "blockers": [],
            },
        ])
    );
}

#[test]
fn a_status_has_four_states_and_a_detail() {
    let status = |state, applied_at| MigrationStatus {
        id: 20261121_090000,
        name: "create_users".into(),
        state,
        applied_at,
        checksum: Checksum([0xab; 32]),
        recorded_checksum: None,
    };
    let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_600);
    assert_eq!(
        serde_json::to_value(status(MigrationState::Baselined, Some(at))).unwrap(),
        json!({
            "id": 20261121090000_i64,
            "name": "create_users",
            "state": "applied",
            "detail": "baselined",
            "applied_at": "2023-11-14T22:13:21Z",
            "checksum": "ab".repeat(32),
            "recorded_checksum": null,
        })
    );
    let words = |state| {
        let value = serde_json::to_value(status(state, None)).unwrap();
        (value["state"].clone(), value["detail"].clone())
    };
    assert_eq!(
        words(MigrationState::Applied),
        (json!("applied"), json!(null))
    );
    assert_eq!(
        words(MigrationState::Pending),
        (json!("pending"), json!(null))
    );
    assert_eq!(
        words(MigrationState::Incomplete),
        (json!("pending"), json!("incomplete"))
    );
    assert_eq!(
        words(MigrationState::Modified),
        (json!("modified"), json!(null))
    );
    assert_eq!(
        words(MigrationState::Missing),
        (json!("missing"), json!(null))
    );
    assert_eq!(
        serde_json::to_value(status(MigrationState::Missing, None)).unwrap()["applied_at"],
        json!(null)
    );
}

#[test]
fn a_planned_run_lists_its_sql() {
    let planned = PlannedRun {
        id: 1,
        name: "index".into(),
        direction: RunDirection::Down,
        transactional: false,
        resume_from: 1,
        sql: vec!["DROP INDEX CONCURRENTLY \"i\"".into()],
    };
    assert_eq!(
        serde_json::to_value(planned).unwrap(),
        json!({
            "id": 1,
            "name": "index",
            "direction": "down",
            "transactional": false,
            "resume_from": 1,
            "sql": ["DROP INDEX CONCURRENTLY \"i\""],
        })
    );
}
