//! Many targets at once: schema-per-tenant and database-per-tenant.
//!
//! A [`Selection`] names the targets: schemas of one database, or databases of one
//! server, as a list of names and glob patterns (`tenant_*`, `shard_?`). Resolving it
//! ([`Selection::resolve`]) lists the catalog once and gives the [`Tenant`]s, by name:
//!
//! - **schemas** match `pg_namespace` (without `pg_*` and `information_schema`). A
//!   literal name that does not exist yet is a target too: a new tenant. Its first
//!   run creates the schema with the history table in it, then migrates it.
//! - **databases** match `pg_database` (without templates and databases that refuse
//!   connections). A literal name that does not exist is an error
//!   ([`Error::UnknownDatabase`]): creating a database is a decision (owner,
//!   encoding, locale) this runner does not take.
//!
//! A pattern that matches nothing is an error ([`Error::NoTargetMatches`]): a typo
//! must not turn into a run that does nothing and succeeds.
//!
//! [`run_each`] runs one operation on every target, at most [`FanOut::jobs`] at a
//! time, all polled in the caller's task (no spawn, so nothing needs to be `Send`).
//! Each target gets a connection of its own from a [`DatabaseConnector`], and its own
//! [`Migrator`]: a schema target records its history in its schema (the run lock is
//! keyed by database, schema and table, so tenants never wait for each other) and
//! runs with `search_path` set to `<schema>, public`; a database target uses the
//! options' history table. A failure in one target does not stop the others, unless
//! [`FanOut::fail_fast`]: then targets not started yet are [skipped](TargetResult::Skipped)
//! and those running finish. The outcomes come back in target order.
//!
//! The options' [`RunEvent`](crate::RunEvent) callback is shared by every target and
//! does not say which one an event belongs to: with many targets, report on the
//! outcomes instead (the `migrate` CLI prints one line per target).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio_postgres::Client;

use crate::error::Error;
use crate::ident::Ident;
use crate::options::ConnectFuture;
use crate::render::quote_ident;
use crate::run::Migrator;

/// What a target is: a schema of the database, or a database of the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Scope {
    /// Schemas of one database, each with its own history table.
    Schema,
    /// Databases of one server, each with the options' history table.
    Database,
}

impl Scope {
    /// `schema` or `database`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Schema => "schema",
            Scope::Database => "database",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The targets asked for: names and glob patterns of schemas or of databases.
///
/// ```
/// use migrate_core::targets::{Scope, Selection};
/// let selection = Selection::parse(Scope::Schema, "tenant_*, acme")?;
/// assert_eq!(selection.patterns(), ["tenant_*", "acme"]);
/// assert!(Selection::parse(Scope::Schema, "a,,b").is_err());
/// # Ok::<(), migrate_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    scope: Scope,
    patterns: Vec<String>,
}

