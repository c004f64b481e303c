//! A diff session: the replayed "from" database, the "to" schema, and the proof that
//! a generated migration takes one to the other and back.

use tokio_postgres::Config;

use super::catalog::Catalog;
use super::{DiffOptions, Generated, RenameCandidate};
use crate::error::Error;
use crate::reconcile::{DownTarget, Target};
use crate::report::MigrationState;
use crate::run::Migrator;
use crate::snapshot::{Snapshot, SnapshotDiff, SnapshotOptions};
use crate::verify::{ScratchConnector, ScratchDb, VerifyOptions};

/// The schema a migration is generated towards.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant, reason = "one value per diff")]
pub enum DiffTarget {
    /// A database, read as it is: a development database changed by hand or by
    /// another tool. Only read, never written.
    Database(Config),
    /// Declarative SQL (`schema.sql`, or the files of a directory in order), applied
    /// to a second scratch database so that PostgreSQL normalises it: each entry is a
    /// name for errors and the SQL text.
    Sql(Vec<(String, String)>),
}

/// What applying a generated migration to the replayed database showed.
#[derive(Clone, Debug)]
pub struct Proof {
    /// What still differs from the target after the up (`-` target only, `+` only
    /// after the migration): empty when it converges.
    pub remaining: SnapshotDiff,
    /// What differs from the replayed schema after the down (empty when the down
    /// restores it); `None` for a migration without a down.
    pub reverted: Option<SnapshotDiff>,
    /// What differs between the first and the second up; `None` without a down.
    pub reapplied: Option<SnapshotDiff>,
}

impl Proof {
    /// Whether the migration converges to the target, and (when it has a down)
    /// reverts to the start and applies again to the same schema.
    pub fn holds(&self) -> bool {
        self.remaining.is_empty()
            && self.reverted.as_ref().is_none_or(SnapshotDiff::is_empty)
            && self.reapplied.as_ref().is_none_or(SnapshotDiff::is_empty)
    }
}

/// The two schemas of a `diff`, read and kept while the migration is generated and
/// proved. The scratch databases are dropped by [`close`](Self::close), or when the
/// value is dropped (also on panic).
pub struct DiffSession {
    migrator: Migrator,
    connector: ScratchConnector,
    snapshot: SnapshotOptions,
    replayed: ScratchDb,
    target: Option<ScratchDb>,
    from: Catalog,
    from_snapshot: Snapshot,
    to: Catalog,
    to_snapshot: Snapshot,
}

impl std::fmt::Debug for DiffSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiffSession")
            .field("replayed", &self.replayed.name())
            .finish_non_exhaustive()
    }
}

impl DiffSession {
    /// Creates a scratch database on `server`'s server, applies every migration of
    /// `migrator` to it (the "from" schema), and reads the target (the "to" schema).
    /// `options` gives the connector and what snapshots capture; the history table
    /// is the migrator's, left out on both sides.
    pub async fn open(
        migrator: &Migrator,
        server: &Config,
        target: DiffTarget,
        options: &VerifyOptions,
    ) -> Result<Self, Error> {
        let migrator = migrator.without_lint();
        let connector = options.scratch_connector().clone();
        let snapshot = options.snapshot_options().clone().history_table(
            migrator.options().history_schema().as_str(),
            migrator.options().history_table_name().as_str(),
        );
        let replayed = ScratchDb::create(server, &connector).await?;
        let mut client = connector.connect(replayed.config()).await?;
        if !migrator.headers().is_empty() {
            migrator.up(&mut client, Target::Latest).await?;
        }
        let from = Catalog::read(&mut client, &snapshot).await?;
        let from_snapshot = Snapshot::read(&mut client, &snapshot).await?;
        drop(client);
        let (target, to, to_snapshot) = match target {
            DiffTarget::Database(config) => {
                let mut client = connector.connect(config).await?;
                ensure_current(&migrator, &client).await?;
                let to = Catalog::read(&mut client, &snapshot).await?;
                let to_snapshot = Snapshot::read(&mut client, &snapshot).await?;
                (None, to, to_snapshot)
            }
            DiffTarget::Sql(files) => {
                let db = ScratchDb::create(server, &connector).await?;
                let mut client = connector.connect(db.config()).await?;
                for (file, sql) in &files {
                    client
                        .batch_execute(sql)
                        .await
                        .map_err(|source| Error::SchemaSource {
                            file: file.clone(),
                            source,
                        })?;
                }
                let to = Catalog::read(&mut client, &snapshot).await?;
                let to_snapshot = Snapshot::read(&mut client, &snapshot).await?;
                (Some(db), to, to_snapshot)
            }
        };
        Ok(Self {
            migrator,
            connector,
            snapshot,
            replayed,
            target,
            from,
            from_snapshot,
            to,
            to_snapshot,
        })
    }

