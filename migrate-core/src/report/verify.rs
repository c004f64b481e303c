//! What `verify` found, returned as data.
//!
//! With the `serde` feature, [`VerifyReport`] is `serde::Serialize`: each migration
//! checked with its `outcome` (`passed`, `skipped-irreversible` or `failed`) and, for a
//! failure, its text (`failure`, the diff included).

use std::fmt;

use super::diff::SnapshotDiff;
use super::failure::StatementFailure;
use crate::display::DisplayId;

/// The result of [`verify`](crate::verify::verify): one entry per migration checked, in order.
/// Checking stops at the first failure (unless
/// [`keep_going`](crate::verify::VerifyOptions::keep_going)), so the migrations after it
/// are not listed (their number is [`unchecked`](Self::unchecked)).
#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct VerifyReport {
    /// The scratch database the check ran in (the first one, when
    /// [`keep_going`](crate::verify::VerifyOptions::keep_going) rebuilt it after a
    /// failure).
    pub database: String,
    /// The migrations checked, by ascending id.
    pub migrations: Vec<MigrationCheck>,
    /// How many migrations were not checked because an earlier one failed.
    pub unchecked: usize,
}

impl VerifyReport {
    /// Whether every migration passed or was skipped as irreversible.
    pub fn is_success(&self) -> bool {
        self.failure().is_none()
    }

    /// The first migration that failed, if one did.
    pub fn failure(&self) -> Option<&MigrationCheck> {
        self.failures().next()
    }

    /// Every migration that failed, in order (more than one only with
    /// [`keep_going`](crate::verify::VerifyOptions::keep_going)).
    pub fn failures(&self) -> impl Iterator<Item = &MigrationCheck> + '_ {
        self.migrations
            .iter()
            .filter(|m| matches!(m.outcome, Outcome::Failed(_)))
    }

    /// The ids of the migrations that passed.
    pub fn passed(&self) -> Vec<i64> {
        self.ids(|o| matches!(o, Outcome::Passed))
    }

    /// The ids of the irreversible migrations (applied, their down not checked).
    pub fn skipped(&self) -> Vec<i64> {
        self.ids(|o| matches!(o, Outcome::SkippedIrreversible))
    }

    fn ids(&self, keep: impl Fn(&Outcome) -> bool) -> Vec<i64> {
        self.migrations
            .iter()
            .filter(|m| keep(&m.outcome))
            .map(|m| m.id)
            .collect()
    }
}

impl fmt::Display for VerifyReport {
    /// One line per migration; a failure is followed by its diff (`-` in the expected
    /// schema only, `+` in the schema found only, `~` described differently).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.migrations.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{m}")?;
        }
        if self.unchecked > 0 {
            write!(
                f,
                "\n{} later migration{} not checked",
                self.unchecked,
                if self.unchecked == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// How one migration fared.
#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct MigrationCheck {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The outcome (serialized as `outcome` and `failure`).
    #[cfg_attr(feature = "serde", serde(flatten, serialize_with = "outcome_fields"))]
    pub outcome: Outcome,
}

impl fmt::Display for MigrationCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Passed => write!(f, "ok       {} {}", DisplayId(self.id), self.name),
            Outcome::SkippedIrreversible => write!(
                f,
                "skipped  {} {} (irreversible: applied, down not checked)",
                DisplayId(self.id),
                self.name
            ),
            Outcome::Failed(failure) => {
                write!(
                    f,
                    "FAILED   {} {}: {failure}",
                    DisplayId(self.id),
                    self.name
                )
            }
        }
    }
}

/// `"outcome"`: `passed`, `skipped-irreversible` or `failed`; `"failure"`: what failed,
/// as text, or null.
#[cfg(feature = "serde")]
fn outcome_fields<S: serde::Serializer>(outcome: &Outcome, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let (word, failure) = match outcome {
        Outcome::Passed => ("passed", None),
        Outcome::SkippedIrreversible => ("skipped-irreversible", None),
        Outcome::Failed(failure) => ("failed", Some(failure.to_string())),
    };
    let mut map = s.serialize_map(Some(2))?;
    map.serialize_entry("outcome", word)?;
    map.serialize_entry("failure", &failure)?;
    map.end()
}

/// The outcome of one migration's check.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The down restored the schema from before the up, and the up applied again
    /// gave the same schema as the first time.
    Passed,
    /// The migration is irreversible: it was applied, its down not checked.
    SkippedIrreversible,
    /// The check failed.
    Failed(Failure),
}

