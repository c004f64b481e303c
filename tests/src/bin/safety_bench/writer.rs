//! The open-loop writer and its connection pool, and the lock-wait sampler.

use super::*;

/// One writer transaction: scheduled start (from the writer's epoch) and latency from
/// that scheduled start to its completion.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) sched: Duration,
    pub(crate) latency: Duration,
    pub(crate) ok: bool,
}

impl Sample {
    pub(crate) fn done(&self) -> Duration {
        self.sched + self.latency
    }
}

/// The writer's connections, each with its statement prepared.
pub(crate) struct Pool {
    pub(crate) clients: Vec<(Arc<Client>, tokio_postgres::Statement)>,
}

impl Pool {
    pub(crate) async fn open(config: &Config, n: usize) -> Result<Self, HarnessError> {
        let mut clients = Vec::with_capacity(n);
        for _ in 0..n {
            let client = connect(config).await?;
            let stmt = client
                .prepare("UPDATE accounts SET balance = balance + 1 WHERE id = $1")
                .await?;
            clients.push((Arc::new(client), stmt));
        }
        Ok(Self { clients })
    }
}

pub(crate) struct Writer {
    pub(crate) epoch: Instant,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) dispatcher: JoinHandle<()>,
    pub(crate) workers: Vec<JoinHandle<(Vec<Sample>, Option<String>)>>,
}

pub(crate) fn start_writer(pool: &Pool, rate: u32, rows: i64) -> Writer {
    let epoch = Instant::now() + Duration::from_millis(20);
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::unbounded_channel::<Instant>();
    let rx = Arc::new(Mutex::new(rx));
    let period_ns = 1_000_000_000u64 / u64::from(rate);
    let flag = stop.clone();
    let dispatcher = tokio::spawn(async move {
        let due = |i: u64| epoch + Duration::from_nanos(period_ns * i);
        let mut i = 0u64;
        while !flag.load(Ordering::Relaxed) {
            tokio::time::sleep_until(due(i).into()).await;
            let now = Instant::now();
            while due(i) <= now {
                if tx.send(due(i)).is_err() {
                    return;
                }
                i += 1;
            }
        }
    });
    let workers = pool
        .clients
        .iter()
        .enumerate()
        .map(|(k, (client, stmt))| {
            let (client, stmt, rx) = (client.clone(), stmt.clone(), rx.clone());
            let mut seed = 0x9e37_79b9_7f4a_7c15u64
                ^ ((k as u64 + 1) << 17)
                ^ epoch.elapsed().as_nanos() as u64;
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut first_error = None;
                loop {
                    let job = { rx.lock().await.recv().await };
                    let Some(sched) = job else { break };
                    // xorshift64
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let id = 1 + (seed % rows as u64) as i64;
                    let result = client.execute(&stmt, &[&id]).await;
                    let done = Instant::now();
                    if let Err(e) = &result
                        && first_error.is_none()
                    {
                        first_error = Some(e.to_string());
                    }
                    samples.push(Sample {
                        sched: sched.saturating_duration_since(epoch),
                        latency: done.saturating_duration_since(sched),
                        ok: result.is_ok(),
                    });
                }
                (samples, first_error)
            })
        })
        .collect();
    Writer {
        epoch,
        stop,
        dispatcher,
        workers,
    }
}

impl Writer {
    /// Stops the arrivals, lets the pool drain, returns every sample.
    pub(crate) async fn finish(self) -> Result<(Vec<Sample>, Option<String>), HarnessError> {
        self.stop.store(true, Ordering::Relaxed);
        self.dispatcher.await?;
        let mut all = Vec::new();
        let mut error = None;
        for w in self.workers {
            let (samples, e) = w.await?;
            all.extend(samples);
            error = error.or(e);
        }
        all.sort_by_key(|s| s.sched);
        Ok((all, error))
    }
}

// ----- lock-wait sampler --------------------------------------------------------------

/// Samples, every 20 ms, how many writer sessions wait on a lock (heavyweight lock or
/// row lock: `wait_event_type = 'Lock'`), to tell lock stalls from CPU or I/O noise.
pub(crate) fn start_sampler(
    client: Client,
    epoch: Instant,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Vec<(Duration, i64)>> {
    tokio::spawn(async move {
        let mut out = Vec::new();
        let Ok(stmt) = client
            .prepare(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND query LIKE 'UPDATE accounts SET balance%'",
            )
            .await
        else {
            return out;
        };
        while !stop.load(Ordering::Relaxed) {
            let at = epoch.elapsed();
            if let Ok(row) = client.query_one(&stmt, &[]).await {
                out.push((at, row.get::<_, i64>(0)));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        out
    })
}
