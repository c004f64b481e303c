//! How a step becomes statements: its phases, and the online protocols (`NOT VALID` then
//! `VALIDATE`, `SET NOT NULL` through a validated check) chosen where the table already
//! exists. [`Direction`](super::Direction) groups the phases into units.

use std::collections::BTreeSet;

use crate::ident::{Ident, MAX_IDENT_BYTES, ObjectName};
use crate::render;
use crate::step::{ConstraintDef, ConstraintKind, DataMove, Step};

use super::Execution;

/// One statement of a step, as planned.
pub(super) struct Phase {
    pub(super) sql: String,
    /// May run inside a transaction.
    pub(super) transactional: bool,
    /// Runs in a transaction of its own, committed before anything else runs.
    pub(super) isolated: bool,
    /// How it runs; consistent with `transactional`.
    pub(super) execution: Execution,
}

impl Phase {
    /// The phases of a leaf step (never [`Step::Reversible`], which [`phases`]
    /// opens).
    fn of(step: &Step) -> Vec<Phase> {
        let transactional = step.transactional();
        let isolated = matches!(step, Step::ValidateConstraint { .. });
        let execution = Execution::of(step);
        render::step(step)
            .into_iter()
            .map(|sql| Phase {
                sql,
                transactional,
                isolated,
                execution: execution.clone(),
            })
            .collect()
    }
}

/// Plans a step into statements, choosing the online protocol where the table already
/// exists (was not created earlier in the same direction):
///
/// - a foreign key or check is added `NOT VALID` (a brief lock), committed, then
///   validated in a transaction of its own, which does not block writes (SAFETY rule 6);
/// - `SET NOT NULL` goes through a `CHECK (col IS NOT NULL) NOT VALID`, validated in
///   its own transaction, so the `SET NOT NULL` that follows skips its scan
///   (PostgreSQL 12+), and the check is dropped (rule 7);
/// - `VALIDATE CONSTRAINT` always runs in a transaction of its own.
pub(super) fn phases(step: &Step, created: &mut BTreeSet<ObjectName>) -> Vec<Phase> {
    match step {
        Step::Reversible { up, .. } => up.iter().flat_map(|s| phases(s, created)).collect(),
        Step::CreateTable(def) => {
            created.insert(def.name.clone());
            Phase::of(step)
        }
        // A table created empty is new; created with a query's rows it has rows, and
        // constraints added to it are validated online like on any existing table.
        Step::DataMove(DataMove::CreateTableAs(def)) => {
            if def.with_no_data {
                created.insert(def.name.clone());
            }
            Phase::of(step)
        }
        Step::AddConstraint { table, constraint }
            if !created.contains(table)
                && !constraint.not_valid
                && matches!(
                    constraint.kind,
                    ConstraintKind::ForeignKey(_) | ConstraintKind::Check(_)
                ) =>
        {
            let Some(name) = constraint.name.clone() else {
                return Phase::of(step);
            };
            let mut not_valid = constraint.clone();
            not_valid.not_valid = true;
            let mut out = Phase::of(&Step::AddConstraint {
                table: table.clone(),
                constraint: not_valid,
            });
            out.extend(Phase::of(&Step::ValidateConstraint {
                table: table.clone(),
                name,
            }));
            out
        }
        Step::SetNullability {
            table,
            column,
            not_null: true,
        } if !created.contains(table) => {
            let check = not_null_check_name(table, column);
            let mut out = Phase::of(&Step::AddConstraint {
                table: table.clone(),
                constraint: ConstraintDef {
                    not_valid: true,
                    ..ConstraintDef::new(
                        Some(check.clone()),
                        ConstraintKind::Check(
                            sea_query::ExprTrait::is_not_null(sea_query::Expr::col(
                                column.as_str().to_owned(),
                            ))
                            .into(),
                        ),
                    )
                },
            });
            out.extend(Phase::of(&Step::ValidateConstraint {
                table: table.clone(),
                name: check.clone(),
            }));
            out.extend(Phase::of(step));
            out.extend(Phase::of(&Step::DropConstraint {
                table: table.clone(),
                name: check,
                definition: None,
            }));
            out
        }
        _ => Phase::of(step),
    }
}

/// Suffix of the temporary check behind an online `SET NOT NULL`.
///
/// PostgreSQL names a constraint it creates itself `<table>_<column>_<label>`, with a
/// number appended on a clash, and the label is one of `pkey`, `key`, `fkey`, `check`,
/// `excl` or (PostgreSQL 18, which catalogues `NOT NULL` as a constraint) `not_null`.
/// A name ending in `_tmp` is none of these, so the check can never take the name
/// that `SET NOT NULL` gives its constraint on PostgreSQL 18 (which would then become
/// `<table>_<column>_not_null1`, a catalog the plain statement would not leave).
const NOT_NULL_CHECK_SUFFIX: &str = "_not_null_tmp";

