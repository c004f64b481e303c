//! `reset`: every applied migration reverted (newest first), then every migration
//! applied, in one locked run; or the history table's schema dropped and recreated
//! empty, then every migration applied. Everything is checked (the history, the lint
//! gate, the pre-flight) before the first change.

use crate::error::Error;
use crate::history::AppliedMigration;
use crate::reconcile::{self, Checks, DownTarget, Target};
use crate::report::RunDirection;

use super::Run;

/// How `reset` gets back to an empty schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ResetMode {
    /// Each applied migration's down, newest first.
    Revert,
    /// `DROP SCHEMA .. CASCADE` of the history table's schema, then `CREATE SCHEMA`.
    RecreateSchema,
}

impl Run<'_> {
    /// Runs `reset` on the history read under the lock.
    pub(super) async fn reset(
        &mut self,
        applied: &[AppliedMigration],
        mode: ResetMode,
    ) -> Result<(), Error> {
        // After the revert (or the drop) nothing is recorded: every migration is
        // pending, from its first unit.
        let again = reconcile::up_work(self.headers(), &[], Target::Latest)?;
        let back = match mode {
            ResetMode::Revert => {
                self.refuse_unrevertible(applied)?;
                // Unknown row states are refused here (missing rows were above).
                reconcile::verify(
                    self.headers(),
                    applied,
                    Checks {
                        modified: false,
                        out_of_order: false,
                    },
                )?;
                let back = reconcile::down_work(self.headers(), applied, DownTarget::All)?;
                let checked = self.plan_work(&back, RunDirection::Down)?;
                self.check_resumable(applied, &back, &checked)?;
                self.preflight(&checked).await?;
                (back, checked)
            }
            ResetMode::RecreateSchema => (Vec::new(), self.plan_work(&[], RunDirection::Down)?),
        };
        let (back, checked_back) = back;
        let checked_again = self.plan_work(&again, RunDirection::Up)?;
        self.lint_gate(&checked_again)?;
        self.preflight(&checked_again).await?;
        match mode {
            ResetMode::Revert => {
                self.live_preflight(&[&checked_back, &checked_again])
                    .await?;
                for w in back {
                    self.run_one(w, RunDirection::Down).await?;
                }
            }
            ResetMode::RecreateSchema => {
                let schema = self.history().quoted_schema();
                let sql = format!(
                    "BEGIN;\nDROP SCHEMA IF EXISTS {schema} CASCADE;\nCREATE SCHEMA {schema};\nCOMMIT"
                );
                self.batch(&sql, "dropping and recreating the schema")
                    .await?;
                tracing::info!(schema = self.history().schema(), "schema recreated");
                self.cursors.clear();
                self.create_history().await?;
                self.live_preflight(&[&checked_again]).await?;
            }
        }
        for w in again {
            self.run_one(w, RunDirection::Up).await?;
        }
        Ok(())
    }

    /// Refuses, naming them all, the applied migrations whose down cannot faithfully
    /// undo what ran: irreversible ones, ones missing from the code and modified ones.
    fn refuse_unrevertible(&self, applied: &[AppliedMigration]) -> Result<(), Error> {
        let mut irreversible = Vec::new();
        let mut missing = Vec::new();
        let mut modified = Vec::new();
        let mut rows: Vec<&AppliedMigration> = applied.iter().collect();
        rows.sort_by_key(|a| a.id);
        for row in rows {
            match self.headers().binary_search_by_key(&row.id, |h| h.id) {
                Err(_) => missing.push((row.id, row.name.clone())),
                Ok(index) => {
                    let header = &self.headers()[index];
                    if !header.reversible {
                        irreversible.push((header.id, header.name.to_owned()));
                    } else if !row.has_checksum(&header.checksum) {
                        modified.push((header.id, header.name.to_owned()));
                    }
                }
            }
        }
        if irreversible.is_empty() && missing.is_empty() && modified.is_empty() {
            return Ok(());
        }
        Err(Error::ResetRefused {
            irreversible,
            missing,
            modified,
        })
    }
}
