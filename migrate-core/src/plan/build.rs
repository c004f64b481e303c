//! Building a plan: checking a recorded migration and hashing it, deriving or checking its
//! down, rendering both directions; and [`preview`], the same without a registration.

use crate::checksum::Checksum;
use crate::error::{Error, Problem};

use crate::migration::{Migration, Recorded};
use crate::mode::Mode;
use crate::registry::{Down, Registration};
use crate::step::Step;

use super::check::check;
use super::{Direction, MigrationPlan};

/// Plans a migration function directly, without registering it: for tests, docs and
/// previews. A [`Reversible`](crate::Reversible) function gets its derived down; a
/// [`Manual`](crate::Manual) one gets none.
///
/// ```
/// use migrate_core::prelude::*;
/// fn add_bio(m: &mut Migration) {
///     m.add_column("users", "bio", Text).not_null().default("");
/// }
/// let plan = migrate_core::plan::preview(add_bio).unwrap();
/// assert_eq!(plan.up_sql(), [r#"ALTER TABLE "users" ADD COLUMN "bio" text NOT NULL DEFAULT ''"#]);
/// assert_eq!(plan.down_sql(), [r#"ALTER TABLE "users" DROP COLUMN "bio""#]);
/// ```
pub fn preview<M: Mode>(f: fn(&mut Migration<M>)) -> Result<MigrationPlan, Error> {
    fn noop(_: &mut Migration<crate::Manual>) {}
    // A throwaway registration; `up` is replaced by the recorded steps below.
    let mut m = Migration::<M>::new();
    f(&mut m);
    let recorded = m.finish();
    let registration = Registration {
        id: 0,
        name: "preview",
        file: file!(),
        line: line!(),
        module_path: module_path!(),
        up: crate::registry::Up::Manual(noop),
        down: if M::AUTO_DOWN {
            Down::Auto
        } else {
            Down::Irreversible
        },
    };
    plan_recorded(&registration, recorded)
}

pub(super) fn plan_recorded(
    registration: &Registration,
    recorded: Recorded,
) -> Result<MigrationPlan, Error> {
    let checksum = validate(registration, &recorded)?;
    plan_checked(registration, recorded, checksum)
}

/// Checks a recorded migration (names, lists, allowances) and returns its checksum:
/// everything a run needs to know before it plans.
pub(super) fn validate(
    registration: &Registration,
    recorded: &Recorded,
) -> Result<Checksum, Error> {
    let mut problems = check(&recorded.steps);
    for allowance in &recorded.settings.allowed {
        if allowance.step.is_none() {
            problems.push(Problem {
                step: 0,
                kind: "allow",
                down: false,
                message: format!(
                    "`allow({:?}, ..)` comes before any step: it acknowledges the step \
                     recorded just before it, so put it right after that step",
                    allowance.rule,
                ),
            });
        }
        if allowance.reason.trim().is_empty() {
            problems.push(Problem {
                step: 0,
                kind: "allow",
                down: false,
                message: format!(
                    "`allow({:?}, ..)` needs a reason: say why breaking `{}` is fine here",
                    allowance.rule,
                    allowance.rule.code()
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::InvalidMigration {
            id: registration.id,
            name: registration.name.to_owned(),
            problems,
        });
    }
    Ok(Checksum::of_steps(&recorded.steps))
}

/// Plans a validated migration: derives or records its down, renders both directions.
fn plan_checked(
    registration: &Registration,
    recorded: Recorded,
    checksum: Checksum,
) -> Result<MigrationPlan, Error> {
    let id = registration.id;
    let name = registration.name;
    let down = match registration.down {
        Down::Auto => {
            Some(
                derive_down(&recorded.steps).map_err(|(step, kind)| Error::NotReversible {
                    id,
                    name: name.to_owned(),
                    step,
                    kind,
                })?,
            )
        }
        Down::Manual(f) => {
            // A derived down is built from checked steps; only a hand-written one needs
            // its own check.
            let steps = f().steps;
            let problems: Vec<Problem> = check(&steps)
                .into_iter()
                .map(|mut p| {
                    p.down = true;
                    p
                })
                .collect();
            if !problems.is_empty() {
                return Err(Error::InvalidMigration {
                    id,
                    name: name.to_owned(),
                    problems,
                });
            }
            Some(steps)
        }
        Down::Irreversible => None,
    };
    let Recorded { steps, settings } = recorded;
    Ok(MigrationPlan {
        id,
        name,
        location: registration.location(),
        checksum,
        settings,
        up: Direction::build(steps),
        down: down.map(Direction::build),
    })
}

/// The inverse of a list of steps: each step's inverse, in reverse order. On failure,
/// the index and kind of the first step without an inverse.
pub(crate) fn derive_down(steps: &[Step]) -> Result<Vec<Step>, (usize, &'static str)> {
    let mut down = Vec::new();
    for (index, step) in steps.iter().enumerate().rev() {
        down.extend(step.inverse().ok_or((index, step.kind()))?);
    }
    Ok(down)
}
