//! The subjects: this crate's steps, and the constants the scenarios measure against.

use super::*;

pub(crate) fn subject_index(m: &mut Migration) {
    m.create_index_concurrently("accounts_owner_idx", "accounts", ["owner_id"]);
}
pub(crate) fn subject_fk(m: &mut Migration) {
    m.add_foreign_key(
        "accounts",
        "accounts_owner_fk",
        ["owner_id"],
        "owners",
        ["id"],
    );
}
pub(crate) fn subject_not_null(m: &mut Migration) {
    m.set_not_null("accounts", "note");
}
pub(crate) fn subject_add_column_default(m: &mut Migration) {
    m.add_column("accounts", "c2", Integer);
}
pub(crate) fn subject_add_column_flat(m: &mut Migration) {
    m.add_column("accounts", "c3", Integer);
}
pub(crate) fn subject_backfill_default(m: &mut Migration) {
    m.reversible(
        |up| {
            up.backfill("accounts")
                .set("fill_sub", Expr::cust("id * 2"))
                .filter(Expr::cust("id % 2 = 0"));
        },
        |_down| {},
    );
}
pub(crate) fn subject_backfill_tuned(m: &mut Migration) {
    m.reversible(
        |up| {
            up.backfill("accounts")
                .set("fill_tuned", Expr::cust("id * 2"))
                .filter(Expr::cust("id % 2 = 0"))
                .target_batch_duration(BACKFILL_TUNED_TARGET);
        },
        |_down| {},
    );
}

/// The first rung of the default `lock_timeout` ladder: lock-taking subjects must keep
/// writers under twice this.
pub(crate) const FIRST_RUNG: Duration = migrate_core::DEFAULT_LOCK_TIMEOUTS[0];
/// A control "shows the stall" when its writer max reaches this.
pub(crate) const CONTROL_STALL: Duration = Duration::from_millis(500);
/// Bench-side backfill: ids per keyset batch (half of them are updated) and the
/// pause between batches.
pub(crate) const BACKFILL_RANGE: i64 = 5_000;
pub(crate) const BACKFILL_PAUSE: Duration = Duration::from_millis(10);
/// The crate's backfill, tuned: the batch duration it aims at (default 200 ms).
pub(crate) const BACKFILL_TUNED_TARGET: Duration = Duration::from_millis(40);