impl Selection {
    /// A selection of these names and patterns (`*`: any run of characters, `?`: one
    /// character). Refuses an empty list, an empty entry and a literal name that is
    /// not a valid identifier.
    pub fn new(
        scope: Scope,
        patterns: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, Error> {
        let patterns: Vec<String> = patterns.into_iter().map(Into::into).collect();
        if patterns.is_empty() {
            return Err(Error::InvalidTarget {
                scope: scope.as_str(),
                name: String::new(),
                reason: "the list is empty".to_owned(),
            });
        }
        for pattern in &patterns {
            if pattern.is_empty() {
                return Err(Error::InvalidTarget {
                    scope: scope.as_str(),
                    name: String::new(),
                    reason: "an entry of the list is empty".to_owned(),
                });
            }
            if !is_pattern(pattern) {
                Ident::new(pattern.as_str())
                    .check()
                    .map_err(|e| Error::InvalidTarget {
                        scope: scope.as_str(),
                        name: pattern.clone(),
                        reason: e.to_string(),
                    })?;
            }
        }
        Ok(Self { scope, patterns })
    }

    /// A comma-separated list (`tenant_*,acme`; spaces around entries are ignored).
    pub fn parse(scope: Scope, list: &str) -> Result<Self, Error> {
        Self::new(scope, list.split(',').map(str::trim))
    }

    /// Schemas or databases.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The names and patterns, as given.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// The targets, by name, from the catalog of the database `client` is connected
    /// to (for databases: of its server).
    pub async fn resolve(&self, client: &Client) -> Result<Vec<Tenant>, Error> {
        const CONTEXT: &str = "listing the targets";
        let sql = match self.scope {
            Scope::Schema => {
                "SELECT nspname::text, current_database()::text FROM pg_namespace \
                 WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
            }
            Scope::Database => {
                "SELECT datname::text, current_database()::text FROM pg_database \
                 WHERE NOT datistemplate AND datallowconn"
            }
        };
        let rows = client.query(sql, &[]).await.map_err(Error::pg(CONTEXT))?;
        let mut existing = Vec::with_capacity(rows.len());
        let mut database = None;
        for row in &rows {
            existing.push(row.try_get::<_, String>(0).map_err(Error::pg(CONTEXT))?);
            database = Some(row.try_get::<_, String>(1).map_err(Error::pg(CONTEXT))?);
        }
        let database = match database {
            Some(database) => database,
            None => client
                .query_one("SELECT current_database()::text", &[])
                .await
                .and_then(|row| row.try_get(0))
                .map_err(Error::pg(CONTEXT))?,
        };
        self.select(&existing, &database)
    }

    /// The targets among these existing names (`database`: the connected one, where
    /// schema targets live).
    fn select(&self, existing: &[String], database: &str) -> Result<Vec<Tenant>, Error> {
        let mut chosen: BTreeMap<&str, bool> = BTreeMap::new();
        for pattern in &self.patterns {
            if is_pattern(pattern) {
                let mut any = false;
                for name in existing.iter().filter(|name| glob(pattern, name)) {
                    chosen.insert(name, true);
                    any = true;
                }
                if !any {
                    return Err(Error::NoTargetMatches {
                        scope: self.scope.as_str(),
                        pattern: pattern.clone(),
                    });
                }
            } else if existing.iter().any(|name| name == pattern) {
                chosen.insert(pattern, true);
            } else if self.scope == Scope::Database {
                return Err(Error::UnknownDatabase {
                    name: pattern.clone(),
                });
            } else {
                chosen.entry(pattern).or_insert(false);
            }
        }
        Ok(chosen
            .into_iter()
            .map(|(name, exists)| Tenant {
                scope: self.scope,
                name: name.to_owned(),
                database: match self.scope {
                    Scope::Schema => database.to_owned(),
                    Scope::Database => name.to_owned(),
                },
                exists,
            })
            .collect())
    }
}

/// Whether an entry is a pattern rather than a name.
fn is_pattern(entry: &str) -> bool {
    entry.contains(['*', '?'])
}

/// Whether `name` matches the glob `pattern` (`*` any run, `?` one character).
fn glob(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was, and the name position it matched up to.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// One target: a schema (of [`Tenant::database`]) or a database.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Tenant {
    /// Schema or database.
    pub scope: Scope,
    /// The schema's or the database's name.
    pub name: String,
    /// The database to connect to (the schema's, or the target itself).
    pub database: String,
    /// Whether it existed when the targets were resolved (a schema that did not is
    /// created by its first run).
    pub exists: bool,
}

impl Tenant {
    /// A schema target of this database (for an embedder that lists its tenants
    /// itself).
    pub fn schema(database: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            scope: Scope::Schema,
            name: name.into(),
            database: database.into(),
            exists: true,
        }
    }

    /// A database target.
    pub fn database(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            scope: Scope::Database,
            database: name.clone(),
            name,
            exists: true,
        }
    }
}

/// Opens a connection to the database of a given name, on the server of the run:
/// one per target. Build it the way the main connection is built (TLS...).
#[derive(Clone)]
pub struct DatabaseConnector(Arc<dyn Fn(&str) -> ConnectFuture + Send + Sync>);

impl DatabaseConnector {
    /// A connector from a function of the database's name.
    pub fn new(f: impl Fn(&str) -> ConnectFuture + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// A connector without TLS: this configuration with the database's name (see
    /// [`crate::connect`]).
    pub fn no_tls(config: tokio_postgres::Config) -> Self {
        Self::new(move |database| {
            let mut config = config.clone();
            config.dbname(database);
            Box::pin(async move { crate::connection::connect(&config).await })
        })
    }

    /// Opens a connection to `database`.
    pub fn connect(&self, database: &str) -> ConnectFuture {
        (self.0)(database)
    }
}

impl fmt::Debug for DatabaseConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseConnector(..)")
    }
}

/// How [`run_each`] spreads the work.
///
/// ```
/// use migrate_core::targets::FanOut;
/// let fan_out = FanOut::new().jobs(4).fail_fast(true);
/// assert_eq!((fan_out.jobs_limit(), fan_out.is_fail_fast()), (4, true));
/// assert_eq!(FanOut::new().jobs(0).jobs_limit(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct FanOut {
    jobs: usize,
    fail_fast: bool,
    search_path: Option<Ident>,
}