    /// The replayed schema.
    pub fn from(&self) -> &Catalog {
        &self.from
    }

    /// The target schema.
    pub fn to(&self) -> &Catalog {
        &self.to
    }

    /// What differs between the replayed schema and the target, as snapshots
    /// (`-` replayed only, `+` target only): empty when there is nothing to generate.
    pub fn snapshot_diff(&self) -> SnapshotDiff {
        self.from_snapshot.diff(&self.to_snapshot)
    }

    /// What looks like a rename (see [`super::rename_candidates`]).
    pub fn rename_candidates(&self, options: &DiffOptions) -> Result<Vec<RenameCandidate>, Error> {
        super::rename_candidates(&self.from, &self.to, options)
    }

    /// Generates the migration from the replayed schema to the target.
    pub fn generate(&self, options: &DiffOptions) -> Result<Generated, Error> {
        super::generate(&self.from, &self.to, options)
    }

    /// Applies `generated` (as migration `id`, `name`) to the replayed database with
    /// the runner, and compares: the schema must then be the target's; with a down,
    /// the down must restore the replayed schema and a second up give the target
    /// again. Leaves the replayed database as it started (when the down works).
    pub async fn prove(
        &mut self,
        generated: &Generated,
        id: i64,
        name: &'static str,
    ) -> Result<Proof, Error> {
        let plan = generated.plan(id, name)?;
        let reversible = plan.is_reversible();
        let candidate = self.migrator.with_planned(plan)?;
        let mut client = self.connector.connect(self.replayed.config()).await?;
        candidate.up(&mut client, Target::Latest).await?;
        let applied = Snapshot::read(&mut client, &self.snapshot).await?;
        let remaining = self.to_snapshot.diff(&applied);
        let (mut reverted, mut reapplied) = (None, None);
        if reversible {
            candidate.down(&mut client, DownTarget::Steps(1)).await?;
            let down = Snapshot::read(&mut client, &self.snapshot).await?;
            reverted = Some(self.from_snapshot.diff(&down));
            candidate.up(&mut client, Target::Latest).await?;
            let again = Snapshot::read(&mut client, &self.snapshot).await?;
            reapplied = Some(applied.diff(&again));
            candidate.down(&mut client, DownTarget::Steps(1)).await?;
        }
        Ok(Proof {
            remaining,
            reverted,
            reapplied,
        })
    }

    /// Drops the scratch databases.
    pub async fn close(self) -> Result<(), Error> {
        let replayed = self.replayed.drop_database().await;
        let target = match self.target {
            Some(db) => db.drop_database().await,
            None => Ok(()),
        };
        replayed.and(target)
    }
}

/// Refuses a target database whose history table records other migrations than the
/// program's (pending, modified, missing ones); a database without the table (one to
/// adopt) is fine.
async fn ensure_current(migrator: &Migrator, client: &tokio_postgres::Client) -> Result<(), Error> {
    let table = format!(
        "{}.{}",
        crate::render::quote_ident(migrator.options().history_schema()),
        crate::render::quote_ident(migrator.options().history_table_name())
    );
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .await
        .map_err(Error::pg("looking for the target's history table"))?
        .get(0);
    if !exists {
        return Ok(());
    }
    let behind: Vec<String> = migrator
        .status(client)
        .await?
        .into_iter()
        .filter(|m| !matches!(m.state, MigrationState::Applied | MigrationState::Baselined))
        .map(|m| format!("{} {}", crate::DisplayId(m.id), m.state.as_str()))
        .collect();
    if behind.is_empty() {
        Ok(())
    } else {
        Err(Error::DiffTargetNotCurrent {
            states: behind.join(", "),
        })
    }
}
