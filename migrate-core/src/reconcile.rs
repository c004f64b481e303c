//! Reconciling the code's migrations with the history table, before anything runs.
//!
//! Pure functions over plans and history rows: they decide what a run would do and
//! refuse, with typed errors naming every id concerned, when the two disagree.

use crate::Checksum;
use crate::error::Error;
use crate::history::{APPLIED, APPLYING, AppliedMigration, BASELINED, REVERTING, Summary};
use crate::plan::Header;
use crate::report::{MigrationState, MigrationStatus};

/// How far `up` goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    /// Every pending migration.
    #[default]
    Latest,
    /// Pending migrations up to and including this id.
    To(i64),
}

/// How far `down` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownTarget {
    /// The newest `n` applied migrations.
    Steps(usize),
    /// Every applied migration newer than this id (this one stays applied).
    To(i64),
    /// Every applied migration.
    All,
}

impl Default for DownTarget {
    /// One step.
    fn default() -> Self {
        DownTarget::Steps(1)
    }
}

/// Which consistency checks an operation needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checks {
    pub(crate) modified: bool,
    pub(crate) out_of_order: bool,
}

/// One migration an operation will run: its index in the plans and the units an
/// earlier interrupted run already did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Work {
    pub(crate) index: usize,
    pub(crate) resume_from: usize,
    /// Whether a history row exists already (an interrupted non-transactional run).
    pub(crate) has_row: bool,
}

