//! Retrying transactional units that fail on a lock timeout or a deadlock: backoff
//! with jitter, and a watcher that samples who blocks the runner while it waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_postgres::Client;

use crate::options::Connector;
use crate::report::Blocker;

/// The sleep before attempt `attempt + 1` (after `attempt` failures, `attempt >= 1`):
/// `base * 2^(attempt - 1)`, capped at `max`, scaled by a pseudo-random 50–100 %.
pub(super) fn backoff(attempt: usize, base: Duration, max: Duration) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(20);
    let full = base.saturating_mul(1u32 << exponent).min(max);
    let fraction = 0.5 + 0.5 * (jitter() as f64 / u64::MAX as f64);
    full.mul_f64(fraction)
}

/// A pseudo-random number: the clock's nanoseconds, the pid and a counter mixed by
/// splitmix64. Good enough to spread retries of competing runners apart.
fn jitter() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The monitor connection, opened lazily by a watcher and kept for the run.
#[derive(Clone, Default)]
pub(super) struct Monitor {
    connector: Option<Connector>,
    client: Arc<Mutex<Option<Client>>>,
}

impl Monitor {
    pub(super) fn new(connector: Option<Connector>) -> Self {
        Self {
            connector,
            client: Arc::new(Mutex::new(None)),
        }
    }

    /// Starts watching `pid` while one attempt runs: after `delay` (so quick attempts
    /// never open anything), it opens the monitor connection if needed and samples
    /// `pg_blocking_pids(pid)` every `interval`, keeping the last non-empty sample.
    /// Returns `None` without a connector.
    pub(super) fn watch(&self, pid: i32, delay: Duration, interval: Duration) -> Option<Watch> {
        let connector = self.connector.clone()?;
        let slot = self.client.clone();
        let seen: Arc<std::sync::Mutex<Vec<Blocker>>> = Arc::default();
        let out = seen.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let mut guard = slot.lock().await;
            if guard.as_ref().is_none_or(Client::is_closed) {
                match connector.connect().await {
                    Ok(client) => *guard = Some(client),
                    Err(error) => {
                        tracing::debug!(%error, "could not open the blocker monitor connection");
                        return;
                    }
                }
            }
            let Some(client) = guard.as_ref() else { return };
            loop {
                match blockers(client, pid).await {
                    Ok(found) if !found.is_empty() => {
                        if let Ok(mut seen) = out.lock() {
                            *seen = found;
                        }
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::debug!(%error, "could not sample blocking sessions");
                        return;
                    }
                }
                tokio::time::sleep(interval).await;
            }
        });
        Some(Watch { task, seen })
    }
}

/// A running watcher.
pub(super) struct Watch {
    task: JoinHandle<()>,
    seen: Arc<std::sync::Mutex<Vec<Blocker>>>,
}

impl Watch {
    /// Stops watching; the blockers seen last.
    pub(super) fn finish(self) -> Vec<Blocker> {
        self.task.abort();
        self.seen
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The sessions blocking `pid` now.
pub(super) async fn blockers(
    client: &Client,
    pid: i32,
) -> Result<Vec<Blocker>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT pid, coalesce(application_name, ''), state, left(query, 200) \
             FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids($1)) ORDER BY pid",
            &[(&pid, tokio_postgres::types::Type::INT4)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Blocker {
                pid: row.try_get(0)?,
                application_name: row.try_get(1)?,
                state: row.try_get(2)?,
                query: row.try_get(3)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_cap() {
        let ms = Duration::from_millis;
        for _ in 0..100 {
            let b1 = backoff(1, ms(100), ms(3000));
            assert!(b1 >= ms(50) && b1 <= ms(100), "{b1:?}");
            let b3 = backoff(3, ms(100), ms(3000));
            assert!(b3 >= ms(200) && b3 <= ms(400), "{b3:?}");
            let b10 = backoff(10, ms(100), ms(3000));
            assert!(b10 >= ms(1500) && b10 <= ms(3000), "{b10:?}");
        }
    }
}