/// Why a migration failed its check.
#[derive(Debug)]
#[non_exhaustive]
pub enum Failure {
    /// After up then down, the schema differs from the one before the up
    /// (`-`: gone since before the up, `+`: left behind, `~`: changed).
    DownDidNotRestore(SnapshotDiff),
    /// After up, down and up again, the schema differs from the one after the first
    /// up (`-`: only after the first up, `+`: only after the second).
    ReupDiffers(SnapshotDiff),
    /// A statement of the migration failed (the runner's `Error::Statement`).
    Statement {
        /// Which application failed.
        phase: Phase,
        /// The failed statement, with PostgreSQL's error fields.
        failure: Box<StatementFailure>,
    },
    /// A concurrent index build of the migration left its index invalid (the runner's
    /// `Error::InvalidIndex`).
    InvalidIndex {
        /// Which application failed.
        phase: Phase,
        /// The index's qualified name.
        index: String,
    },
}

impl Failure {
    /// The schema difference, for a failed comparison.
    pub fn diff(&self) -> Option<&SnapshotDiff> {
        match self {
            Failure::DownDidNotRestore(d) | Failure::ReupDiffers(d) => Some(d),
            Failure::Statement { .. } | Failure::InvalidIndex { .. } => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let indented = |f: &mut fmt::Formatter<'_>, diff: &SnapshotDiff| {
            for line in diff.to_string().lines() {
                write!(f, "\n    {line}")?;
            }
            Ok(())
        };
        match self {
            Failure::DownDidNotRestore(diff) => {
                f.write_str(
                    "the down did not restore the schema from before the up \
                     (- missing after the down, + left by the down, ~ changed):",
                )?;
                indented(f, diff)
            }
            Failure::ReupDiffers(diff) => {
                f.write_str(
                    "applying the up again after the down gave another schema than the first up \
                     (- only after the first up, + only after the second, ~ changed):",
                )?;
                indented(f, diff)
            }
            Failure::Statement { phase, failure } => {
                write!(f, "the {phase} failed: {failure}")
            }
            Failure::InvalidIndex { phase, index } => write!(
                f,
                "the {phase} failed: the index {index} is invalid after being built concurrently"
            ),
        }
    }
}

/// Which application of a migration failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The first up.
    Up,
    /// The down.
    Down,
    /// The up applied again after the down.
    Reup,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Up => "up",
            Phase::Down => "down",
            Phase::Reup => "second up",
        })
    }
}

#[cfg(test)]
// Ids are written as in `#[migration(id = 20250101_000400)]`.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn each_line_names_the_id_as_in_the_attribute() {
        let check = |outcome| {
            MigrationCheck {
                id: 20261121_090800,
                name: "drop_split_names".into(),
                outcome,
            }
            .to_string()
        };
        assert_eq!(
            check(Outcome::Passed),
            "ok       20261121_090800 drop_split_names"
        );
        assert!(check(Outcome::SkippedIrreversible).starts_with("skipped  20261121_090800 "));
        assert!(
            check(Outcome::Failed(Failure::DownDidNotRestore(
                SnapshotDiff::default()
            )))
            .starts_with("FAILED   20261121_090800 drop_split_names: the down did not")
        );
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_verify_report_serializes_each_outcome_as_a_word() {
        let check = |id, outcome| MigrationCheck {
            id,
            name: format!("m{id}"),
            outcome,
        };
        let report = VerifyReport {
            database: "migrate_verify_1".into(),
            migrations: vec![
                check(1, Outcome::Passed),
                check(2, Outcome::SkippedIrreversible),
                check(
                    3,
                    Outcome::Failed(Failure::DownDidNotRestore(SnapshotDiff::default())),
                ),
            ],
            unchecked: 4,
        };
        let failure = Failure::DownDidNotRestore(SnapshotDiff::default()).to_string();
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            json!({
                "database": "migrate_verify_1",
                "migrations": [
                    {"id": 1, "name": "m1", "outcome": "passed", "failure": null},
                    {"id": 2, "name": "m2", "outcome": "skipped-irreversible", "failure": null},
                    {"id": 3, "name": "m3", "outcome": "failed", "failure": failure},
                ],
                "unchecked": 4,
            })
        );
    }
}
