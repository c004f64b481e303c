//! SQL as `sql ID` and `--dry-run` print it: each migration's statements with their
//! transaction boundaries, the units an interrupted run already did marked as such.

use std::borrow::Cow;

use migrate_core::{
    Direction, DisplayId, MigrationPlan, Migrator, PlannedRun, RunDirection, Unit, render,
};

use super::json;
use super::terminal::out;

/// The SQL of one direction of a migration, with its transaction boundaries. Units
/// before `resume_from` are shown as done.
fn sql_block(
    id: i64,
    name: &str,
    direction: RunDirection,
    dir: &Direction,
    resume_from: usize,
) -> String {
    let kind = if dir.is_transactional() {
        "transaction"
    } else {
        "not one transaction"
    };
    let arrow = match direction {
        RunDirection::Up => "up",
        RunDirection::Down => "down",
    };
    let mut text = format!("-- {} {name} {arrow} ({kind})\n", DisplayId(id));
    if dir.is_transactional() {
        text.push_str("BEGIN;\n");
        for statement in dir.statements() {
            text.push_str(&format!("{}\n", render::terminated(&statement.sql)));
        }
        text.push_str("COMMIT;\n");
        return text;
    }
    for (k, unit) in dir.units.iter().enumerate() {
        if k < resume_from {
            text.push_str(&format!(
                "-- unit {} done by an interrupted run; skipped\n",
                k + 1
            ));
            continue;
        }
        match unit {
            Unit::Transaction(statements) => {
                text.push_str("BEGIN;\n");
                for statement in statements {
                    text.push_str(&format!("{}\n", render::terminated(&statement.sql)));
                }
                text.push_str("COMMIT;\n");
            }
            Unit::Alone(statement) => {
                text.push_str("-- runs outside a transaction\n");
                text.push_str(&format!("{}\n", render::terminated(&statement.sql)));
            }
        }
    }
    text
}

/// `sql ID`: the SQL of one migration.
pub(crate) fn sql(plan: &MigrationPlan, direction: RunDirection, dir: &Direction) {
    out(&sql_block(plan.id, plan.name, direction, dir, 0));
}

/// `--dry-run`: what would run, as SQL (or JSON), changing nothing.
pub(crate) fn dry_run(migrator: &Migrator, planned: &[PlannedRun], json: bool) {
    // The plans, built once each and held while the output is written, by id.
    let mut plans: Vec<(i64, Cow<'_, MigrationPlan>)> = planned
        .iter()
        .filter_map(|run| Some((run.id, migrator.plan(run.id).ok()?)))
        .collect();
    plans.sort_by_key(|(id, _)| *id);
    plans.dedup_by_key(|(id, _)| *id);
    let find = |run: &PlannedRun| {
        let index = plans.binary_search_by_key(&run.id, |(id, _)| *id).ok()?;
        let plan: &MigrationPlan = &plans[index].1;
        let dir = match run.direction {
            RunDirection::Up => Some(&plan.up),
            RunDirection::Down => plan.down.as_ref(),
        }?;
        Some((plan, dir))
    };
    if json {
        json::dry_run(planned, |run| find(run).map(|(_, dir)| dir));
        return;
    }
    if planned.is_empty() {
        out("-- dry run: nothing to do\n");
        return;
    }
    let mut text = String::from(
        "-- dry run: nothing was changed. The runner also records each migration in its \
         history table, in the same transaction.\n",
    );
    for run in planned {
        text.push('\n');
        match find(run) {
            Some((plan, dir)) => {
                text.push_str(&sql_block(
                    plan.id,
                    plan.name,
                    run.direction,
                    dir,
                    run.resume_from,
                ));
            }
            None => {
                text.push_str(&format!("-- {} {}\n", DisplayId(run.id), run.name));
                for sql in &run.sql {
                    text.push_str(&format!("{}\n", render::terminated(sql)));
                }
            }
        }
    }
    out(&text);
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A table created in a transaction, then indexed concurrently, outside one.
    pub(in crate::output) fn table_then_concurrent_index() -> migrate_core::MigrationPlan {
        use migrate_core::prelude::*;
        fn index(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", BigInt).primary_key();
            });
            m.create_index_concurrently("idx_t", "t", ["id"]);
        }
        migrate_core::plan::preview(index).unwrap()
    }

    #[test]
    fn dry_run_shows_transaction_boundaries() {
        let plan = table_then_concurrent_index();
        let text = sql_block(1, "index", RunDirection::Up, &plan.up, 0);
        assert!(
            text.starts_with("-- 1 index up (not one transaction)\nBEGIN;\nCREATE TABLE"),
            "{text}"
        );
        assert!(
            text.contains("COMMIT;\n-- runs outside a transaction\nCREATE INDEX CONCURRENTLY"),
            "{text}"
        );
        let down = plan.down.as_ref().unwrap();
        let text = sql_block(1, "index", RunDirection::Down, down, 1);
        assert!(
            text.contains("-- unit 1 done by an interrupted run; skipped"),
            "{text}"
        );
    }
}