impl Default for FanOut {
    fn default() -> Self {
        Self {
            jobs: 1,
            fail_fast: false,
            search_path: None,
        }
    }
}

impl FanOut {
    /// One target at a time, every target run whatever fails.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most this many targets at once, each on its own connection (0 counts as 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// After a failure, start no other target (those running finish; the rest are
    /// skipped).
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// For database targets: put this schema first on each connection's
    /// `search_path` (schema targets always get their own schema).
    pub fn database_search_path(mut self, schema: Option<Ident>) -> Self {
        self.search_path = schema;
        self
    }

    /// The parallelism.
    pub fn jobs_limit(&self) -> usize {
        self.jobs
    }

    /// Whether a failure stops starting targets.
    pub fn is_fail_fast(&self) -> bool {
        self.fail_fast
    }
}

/// How one target ended.
#[derive(Debug)]
pub enum TargetResult<T> {
    /// The operation succeeded.
    Done(T),
    /// It failed (connecting, setting the `search_path`, or the operation).
    Failed(Error),
    /// It was not started: an earlier target failed under [`FanOut::fail_fast`].
    Skipped,
}

/// One target's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome<T> {
    /// The target.
    pub target: Tenant,
    /// How it ended.
    pub result: TargetResult<T>,
    /// From connecting to the end of the operation (zero when skipped).
    pub elapsed: Duration,
}

impl<T> Outcome<T> {
    /// Whether the target failed.
    pub fn failed(&self) -> bool {
        matches!(self.result, TargetResult::Failed(_))
    }

    /// Whether the target was skipped.
    pub fn skipped(&self) -> bool {
        matches!(self.result, TargetResult::Skipped)
    }
}

/// The migrator a target runs with: a schema's history table in the schema (same
/// table name), a database's as the options say. Shares the migrations.
pub fn migrator_for(migrator: &Migrator, target: &Tenant) -> Migrator {
    match target.scope {
        Scope::Schema => migrator.with_history_table(
            target.name.as_str(),
            migrator.options().history_table_name().clone(),
        ),
        Scope::Database => migrator.clone(),
    }
}

/// Runs `operation` on every target with its own connection and migrator (see the
/// [module](self)); at most `fan_out.jobs` at once, polled in the caller's task. One
/// outcome per target, in the order of `targets`.
///
/// ```no_run
/// # async fn run(migrations: migrate_core::Migrations) -> Result<(), migrate_core::Error> {
/// use migrate_core::targets::{DatabaseConnector, FanOut, Scope, Selection, run_each};
/// use migrate_core::{Migrator, MigratorOptions, Target};
/// let config: tokio_postgres::Config = "postgres://app@localhost/app".parse().unwrap();
/// let client = migrate_core::connect(&config).await?;
/// let tenants = Selection::parse(Scope::Schema, "tenant_*")?.resolve(&client).await?;
/// let migrator = Migrator::new(&migrations, MigratorOptions::new())?;
/// let outcomes = run_each(
///     &migrator,
///     &tenants,
///     &DatabaseConnector::no_tls(config),
///     &FanOut::new().jobs(4),
///     async |m, client| m.up(client, Target::Latest).await,
/// )
/// .await;
/// assert_eq!(outcomes.len(), tenants.len());
/// # Ok(()) }
/// ```
pub async fn run_each<T, F>(
    migrator: &Migrator,
    targets: &[Tenant],
    connector: &DatabaseConnector,
    fan_out: &FanOut,
    operation: F,
) -> Vec<Outcome<T>>
where
    F: AsyncFn(&Migrator, &mut Client) -> Result<T, Error>,
{
    run_each_with(migrator, targets, connector, fan_out, operation, |_| {}).await
}

