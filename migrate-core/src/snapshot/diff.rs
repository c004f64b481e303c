//! Computing the differences between two snapshots (the types are data, in
//! [`crate::report`]).

use std::collections::BTreeSet;

use super::Snapshot;
pub use crate::report::{Change, SnapshotDiff};

/// What differs from `expected` to `actual`.
pub fn diff(expected: &Snapshot, actual: &Snapshot) -> SnapshotDiff {
    let keys: BTreeSet<&String> = expected
        .objects
        .keys()
        .chain(actual.objects.keys())
        .collect();
    let changes = keys
        .into_iter()
        .filter_map(|key| {
            let key_owned = || key.clone();
            match (expected.objects.get(key), actual.objects.get(key)) {
                (Some(before), Some(after)) if before == after => None,
                (Some(before), Some(after)) => Some(Change::Changed {
                    key: key_owned(),
                    before: before.clone(),
                    after: after.clone(),
                }),
                (Some(before), None) => Some(Change::Removed {
                    key: key_owned(),
                    before: before.clone(),
                }),
                (None, Some(after)) => Some(Change::Added {
                    key: key_owned(),
                    after: after.clone(),
                }),
                (None, None) => None,
            }
        })
        .collect();
    SnapshotDiff { changes }
}