/// A migration of the code beside its history row, or a row the code lacks.
enum Pair<'a> {
    /// In the code (at this index of the headers), not recorded.
    Pending(usize, &'a Header),
    /// In the code and recorded.
    Recorded(usize, &'a Header, &'a AppliedMigration),
    /// Recorded, no longer in the code.
    Missing(&'a AppliedMigration),
}

/// The code's migrations and the history rows side by side, by ascending id: one
/// merge pass over the headers (sorted by id, ids unique) and the rows (ids unique:
/// the history's primary key; sorted here unless they already are, as a read
/// returns them).
fn joined<'a>(plans: &'a [Header], applied: &'a [AppliedMigration]) -> Vec<Pair<'a>> {
    let mut rows: Vec<&AppliedMigration> = applied.iter().collect();
    if !rows.is_sorted_by_key(|a| a.id) {
        rows.sort_by_key(|a| a.id);
    }
    let mut out = Vec::with_capacity(plans.len().max(rows.len()));
    let mut plans = plans.iter().enumerate().peekable();
    let mut rows = rows.into_iter().peekable();
    loop {
        let pair = match (plans.peek().copied(), rows.peek().copied()) {
            (Some((index, plan)), Some(row)) if plan.id == row.id => {
                plans.next();
                rows.next();
                Pair::Recorded(index, plan, row)
            }
            (Some((index, plan)), Some(row)) if plan.id < row.id => {
                plans.next();
                Pair::Pending(index, plan)
            }
            (_, Some(row)) => {
                rows.next();
                Pair::Missing(row)
            }
            (Some((index, plan)), None) => {
                plans.next();
                Pair::Pending(index, plan)
            }
            (None, None) => return out,
        };
        out.push(pair);
    }
}

/// Refuses modified, missing and (when asked) out-of-order migrations.
pub(crate) fn verify(
    plans: &[Header],
    applied: &[AppliedMigration],
    checks: Checks,
) -> Result<(), Error> {
    if let Some(row) = applied
        .iter()
        .find(|a| ![APPLIED, BASELINED, APPLYING, REVERTING].contains(&a.state.as_str()))
    {
        return Err(Error::InconsistentHistory {
            id: row.id,
            name: row.name.clone(),
            state: row.state.clone(),
            units_done: row.units_done,
            problem: "this runner knows the states `applied`, `baselined`, `applying` and \
                      `reverting` only, and will not guess what this one means",
            hint: "a newer version of migrate, another tool or a manual edit wrote it: check \
                   the schema by hand, then set the row's state to `applied` if the migration \
                   ran in full, or delete the row if it did not, and run again"
                .to_owned(),
        });
    }
    let pairs = joined(plans, applied);
    let missing: Vec<i64> = pairs
        .iter()
        .filter_map(|pair| match pair {
            Pair::Missing(row) => Some(row.id),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        return Err(Error::Missing { ids: missing });
    }
    if checks.modified {
        let modified = modified_in(&pairs);
        if !modified.is_empty() {
            return Err(Error::Modified { ids: modified });
        }
    }
    if checks.out_of_order {
        let late = out_of_order(&pairs);
        if !late.is_empty() {
            return Err(Error::OutOfOrder { ids: late });
        }
    }
    Ok(())
}

/// Ids recorded with a checksum other than the code's.
pub(crate) fn modified(plans: &[Header], applied: &[AppliedMigration]) -> Vec<i64> {
    modified_in(&joined(plans, applied))
}

fn modified_in(pairs: &[Pair<'_>]) -> Vec<i64> {
    pairs
        .iter()
        .filter_map(|pair| match pair {
            Pair::Recorded(_, plan, row) if !row.has_checksum(&plan.checksum) => Some(plan.id),
            _ => None,
        })
        .collect()
}

/// Pending ids lower than the newest recorded one.
fn out_of_order(pairs: &[Pair<'_>]) -> Vec<i64> {
    let newest = pairs.iter().rev().find_map(|pair| match pair {
        Pair::Recorded(_, _, row) | Pair::Missing(row) => Some(row.id),
        Pair::Pending(..) => None,
    });
    let Some(newest) = newest else {
        return Vec::new();
    };
    pairs
        .iter()
        .filter_map(|pair| match pair {
            Pair::Pending(_, plan) if plan.id < newest => Some(plan.id),
            _ => None,
        })
        .collect()
}

fn incomplete(row: &AppliedMigration, hint: &'static str) -> Error {
    Error::Incomplete {
        id: row.id,
        name: row.name.clone(),
        state: row.state.clone(),
        units_done: row.units_done,
        hint,
    }
}

fn units_done(row: &AppliedMigration) -> usize {
    usize::try_from(row.units_done).unwrap_or(0)
}

/// The migrations `up` applies, in order: pending ones up to the target, and an
/// interrupted one (`applying`) resumed where it stopped.
pub(crate) fn up_work(
    plans: &[Header],
    applied: &[AppliedMigration],
    target: Target,
) -> Result<Vec<Work>, Error> {
    if let Target::To(id) = target
        && !plans.iter().any(|p| p.id == id)
    {
        return Err(Error::UnknownTarget { id });
    }
    if let Some(row) = applied.iter().find(|a| a.state == REVERTING) {
        return Err(incomplete(
            row,
            "it was being reverted: run `down` again to finish reverting it",
        ));
    }
    let mut work = Vec::new();
    for pair in joined(plans, applied) {
        let (index, plan, row) = match pair {
            Pair::Pending(index, plan) => (index, plan, None),
            Pair::Recorded(index, plan, row) => (index, plan, Some(row)),
            Pair::Missing(_) => continue,
        };
        if let Target::To(id) = target
            && plan.id > id
        {
            break;
        }
        match row {
            None => work.push(Work {
                index,
                resume_from: 0,
                has_row: false,
            }),
            Some(row) if row.state == APPLYING => work.push(Work {
                index,
                resume_from: units_done(row),
                has_row: true,
            }),
            Some(_) => {}
        }
    }
    Ok(work)
}

/// SHA-256 of `id:checksum` (decimal id, 64 lowercase hex digits) of each migration,
/// in order, joined with `,`: what `HistoryTable::summary_sql` computes over the
/// history rows, here over the code's migrations.
pub(crate) fn history_digest(headers: &[Header]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let mut hasher = Sha256::new();
    let mut item = String::with_capacity(96);
    for (i, header) in headers.iter().enumerate() {
        item.clear();
        if i > 0 {
            item.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(item, "{}:", header.id);
        header.checksum.push_hex(&mut item);
        hasher.update(item.as_bytes());
    }
    hasher.finalize().into()
}

/// How many of the code's migrations, from the first, the history records exactly
/// (their ids and checksums, nothing else, every row finished and without a backfill
/// cursor), when it does: then no check of the history can fail and `up`'s work is
/// the migrations after them ([`up_work_after`]), without reading a row. `None`
/// otherwise: the rows are read and reconciled one by one, to say what is wrong.
pub(crate) fn settled_prefix(headers: &[Header], summary: &Summary) -> Option<usize> {
    if summary.unsettled != 0 {
        return None;
    }
    let Some(max) = summary.max_id else {
        return (summary.count == 0).then_some(0);
    };
    let done = headers.partition_point(|h| h.id <= max);
    if usize::try_from(summary.count).ok()? != done {
        return None;
    }
    let digest = history_digest(&headers[..done]);
    (summary.digest.as_deref() == Some(digest.as_slice())).then_some(done)
}

/// The migrations `up` applies when the history records exactly the first `done`
/// ones ([`settled_prefix`]): the others, up to the target.
pub(crate) fn up_work_after(
    plans: &[Header],
    done: usize,
    target: Target,
) -> Result<Vec<Work>, Error> {
    if let Target::To(id) = target
        && plans.binary_search_by_key(&id, |p| p.id).is_err()
    {
        return Err(Error::UnknownTarget { id });
    }
    Ok(plans
        .iter()
        .enumerate()
        .skip(done)
        .take_while(|(_, plan)| match target {
            Target::Latest => true,
            Target::To(id) => plan.id <= id,
        })
        .map(|(index, _)| Work {
            index,
            resume_from: 0,
            has_row: false,
        })
        .collect())
}

/// Refuses a migration that `work` would resume (a row `applying` or `reverting`)
/// when that direction runs in one transaction: such a migration commits its changes
/// and its row together and is never recorded half done, so the row was not written
/// by this runner and resuming it would run statements whose effects may be there.
/// `transactional(index)` tells whether the direction of the plan at that index runs
/// in one transaction.
pub(crate) fn check_resumable(
    plans: &[Header],
    applied: &[AppliedMigration],
    work: &[Work],
    table: &str,
    mut transactional: impl FnMut(usize) -> Result<bool, Error>,
) -> Result<(), Error> {
    for w in work.iter().filter(|w| w.has_row) {
        let Some(plan) = plans.get(w.index) else {
            continue;
        };
        let Some(row) = applied.iter().find(|a| a.id == plan.id) else {
            continue;
        };
        if !transactional(w.index)? {
            continue;
        }
        let id = row.id;
        return Err(Error::InconsistentHistory {
            id,
            name: row.name.clone(),
            state: row.state.clone(),
            units_done: row.units_done,
            problem: "this migration runs in one transaction, which commits its changes and its \
                      row together: it is never recorded half done, so running it again could \
                      repeat what is already there",
            hint: format!(
                "look at the schema: if the migration's changes are there, mark it done \
                 (UPDATE {table} SET state = 'applied' WHERE id = {id}); if they are not, \
                 delete the row (DELETE FROM {table} WHERE id = {id}); then run again"
            ),
        });
    }
    Ok(())
}

/// The migrations `down` reverts, newest first. Refuses an irreversible one in the
/// range and a half-applied one.
pub(crate) fn down_work(
    plans: &[Header],
    applied: &[AppliedMigration],
    target: DownTarget,
) -> Result<Vec<Work>, Error> {
    if let Some(row) = applied.iter().find(|a| a.state == APPLYING) {
        return Err(incomplete(
            row,
            "it was being applied: run `up` to finish applying it first",
        ));
    }
    if let DownTarget::To(id) = target
        && !plans.iter().any(|p| p.id == id)
        && !applied.iter().any(|a| a.id == id)
    {
        return Err(Error::UnknownTarget { id });
    }
    let mut rows: Vec<&AppliedMigration> = applied.iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    let selected: Vec<&AppliedMigration> = match target {
        DownTarget::Steps(n) => rows.into_iter().take(n).collect(),
        DownTarget::To(id) => rows.into_iter().take_while(|r| r.id > id).collect(),
        DownTarget::All => rows,
    };
    let mut work = Vec::new();
    for row in selected {
        let (index, plan) = match plans.binary_search_by_key(&row.id, |p| p.id) {
            Ok(index) => (index, &plans[index]),
            Err(_) => return Err(Error::Missing { ids: vec![row.id] }),
        };
        if !plan.reversible {
            return Err(Error::Irreversible {
                id: plan.id,
                name: plan.name.to_owned(),
            });
        }
        let reverting = row.state == REVERTING;
        work.push(Work {
            index,
            resume_from: if reverting { units_done(row) } else { 0 },
            has_row: reverting,
        });
    }
    Ok(work)
}

/// Every migration of the code and the history, by id.
pub(crate) fn status(plans: &[Header], applied: &[AppliedMigration]) -> Vec<MigrationStatus> {
    joined(plans, applied)
        .into_iter()
        .map(|pair| match pair {
            Pair::Pending(_, plan) => MigrationStatus {
                id: plan.id,
                name: plan.name.to_owned(),
                state: MigrationState::Pending,
                applied_at: None,
                checksum: plan.checksum,
                recorded_checksum: None,
            },
            Pair::Recorded(_, plan, row) => {
                let same = row.has_checksum(&plan.checksum);
                let state = if !same {
                    MigrationState::Modified
                } else if row.state == APPLIED {
                    MigrationState::Applied
                } else if row.state == BASELINED {
                    MigrationState::Baselined
                } else {
                    // applying, reverting, or a state this runner does not know.
                    MigrationState::Incomplete
                };
                MigrationStatus {
                    id: plan.id,
                    name: plan.name.to_owned(),
                    state,
                    applied_at: Some(row.applied_at),
                    checksum: plan.checksum,
                    recorded_checksum: (!same).then(|| row.checksum.clone()),
                }
            }
            Pair::Missing(row) => MigrationStatus {
                id: row.id,
                name: row.name.clone(),
                state: MigrationState::Missing,
                applied_at: Some(row.applied_at),
                checksum: Checksum::from_hex(&row.checksum).unwrap_or(Checksum([0; 32])),
                recorded_checksum: Some(row.checksum.clone()),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    const APPLIED: &str = "applied";
    use crate::registry::Location;

    fn header(id: i64) -> Header {
        Header {
            id,
            name: "m",
            location: Location {
                file: "f.rs",
                line: 1,
                module_path: "m",
            },
            checksum: Checksum([id as u8; 32]),
            reversible: true,
        }
    }

    fn row(id: i64, state: &str) -> AppliedMigration {
        AppliedMigration {
            id,
            name: "m".into(),
            checksum: Checksum([id as u8; 32]).to_hex(),
            applied_at: SystemTime::UNIX_EPOCH,
            state: state.into(),
            units_done: 1,
            backfill_cursor: None,
        }
    }

    const ALL: Checks = Checks {
        modified: true,
        out_of_order: true,
    };

    #[test]
    fn rows_in_any_order_are_matched_by_id() {
        let plans = [header(1), header(2), header(3), header(5)];
        let applied = [row(3, APPLIED), row(1, APPLIED), row(4, APPLIED)];
        let ids: Vec<(Option<i64>, Option<i64>)> = joined(&plans, &applied)
            .iter()
            .map(|pair| match pair {
                Pair::Pending(_, p) => (Some(p.id), None),
                Pair::Recorded(_, p, r) => (Some(p.id), Some(r.id)),
                Pair::Missing(r) => (None, Some(r.id)),
            })
            .collect();
        assert_eq!(
            ids,
            [
                (Some(1), Some(1)),
                (Some(2), None),
                (Some(3), Some(3)),
                (None, Some(4)),
                (Some(5), None),
            ]
        );
        assert!(matches!(
            verify(&plans, &applied, ALL),
            Err(Error::Missing { ids }) if ids == [4]
        ));
    }

    #[test]
    fn modified_then_out_of_order_are_refused_with_every_id() {
        let plans = [header(1), header(2), header(3), header(4)];
        let mut edited = row(3, APPLIED);
        edited.checksum = Checksum([9; 32]).to_hex();
        let applied = [row(1, APPLIED), edited];
        assert!(matches!(
            verify(&plans, &applied, ALL),
            Err(Error::Modified { ids }) if ids == [3]
        ));
        let applied = [row(1, APPLIED), row(3, APPLIED)];
        assert!(matches!(
            verify(&plans, &applied, ALL),
            Err(Error::OutOfOrder { ids }) if ids == [2]
        ));
        let lenient = Checks {
            modified: true,
            out_of_order: false,
        };
        assert!(verify(&plans, &applied, lenient).is_ok());
    }

    #[test]
    fn up_work_takes_pending_ones_to_the_target_and_resumes_an_interrupted_one() {
        let plans = [header(1), header(2), header(3), header(4)];
        let applied = [row(2, APPLYING), row(1, APPLIED)];
        let work = up_work(&plans, &applied, Target::To(3)).unwrap();
        assert_eq!(
            work,
            [
                Work {
                    index: 1,
                    resume_from: 1,
                    has_row: true
                },
                Work {
                    index: 2,
                    resume_from: 0,
                    has_row: false
                },
            ]
        );
        assert!(matches!(
            up_work(&plans, &applied, Target::To(7)),
            Err(Error::UnknownTarget { id: 7 })
        ));
    }

    #[test]
    fn a_row_in_an_unknown_state_is_refused_and_not_shown_as_applied() {
        let plans = [header(1), header(2)];
        let applied = [row(1, APPLIED), row(2, "frozen")];
        assert!(matches!(
            verify(&plans, &applied, ALL),
            Err(Error::InconsistentHistory { id: 2, state, .. }) if state == "frozen"
        ));
        let states: Vec<MigrationState> =
            status(&plans, &applied).iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [MigrationState::Applied, MigrationState::Incomplete]
        );
    }

    #[test]
    fn status_lists_code_and_history_by_id() {
        let plans = [header(1), header(3)];
        let mut edited = row(3, APPLIED);
        edited.checksum = "not hex".into();
        let applied = [edited, row(2, APPLIED)];
        let states: Vec<(i64, MigrationState)> = status(&plans, &applied)
            .iter()
            .map(|s| (s.id, s.state))
            .collect();
        assert_eq!(
            states,
            [
                (1, MigrationState::Pending),
                (2, MigrationState::Missing),
                (3, MigrationState::Modified),
            ]
        );
    }
    /// The digest the server computes, written out: `id:checksum` joined with `,`.
    fn server_digest(rows: &[(i64, Checksum)]) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let text: Vec<String> = rows
            .iter()
            .map(|(id, sum)| format!("{id}:{}", sum.to_hex()))
            .collect();
        Sha256::digest(text.join(",").as_bytes()).to_vec()
    }

    fn summary(rows: &[(i64, Checksum)], unsettled: i64) -> Summary {
        Summary {
            count: rows.len() as i64,
            max_id: rows.iter().map(|r| r.0).max(),
            digest: (!rows.is_empty()).then(|| server_digest(rows)),
            unsettled,
        }
    }

    #[test]
    fn the_history_digest_is_the_servers_over_the_same_rows() {
        let plans = [header(1), header(20), header(-3)];
        let rows: Vec<(i64, Checksum)> = plans.iter().map(|h| (h.id, h.checksum)).collect();
        assert_eq!(history_digest(&plans).to_vec(), server_digest(&rows));
        // Pinned: SHA-256 of `1:0101..01` (64 digits).
        assert_eq!(
            Checksum(history_digest(&plans[..1])).to_hex(),
            "fcea025848199336be3c03f057a56ec86a448457b805f7eecdf0d6a205ac803c"
        );
    }

    #[test]
    fn a_settled_prefix_is_found_only_when_the_rows_are_exactly_the_first_migrations() {
        let plans = [header(1), header(2), header(3), header(5)];
        let of = |ids: &[i64]| -> Vec<(i64, Checksum)> {
            ids.iter()
                .map(|&id| (id, Checksum([id as u8; 32])))
                .collect()
        };
        assert_eq!(settled_prefix(&plans, &summary(&[], 0)), Some(0));
        assert_eq!(settled_prefix(&plans, &summary(&of(&[1, 2]), 0)), Some(2));
        assert_eq!(
            settled_prefix(&plans, &summary(&of(&[1, 2, 3, 5]), 0)),
            Some(4)
        );
        // A gap (2 pending, out of order), a row the code lacks, a row past the code.
        assert_eq!(settled_prefix(&plans, &summary(&of(&[1, 3]), 0)), None);
        assert_eq!(settled_prefix(&plans, &summary(&of(&[1, 4]), 0)), None);
        assert_eq!(
            settled_prefix(&plans, &summary(&of(&[1, 2, 3, 5, 6]), 0)),
            None
        );
        // A modified checksum.
        let mut edited = of(&[1, 2, 3]);
        edited[1].1 = Checksum([9; 32]);
        assert_eq!(settled_prefix(&plans, &summary(&edited, 0)), None);
        // A row applying, reverting, or with a backfill cursor.
        assert_eq!(settled_prefix(&plans, &summary(&of(&[1, 2]), 1)), None);
        // Rows without their count (the server's count disagrees).
        let mut short = summary(&of(&[1, 2]), 0);
        short.count = 1;
        assert_eq!(settled_prefix(&plans, &short), None);
    }

    #[test]
    fn up_work_after_a_settled_prefix_is_the_rest_up_to_the_target() {
        let plans = [header(1), header(2), header(3), header(5)];
        let ids = |work: Vec<Work>| work.iter().map(|w| plans[w.index].id).collect::<Vec<_>>();
        assert_eq!(
            ids(up_work_after(&plans, 2, Target::Latest).unwrap()),
            [3, 5]
        );
        assert_eq!(
            ids(up_work_after(&plans, 1, Target::To(3)).unwrap()),
            [2, 3]
        );
        assert!(ids(up_work_after(&plans, 4, Target::Latest).unwrap()).is_empty());
        assert!(ids(up_work_after(&plans, 3, Target::To(2)).unwrap()).is_empty());
        assert!(matches!(
            up_work_after(&plans, 0, Target::To(4)),
            Err(Error::UnknownTarget { id: 4 })
        ));
        // The same work as the row-by-row path.
        let applied = [row(1, APPLIED), row(2, APPLIED)];
        assert_eq!(
            up_work_after(&plans, 2, Target::Latest).unwrap(),
            up_work(&plans, &applied, Target::Latest).unwrap()
        );
    }
}
