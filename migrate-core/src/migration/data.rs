//! Data steps' builders: [`UpdateDef`], [`BackfillDef`], [`InsertDef`], [`DeleteDef`]. The
//! methods that record them (`update`, `insert`, `delete`, `backfill`) have no automatic
//! inverse, so they are with [`Migration`] in the parent module, next to the mode that
//! gates them.

use std::time::Duration;

use crate::expr::SqlExpr;
use crate::ident::Ident;
use crate::step::{BackfillDef, DeleteDef, InsertDef, UpdateDef};

impl UpdateDef {
    /// `SET column = value`: a literal or any sea-query expression.
    pub fn set(&mut self, column: impl Into<Ident>, value: impl Into<SqlExpr>) -> &mut Self {
        self.set.push((column.into(), value.into()));
        self
    }

    /// `WHERE ..`; called again, the conditions are combined with `AND`.
    pub fn filter(&mut self, condition: impl Into<SqlExpr>) -> &mut Self {
        self.filter = Some(and(self.filter.take(), condition.into()));
        self
    }
}

impl BackfillDef {
    /// `SET column = value`: a literal or any sea-query expression.
    pub fn set(&mut self, column: impl Into<Ident>, value: impl Into<SqlExpr>) -> &mut Self {
        self.set.push((column.into(), value.into()));
        self
    }

    /// The idempotent predicate: the rows that still need the change. Called again,
    /// the conditions are combined with `AND`.
    pub fn filter(&mut self, condition: impl Into<SqlExpr>) -> &mut Self {
        self.filter = Some(and(self.filter.take(), condition.into()));
        self
    }

    /// The column batches are cut on (default: the table's primary key, which must
    /// then be a single column). It should be indexed and unique, and is compared
    /// with `>` / `<=`: rows where it is `NULL` are never visited.
    pub fn key(&mut self, column: impl Into<Ident>) -> &mut Self {
        self.key = Some(column.into());
        self
    }

    /// Rows in the first batch (default 1,000); later batches adapt towards the
    /// target duration. At least 1.
    pub fn batch_size(&mut self, rows: u64) -> &mut Self {
        self.pacing.batch_size = rows;
        self
    }

    /// The duration each batch aims at (default 40 ms).
    pub fn target_batch_duration(&mut self, duration: Duration) -> &mut Self {
        self.pacing.target_batch_duration = duration;
        self
    }

    /// The sleep between two batches (default 50 ms).
    pub fn pause(&mut self, pause: Duration) -> &mut Self {
        self.pacing.pause = pause;
        self
    }

    /// Whether rows already holding their new values are skipped with
    /// `col IS DISTINCT FROM value` (default `true`). Turn it off when a column's
    /// type has no equality operator (`json`, `point`, `xml`).
    pub fn skip_unchanged(&mut self, skip: bool) -> &mut Self {
        self.skip_unchanged = skip;
        self
    }
}

impl InsertDef {
    /// One row of values, in the order of the columns.
    pub fn values(&mut self, row: impl IntoIterator<Item = impl Into<SqlExpr>>) -> &mut Self {
        self.rows.push(row.into_iter().map(Into::into).collect());
        self
    }

    /// `ON CONFLICT DO NOTHING`: rows that already exist are skipped.
    pub fn on_conflict_do_nothing(&mut self) -> &mut Self {
        self.on_conflict_do_nothing = true;
        self
    }
}

impl DeleteDef {
    /// `WHERE ..`; called again, the conditions are combined with `AND`.
    pub fn filter(&mut self, condition: impl Into<SqlExpr>) -> &mut Self {
        self.filter = Some(and(self.filter.take(), condition.into()));
        self
    }
}

pub(super) fn and(current: Option<SqlExpr>, next: SqlExpr) -> SqlExpr {
    match current {
        Some(SqlExpr(prev)) => SqlExpr(sea_query::ExprTrait::and(prev, next.0)),
        None => next,
    }
}
