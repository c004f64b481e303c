//! Hand-written pairs: `reversible(up, down)`, how a data change or raw SQL gets its way
//! back, and the [`UncheckedSql`] builder. (`unchecked_sql` itself needs the migration's
//! mode and is with [`Migration`] in the parent module.)

use crate::mode::{Manual, Mode};
use crate::step::{Allowance, Step, UncheckedSql};

use super::Migration;

impl<M: Mode> Migration<M> {
    /// Steps with their hand-written inverse, usable in any migration: `up` records
    /// the way up, `down` the way down. This is how a data change or raw SQL gets a
    /// reverse.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn normalize(m: &mut Migration) {
    ///     m.reversible(
    ///         |up| { up.update("users").set("email", Expr::cust("lower(email)")); },
    ///         |down| { down.unchecked_sql("SELECT 1"); },
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(normalize).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"UPDATE "users" SET "email" = lower(email)"#]);
    /// assert_eq!(plan.down_sql(), ["SELECT 1"]);
    /// ```
    pub fn reversible(
        &mut self,
        up: impl FnOnce(&mut Migration<Manual>),
        down: impl FnOnce(&mut Migration<Manual>),
    ) -> &mut Self {
        let mut up_rec = Migration::<Manual>::new();
        up(&mut up_rec);
        let mut down_rec = Migration::<Manual>::new();
        down(&mut down_rec);
        // An acknowledgement inside the way up covers the block, the step linted.
        let block = self.recorded.steps.len();
        let allowed = up_rec
            .recorded
            .settings
            .allowed
            .into_iter()
            .map(|a| Allowance {
                step: a.step.map(|_| block),
                ..a
            });
        self.recorded.settings.allowed.extend(allowed);
        self.push(Step::Reversible {
            up: up_rec.recorded.steps,
            down: down_rec.recorded.steps,
        });
        self
    }
}

impl UncheckedSql {
    /// Runs it outside any transaction, alone: for statements PostgreSQL refuses in a
    /// transaction block, such as `CREATE INDEX CONCURRENTLY` or `VACUUM`.
    pub fn outside_transaction(&mut self) -> &mut Self {
        self.transactional = false;
        self
    }
}