/// Name of the temporary check behind an online `SET NOT NULL`:
/// `<table>_<column>_not_null_tmp`, the `<table>_<column>` part cut on a character
/// boundary so the whole fits in PostgreSQL's 63 bytes and keeps its suffix.
fn not_null_check_name(table: &ObjectName, column: &Ident) -> Ident {
    let mut stem = format!("{}_{}", table.name, column);
    while stem.len() + NOT_NULL_CHECK_SUFFIX.len() > MAX_IDENT_BYTES {
        stem.pop();
    }
    Ident::new(stem + NOT_NULL_CHECK_SUFFIX)
}

#[cfg(test)]
mod tests {
    use crate::plan::*;
    use crate::prelude::*;

    #[test]
    fn mixed_migrations_split_into_units() {
        fn mixed(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", BigInt);
            });
            m.add_column("t", "a", Text);
            m.create_index_concurrently("i", "t", ["a"]);
            m.add_column("t", "b", Text);
        }
        let plan = preview(mixed).unwrap();
        let shape: Vec<_> = plan
            .up
            .units
            .iter()
            .map(|u| match u {
                Unit::Transaction(s) => ("tx", s.len()),
                Unit::Alone(_) => ("alone", 1),
            })
            .collect();
        assert_eq!(shape, [("tx", 2), ("alone", 1), ("tx", 1)]);
        assert!(!plan.up.is_transactional());
        let down_shape: Vec<_> = plan
            .down
            .as_ref()
            .unwrap()
            .units
            .iter()
            .map(|u| u.statements().len())
            .collect();
        assert_eq!(down_shape, [1, 1, 2]);
    }

    fn unit_sql(direction: &Direction) -> Vec<Vec<&str>> {
        direction
            .units
            .iter()
            .map(|u| u.statements().iter().map(|s| s.sql.as_str()).collect())
            .collect()
    }

    #[test]
    fn constraints_on_existing_tables_are_validated_in_their_own_transaction() {
        fn fk(m: &mut Migration) {
            m.add_column("posts", "editor_id", BigInt);
            m.add_foreign_key("posts", "posts_editor_fk", ["editor_id"], "users", ["id"]);
            m.add_column("posts", "x", Text);
        }
        let plan = preview(fk).unwrap();
        assert_eq!(
            unit_sql(&plan.up),
            [
                vec![
                    r#"ALTER TABLE "posts" ADD COLUMN "editor_id" bigint"#,
                    r#"ALTER TABLE "posts" ADD CONSTRAINT "posts_editor_fk" FOREIGN KEY ("editor_id") REFERENCES "users" ("id") NOT VALID"#,
                ],
                vec![r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_editor_fk""#],
                vec![r#"ALTER TABLE "posts" ADD COLUMN "x" text"#],
            ]
        );
        assert!(!plan.up.is_transactional());
        // The down is a plain drop, in one transaction.
        assert!(plan.down.as_ref().unwrap().is_transactional());
    }

    #[test]
    fn constraints_on_tables_created_in_the_migration_are_added_at_once() {
        fn fresh(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("a", BigInt);
            });
            m.add_check("t", "t_a_positive", Expr::col("a").gt(0));
            m.set_not_null("t", "a");
        }
        let plan = preview(fresh).unwrap();
        assert_eq!(plan.up.units.len(), 1);
        assert!(plan.up.is_transactional());
        assert_eq!(
            plan.up_sql()[1..],
            [
                r#"ALTER TABLE "t" ADD CONSTRAINT "t_a_positive" CHECK ("a" > 0)"#,
                r#"ALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL"#,
            ]
        );
    }

    #[test]
    fn set_not_null_on_an_existing_table_goes_through_a_validated_check() {
        fn not_null(m: &mut Migration) {
            m.set_not_null("users", "email");
        }
        let plan = preview(not_null).unwrap();
        assert_eq!(
            unit_sql(&plan.up),
            [
                vec![
                    r#"ALTER TABLE "users" ADD CONSTRAINT "users_email_not_null_tmp" CHECK ("email" IS NOT NULL) NOT VALID"#
                ],
                vec![r#"ALTER TABLE "users" VALIDATE CONSTRAINT "users_email_not_null_tmp""#],
                vec![
                    r#"ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL"#,
                    r#"ALTER TABLE "users" DROP CONSTRAINT "users_email_not_null_tmp""#,
                ],
            ]
        );
        assert_eq!(
            plan.down_sql(),
            [r#"ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL"#]
        );
    }

    #[test]
    fn the_temporary_check_name_fits_in_63_bytes() {
        fn long(m: &mut Migration) {
            m.set_not_null("a".repeat(40).as_str(), "b".repeat(40).as_str());
        }
        let plan = preview(long).unwrap();
        let first = plan.up_sql()[0];
        let name = first.split('"').nth(3).unwrap();
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_not_null_tmp"), "{name}");
    }
}