/// [`run_each`], calling `finished` with each outcome as its target finishes (in the
/// order they finish; skipped targets are not reported there): to print a line per
/// target while the others run.
pub async fn run_each_with<T, F>(
    migrator: &Migrator,
    targets: &[Tenant],
    connector: &DatabaseConnector,
    fan_out: &FanOut,
    operation: F,
    mut finished: impl FnMut(&Outcome<T>),
) -> Vec<Outcome<T>>
where
    F: AsyncFn(&Migrator, &mut Client) -> Result<T, Error>,
{
    let operation = &operation;
    let one = async |index: usize| {
        let target = &targets[index];
        let started = Instant::now();
        let result = run_one(migrator, target, connector, fan_out, operation).await;
        (index, result, started.elapsed())
    };
    let mut outcomes: Vec<Option<Outcome<T>>> = targets.iter().map(|_| None).collect();
    let mut next = 0;
    let mut stopped = false;
    let mut running = FuturesUnordered::new();
    loop {
        while !stopped && next < targets.len() && running.len() < fan_out.jobs {
            running.push(one(next));
            next += 1;
        }
        let Some((index, result, elapsed)) = running.next().await else {
            break;
        };
        let result = match result {
            Ok(value) => TargetResult::Done(value),
            Err(error) => {
                tracing::info!(target = %targets[index].name, %error, "target failed");
                stopped |= fan_out.fail_fast;
                TargetResult::Failed(error)
            }
        };
        let outcome = Outcome {
            target: targets[index].clone(),
            result,
            elapsed,
        };
        finished(&outcome);
        outcomes[index] = Some(outcome);
    }
    targets
        .iter()
        .zip(outcomes)
        .map(|(target, outcome)| {
            outcome.unwrap_or_else(|| Outcome {
                target: target.clone(),
                result: TargetResult::Skipped,
                elapsed: Duration::ZERO,
            })
        })
        .collect()
}

async fn run_one<T, F>(
    migrator: &Migrator,
    target: &Tenant,
    connector: &DatabaseConnector,
    fan_out: &FanOut,
    operation: &F,
) -> Result<T, Error>
where
    F: AsyncFn(&Migrator, &mut Client) -> Result<T, Error>,
{
    let mut client = connector.connect(&target.database).await?;
    let search_path = match target.scope {
        Scope::Schema => Some(Ident::new(target.name.as_str())),
        Scope::Database => fan_out.search_path.clone(),
    };
    if let Some(schema) = search_path {
        client
            .batch_execute(&format!(
                "SET search_path TO {}, public",
                quote_ident(&schema)
            ))
            .await
            .map_err(Error::pg("setting the search_path"))?;
    }
    let migrator = migrator_for(migrator, target);
    operation(&migrator, &mut client).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_names() {
        assert!(glob("tenant_*", "tenant_001"));
        assert!(glob("tenant_*", "tenant_"));
        assert!(!glob("tenant_*", "xtenant_1"));
        assert!(glob("t?n*_0*1", "tenant_001"));
        assert!(!glob("tenant_?", "tenant_10"));
        assert!(glob("*", "public"));
        assert!(glob("*a*b", "xxaxxb"));
        assert!(!glob("*a*b", "xxaxxbc"));
    }

    fn names(tenants: &[Tenant]) -> Vec<(&str, bool)> {
        tenants
            .iter()
            .map(|t| (t.name.as_str(), t.exists))
            .collect()
    }

    #[test]
    fn selections_are_ordered_deduplicated_and_checked() {
        let existing: Vec<String> = ["public", "tenant_2", "tenant_1", "other"]
            .map(String::from)
            .to_vec();
        let s = Selection::parse(Scope::Schema, "tenant_*, tenant_1, new_one").unwrap();
        let tenants = s.select(&existing, "app").unwrap();
        assert_eq!(
            names(&tenants),
            [("new_one", false), ("tenant_1", true), ("tenant_2", true)]
        );
        assert!(tenants.iter().all(|t| t.database == "app"));

        let none = Selection::parse(Scope::Schema, "shard_*").unwrap();
        assert!(matches!(
            none.select(&existing, "app"),
            Err(Error::NoTargetMatches { ref pattern, .. }) if pattern == "shard_*"
        ));

        let dbs = Selection::parse(Scope::Database, "tenant_?").unwrap();
        let tenants = dbs.select(&existing, "postgres").unwrap();
        assert_eq!(tenants[0].database, "tenant_1");
        let missing = Selection::parse(Scope::Database, "nope").unwrap();
        assert!(matches!(
            missing.select(&existing, "postgres"),
            Err(Error::UnknownDatabase { ref name }) if name == "nope"
        ));

        assert!(Selection::parse(Scope::Schema, "").is_err());
        assert!(Selection::new(Scope::Schema, Vec::<String>::new()).is_err());
        let long = "x".repeat(70);
        assert!(matches!(
            Selection::parse(Scope::Schema, &long),
            Err(Error::InvalidTarget { .. })
        ));
    }
}
