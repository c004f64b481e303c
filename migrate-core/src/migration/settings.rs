//! A migration's own settings: `lock_timeout`, `statement_timeout`, and `allow` (acknowledging a
//! lint finding).

use std::time::Duration;

use crate::mode::Mode;
use crate::step::Allowance;

use super::Migration;

impl<M: Mode> Migration<M> {
    /// `lock_timeout` for this migration, over the runner's default. A statement
    /// that waits longer than this for a lock fails and the runner retries it.
    pub fn lock_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.recorded.settings.lock_timeout = Some(timeout);
        self
    }

    /// `statement_timeout` for this migration, over the runner's default.
    pub fn statement_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.recorded.settings.statement_timeout = Some(timeout);
        self
    }

    /// Acknowledges that the step recorded just before breaks a
    /// [safety rule](crate::lint::Rule), with the reason, so that step's finding no
    /// longer blocks `up`. The reason is shown by `migrate lint` and stays visible in
    /// code review, next to the step it covers.
    ///
    /// Only that step is covered: another step breaking the same rule needs its own
    /// acknowledgement. Chain it onto a step that returns the migration
    /// (`m.rename_column(..).allow(..)`), or put it on the line right after a step
    /// that returns a builder. Before any step it is an error, reported when the
    /// migration is planned. Inside [`reversible`](Self::reversible), it covers the
    /// whole block (the block is one step); in its `down` closure it is ignored (the
    /// way down is not linted).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// fn rename(m: &mut Migration) {
    ///     m.rename_column("posts", "body", "content")
    ///         .allow(Rule::BreakingChange, "no release reads `body` since v2.3");
    ///     m.add_column("users", "n", BigInt).identity();
    ///     m.allow(Rule::RewritingAddColumn, "users has 12 rows");
    ///     m.rename_column("posts", "title", "headline"); // not acknowledged
    /// }
    /// let plan = migrate_core::plan::preview(rename).unwrap();
    /// let findings = migrate_core::lint::lint_plan(&plan);
    /// assert_eq!(findings.len(), 3);
    /// assert!(findings[0].allowed.is_some());
    /// assert!(findings[1].allowed.is_some());
    /// assert!(findings[2].blocks());
    /// ```
    pub fn allow(&mut self, rule: crate::rule::Rule, reason: impl Into<String>) -> &mut Self {
        let step = self.recorded.steps.len().checked_sub(1);
        self.recorded.settings.allowed.push(Allowance {
            rule,
            step,
            reason: reason.into(),
        });
        self
    }
}
