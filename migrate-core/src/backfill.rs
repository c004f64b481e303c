//! Batched backfills: how a [`Step::Backfill`](crate::Step::Backfill) runs.
//!
//! A backfill never runs as one statement inside the migration's transaction (one
//! `UPDATE` of 2M rows stalled writers for 9.5 s; 5,000-row key batches for 8 ms, see
//! SAFETY.md rule 13). The runner runs it as a unit of its own, outside any
//! transaction:
//!
//! 1. the key is the column given with `.key(..)`, or the table's primary key, which
//!    must be a single column (read from the catalog, with its type);
//! 2. the last key of the next batch is found by keyset, never `OFFSET`:
//!    `SELECT key FROM (SELECT key FROM t WHERE key > $cursor ORDER BY key LIMIT n)
//!    ORDER BY key DESC LIMIT 1`; no row means done;
//! 3. the batch `UPDATE t SET .. WHERE key > $cursor AND key <= $upper AND (filter)
//!    AND (col IS DISTINCT FROM value ..)` and the cursor update of the history row
//!    commit in ONE transaction, under the `lock_timeout` ladder with its retries. A
//!    killed run therefore resumes exactly after the last committed batch: no range is
//!    skipped, none is updated twice (and re-running one would change nothing: the
//!    filter is the idempotent predicate);
//! 4. the next batch size aims at the target duration ([`next_batch_size`]), and the
//!    runner sleeps the pause before the next batch.
//!
//! Progress goes to `tracing` (rows, rows/s, batches, cursor) and the totals to the
//! report ([`BackfillRun`](crate::report::BackfillRun)).
//!
//! Rows inserted behind the cursor while the backfill runs are not visited: during an
//! expand phase the application must already write the new values itself.

use std::time::Duration;

use crate::step::BackfillPacing;

/// How many times the initial batch size a batch may grow to.
pub const MAX_GROWTH: u64 = 100;

/// The size of the next batch, after one of `current` rows took `elapsed`: scaled by
/// `target / elapsed`, but at most doubled or halved per batch, and kept between 1 and
/// [`MAX_GROWTH`] times the initial size. A zero target keeps the size as it is.
///
/// ```
/// use std::time::Duration;
/// use migrate_core::backfill::next_batch_size;
/// use migrate_core::step::BackfillPacing;
///
/// let pacing = BackfillPacing::default(); // 1,000 rows, 40 ms
/// let ms = Duration::from_millis;
/// assert_eq!(next_batch_size(1000, ms(20), &pacing), 2000); // twice too fast
/// assert_eq!(next_batch_size(1000, ms(2), &pacing), 2000); // at most doubled
/// assert_eq!(next_batch_size(1000, ms(80), &pacing), 500); // twice too slow
/// assert_eq!(next_batch_size(1000, ms(5000), &pacing), 500); // at most halved
/// assert_eq!(next_batch_size(1000, ms(50), &pacing), 800);
/// ```
pub fn next_batch_size(current: u64, elapsed: Duration, pacing: &BackfillPacing) -> u64 {
    let initial = pacing.batch_size.max(1);
    let max = initial.saturating_mul(MAX_GROWTH);
    let target = pacing.target_batch_duration.as_secs_f64();
    let took = elapsed.as_secs_f64();
    let factor = if target <= 0.0 {
        1.0
    } else if took <= 0.0 {
        2.0
    } else {
        (target / took).clamp(0.5, 2.0)
    };
    let next = (current.max(1) as f64 * factor).round();
    // `as` saturates for floats out of range; the clamp bounds it anyway.
    (next as u64).clamp(1, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_size_adapts_towards_the_target_within_bounds() {
        let pacing = BackfillPacing {
            batch_size: 100,
            target_batch_duration: Duration::from_millis(200),
            pause: Duration::ZERO,
        };
        let ms = Duration::from_millis;
        // Fast batches grow it, doubling at most, up to 100 times the initial size.
        let mut size = 100;
        for _ in 0..20 {
            size = next_batch_size(size, ms(1), &pacing);
        }
        assert_eq!(size, 10_000);
        // Slow batches shrink it, halving at most, down to 1.
        for _ in 0..30 {
            size = next_batch_size(size, ms(10_000), &pacing);
        }
        assert_eq!(size, 1);
        // On target, it stays.
        assert_eq!(next_batch_size(700, ms(200), &pacing), 700);
        // An instant batch doubles it; a zero target keeps it.
        assert_eq!(next_batch_size(700, Duration::ZERO, &pacing), 1400);
        let fixed = BackfillPacing {
            target_batch_duration: Duration::ZERO,
            ..pacing
        };
        assert_eq!(next_batch_size(700, ms(5), &fixed), 700);
        // Converges: 4x too slow, then on target.
        let s1 = next_batch_size(4000, ms(800), &pacing);
        assert_eq!(s1, 2000);
        let s2 = next_batch_size(s1, ms(400), &pacing);
        assert_eq!(s2, 1000);
    }
}
