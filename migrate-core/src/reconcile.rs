//! Reconciling the code's migrations with the history table, before anything runs.
//!
//! Pure functions over plans and history rows: they decide what a run would do and
//! refuse, with typed errors naming every id concerned, when the two disagree.

use crate::Checksum;
use crate::error::Error;
use crate::history::{APPLYING, AppliedMigration, REVERTING};
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

/// Refuses modified, missing and (when asked) out-of-order migrations.
pub(crate) fn verify(
    plans: &[Header],
    applied: &[AppliedMigration],
    checks: Checks,
) -> Result<(), Error> {
    let missing: Vec<i64> = applied
        .iter()
        .filter(|a| header(plans, a.id).is_none())
        .map(|a| a.id)
        .collect();
    if !missing.is_empty() {
        return Err(Error::Missing { ids: missing });
    }
    if checks.modified {
        let modified = modified(plans, applied);
        if !modified.is_empty() {
            return Err(Error::Modified { ids: modified });
        }
    }
    if checks.out_of_order {
        let late = out_of_order(plans, applied);
        if !late.is_empty() {
            return Err(Error::OutOfOrder { ids: late });
        }
    }
    Ok(())
}

/// Ids recorded with a checksum other than the code's.
pub(crate) fn modified(plans: &[Header], applied: &[AppliedMigration]) -> Vec<i64> {
    applied
        .iter()
        .filter(|a| header(plans, a.id).is_some_and(|p| !a.has_checksum(&p.checksum)))
        .map(|a| a.id)
        .collect()
}

/// Pending ids lower than the newest recorded one.
pub(crate) fn out_of_order(plans: &[Header], applied: &[AppliedMigration]) -> Vec<i64> {
    let Some(newest) = applied.iter().map(|a| a.id).max() else {
        return Vec::new();
    };
    let rows = Rows::new(applied);
    plans
        .iter()
        .filter(|p| p.id < newest && rows.get(p.id).is_none())
        .map(|p| p.id)
        .collect()
}

/// The header with this id (`plans` is sorted by id, ids unique).
fn header(plans: &[Header], id: i64) -> Option<&Header> {
    plans
        .binary_search_by_key(&id, |p| p.id)
        .ok()
        .and_then(|i| plans.get(i))
}

/// History rows by id (read `ORDER BY id`, so sorting is a single pass).
struct Rows<'a>(Vec<&'a AppliedMigration>);

impl<'a> Rows<'a> {
    fn new(applied: &'a [AppliedMigration]) -> Self {
        let mut rows: Vec<&AppliedMigration> = applied.iter().collect();
        rows.sort_by_key(|a| a.id);
        Self(rows)
    }

    fn get(&self, id: i64) -> Option<&'a AppliedMigration> {
        self.0
            .binary_search_by_key(&id, |a| a.id)
            .ok()
            .and_then(|i| self.0.get(i).copied())
    }
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
    let rows = Rows::new(applied);
    let mut work = Vec::new();
    for (index, plan) in plans.iter().enumerate() {
        if let Target::To(id) = target
            && plan.id > id
        {
            break;
        }
        match rows.get(plan.id) {
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
    let rows = Rows::new(applied);
    let mut out: Vec<MigrationStatus> = plans
        .iter()
        .map(|plan| {
            let row = rows.get(plan.id);
            let state = match row {
                None => MigrationState::Pending,
                Some(r) if !r.has_checksum(&plan.checksum) => MigrationState::Modified,
                Some(r) if r.state == APPLYING || r.state == REVERTING => {
                    MigrationState::Incomplete
                }
                Some(r) if r.state == crate::history::BASELINED => MigrationState::Baselined,
                Some(_) => MigrationState::Applied,
            };
            MigrationStatus {
                id: plan.id,
                name: plan.name.to_owned(),
                state,
                applied_at: row.map(|r| r.applied_at),
                checksum: plan.checksum,
                recorded_checksum: row
                    .filter(|r| !r.has_checksum(&plan.checksum))
                    .map(|r| r.checksum.clone()),
            }
        })
        .collect();
    for row in applied {
        if header(plans, row.id).is_none() {
            out.push(MigrationStatus {
                id: row.id,
                name: row.name.clone(),
                state: MigrationState::Missing,
                applied_at: Some(row.applied_at),
                checksum: Checksum::from_hex(&row.checksum).unwrap_or(Checksum([0; 32])),
                recorded_checksum: Some(row.checksum.clone()),
            });
        }
    }
    out.sort_by_key(|s| s.id);
    out
}
