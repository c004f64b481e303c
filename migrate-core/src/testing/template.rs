//! The fixture: a migration set's template, built once, and databases cloned from it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config};

use super::database::{self, Session, TestDatabase, drop_database, quoted};
use super::{
    DEFAULT_DATABASE_PREFIX, DEFAULT_TEMPLATE_PREFIX, admin_config, check_prefix, config_for,
    template_name,
};
use crate::error::Error;
use crate::reconcile::Target;
use crate::run::Migrator;

/// Test databases of one migration set, cloned from its template (see the
/// [module](super) documentation).
///
/// Cheap to clone; keep one per test binary (a `static` behind a `OnceLock`, say) or
/// make one per test: the template is built once per server either way.
#[derive(Clone, Debug)]
pub struct Fixture {
    admin: Config,
    migrator: Migrator,
    template_prefix: String,
    database_prefix: String,
    template: String,
}

/// How [`Fixture::ensure_template`] found the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Readiness {
    /// This process had already seen it ready: nothing was asked of the server.
    Cached,
    /// It was on the server already (built by an earlier run or another process).
    Found,
    /// This call built it.
    Built,
}

/// What [`prune_templates`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pruned {
    /// The templates dropped (with their leftover temporary builds).
    pub dropped: Vec<String>,
    /// The templates left: being built, or their drop failed (being cloned, say).
    pub skipped: Vec<String>,
}

impl Fixture {
    /// A fixture for `migrator`'s migrations on the test server of `DATABASE_URL`
    /// (see [`admin_config`](super::admin_config)).
    pub fn new(migrator: Migrator) -> Result<Self, Error> {
        Ok(Self::on(admin_config()?, migrator))
    }

    /// A fixture for `migrator`'s migrations on the server of `admin` (a connection to
    /// a database that always exists, such as `postgres`; the build lock lives there).
    pub fn on(admin: Config, migrator: Migrator) -> Self {
        let template = template_name(DEFAULT_TEMPLATE_PREFIX, &migrator);
        Self {
            admin,
            migrator,
            template_prefix: DEFAULT_TEMPLATE_PREFIX.to_owned(),
            database_prefix: DEFAULT_DATABASE_PREFIX.to_owned(),
            template,
        }
    }

    /// Names templates `<prefix>_<16 hex>` rather than `migrate_tpl_<16 hex>`.
    pub fn template_prefix(mut self, prefix: &str) -> Result<Self, Error> {
        check_prefix(prefix)?;
        self.template = template_name(prefix, &self.migrator);
        self.template_prefix = prefix.to_owned();
        Ok(self)
    }

    /// Names test databases `<prefix>_<pid>_<counter>_<nanoseconds>` rather than
    /// `migrate_test_..`.
    pub fn database_prefix(mut self, prefix: &str) -> Result<Self, Error> {
        check_prefix(prefix)?;
        self.database_prefix = prefix.to_owned();
        Ok(self)
    }

    /// The template's name.
    pub fn template_name(&self) -> &str {
        &self.template
    }

    /// The admin connection's configuration.
    pub fn admin(&self) -> &Config {
        &self.admin
    }

    /// The migrations' migrator.
    pub fn migrator(&self) -> &Migrator {
        &self.migrator
    }

    /// A database of its own for one test, migrated to the latest migration: a clone
    /// of the template, which is built first when it does not exist.
    pub async fn database(&self) -> Result<TestDatabase, Error> {
        self.ensure_template().await?;
        let cloned = database::create(&self.admin, &self.database_prefix, Some(&self.template));
        match cloned.await {
            // Pruned by another process since this one cached it: build it again.
            Err(Error::TestDatabase { source, .. })
                if source.code() == Some(&SqlState::INVALID_CATALOG_NAME) =>
            {
                forget(&self.cache_key());
                self.ensure_template().await?;
                database::create(&self.admin, &self.database_prefix, Some(&self.template)).await
            }
            other => other,
        }
    }

    /// [`Fixture::database`] for a synchronous test: runs on a thread of its own with a
    /// current-thread runtime, so it may be called inside or outside an async context.
    pub fn database_blocking(&self) -> Result<TestDatabase, Error> {
        let fixture = self.clone();
        let thread = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|source| Error::Runtime { source })?
                .block_on(fixture.database())
        });
        thread.join().unwrap_or_else(|_| {
            Err(Error::Runtime {
                source: std::io::Error::other("the fixture's thread panicked"),
            })
        })
    }

    /// Makes sure the template exists, building it when it does not; once per process
    /// (and server, and template), later calls answer [`Readiness::Cached`].
    pub async fn ensure_template(&self) -> Result<Readiness, Error> {
        let cell = cell(&self.cache_key());
        let mut readiness = Readiness::Cached;
        cell.get_or_try_init(|| async {
            readiness = self.find_or_build().await?;
            Ok::<(), Error>(())
        })
        .await?;
        Ok(readiness)
    }

    /// [`Fixture::ensure_template`] without the process's cache: asks the server (and
    /// takes the build lock when the template is missing) on every call. For tests of
    /// the fixture itself; not an API.
    #[doc(hidden)]
    pub async fn ensure_template_uncached(&self) -> Result<Readiness, Error> {
        self.find_or_build().await
    }

    /// Drops this prefix's templates other than this fixture's (see
    /// [`prune_templates`]).
    pub async fn prune_templates(&self) -> Result<Pruned, Error> {
        prune_templates(
            &self.admin,
            &self.template_prefix,
            &[self.template.as_str()],
        )
        .await
    }

    /// The server and the template: the process cache's key.
    fn cache_key(&self) -> String {
        format!(
            "{:?} {:?} {:?} {:?} {}",
            self.admin.get_hosts(),
            self.admin.get_ports(),
            self.admin.get_dbname(),
            self.admin.get_user(),
            self.template
        )
    }

    async fn find_or_build(&self) -> Result<Readiness, Error> {
        let session = Session::open(&self.admin).await?;
        let result = self.find_or_build_on(&session.client).await;
        // Closing the session releases the build lock on every path.
        session.close().await;
        result
    }

    async fn find_or_build_on(&self, admin: &Client) -> Result<Readiness, Error> {
        if is_template(admin, &self.template).await? {
            return Ok(Readiness::Found);
        }
        let key = build_lock_key(&self.template);
        admin
            .execute("SELECT pg_advisory_lock($1)", &[&key])
            .await
            .map_err(Error::pg("taking the test template's build lock"))?;
        let result = self.build_locked(admin).await;
        if let Err(error) = admin
            .execute("SELECT pg_advisory_unlock($1)", &[&key])
            .await
        {
            tracing::debug!(%error, "could not release the test template's build lock");
        }
        result
    }

    /// Under the build lock: another builder may have finished meanwhile.
    async fn build_locked(&self, admin: &Client) -> Result<Readiness, Error> {
        if is_template(admin, &self.template).await? {
            return Ok(Readiness::Found);
        }
        // The final name is only ever given to a finished template; a database by that
        // name that is not one was not made here: it is not served either.
        drop_any(admin, &self.template).await?;
        drop_leftovers(admin, &self.template).await?;
        let temporary = format!("{}_tmp_{}", self.template, std::process::id());
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quoted(&temporary)))
            .await
            .map_err(|source| Error::TestDatabase {
                action: "create the template's temporary",
                database: temporary.clone(),
                source,
            })?;
        if let Err(error) = self.migrate(&temporary).await {
            if let Err(drop_error) = drop_database(admin, &temporary, true).await {
                tracing::warn!(database = %temporary, error = %drop_error, "could not drop a failed template build");
            }
            return Err(Error::TestTemplate {
                template: self.template.clone(),
                source: Box::new(error),
            });
        }
        let finish = [
            (
                format!(
                    "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
                    quoted(&temporary)
                ),
                "mark the template",
            ),
            (
                format!(
                    "ALTER DATABASE {} RENAME TO {}",
                    quoted(&temporary),
                    quoted(&self.template)
                ),
                "rename the finished template",
            ),
        ];
        for (sql, action) in finish {
            admin
                .batch_execute(&sql)
                .await
                .map_err(|source| Error::TestDatabase {
                    action,
                    database: temporary.clone(),
                    source,
                })?;
        }
        Ok(Readiness::Built)
    }

    /// Migrates the temporary build, and closes its connection before it is renamed.
    async fn migrate(&self, temporary: &str) -> Result<(), Error> {
        let mut session = Session::open(&config_for(&self.admin, temporary)).await?;
        let result = self
            .migrator
            .up(&mut session.client, Target::Latest)
            .await
            .map(drop);
        session.close().await;
        result
    }
}

/// Drops the templates of `prefix` (names `<prefix>_<16 hex>`) that are not in
/// `keep`, with their leftover temporary builds. Each is dropped under its build lock,
/// taken without waiting (one being built is skipped), after being made an ordinary
/// database (`IS_TEMPLATE false`); a drop that fails (the template is being cloned,
/// say) marks it a template again and skips it. Connects to `admin`.
pub async fn prune_templates(admin: &Config, prefix: &str, keep: &[&str]) -> Result<Pruned, Error> {
    check_prefix(prefix)?;
    let session = Session::open(admin).await?;
    let result = prune_on(&session.client, prefix, keep).await;
    session.close().await;
    result
}

async fn prune_on(admin: &Client, prefix: &str, keep: &[&str]) -> Result<Pruned, Error> {
    let start = format!("{prefix}_");
    let names: Vec<String> = admin
        .query(
            "SELECT datname::text FROM pg_database \
             WHERE datistemplate AND starts_with(datname, $1) ORDER BY 1",
            &[&start],
        )
        .await
        .map_err(Error::pg("listing the test templates"))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut pruned = Pruned::default();
    for name in names {
        let key = &name[start.len()..];
        let ours = key.len() == 16 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !ours || keep.contains(&name.as_str()) {
            continue;
        }
        let lock = build_lock_key(&name);
        let locked: bool = admin
            .query_one("SELECT pg_try_advisory_lock($1)", &[&lock])
            .await
            .map_err(Error::pg("taking a test template's build lock"))?
            .get(0);
        if !locked {
            pruned.skipped.push(name);
            continue;
        }
        let dropped = prune_one(admin, &name).await;
        if let Err(error) = admin
            .execute("SELECT pg_advisory_unlock($1)", &[&lock])
            .await
        {
            tracing::debug!(%error, "could not release a test template's build lock");
        }
        match dropped {
            Ok(()) => pruned.dropped.push(name),
            Err(error) => {
                tracing::debug!(template = %name, %error, "test template not pruned");
                pruned.skipped.push(name);
            }
        }
    }
    Ok(pruned)
}

async fn prune_one(admin: &Client, name: &str) -> Result<(), Error> {
    set_template(admin, name, false).await?;
    if let Err(error) = drop_database(admin, name, false).await {
        // Still whole: serve it again.
        set_template(admin, name, true).await?;
        return Err(error);
    }
    drop_leftovers(admin, name).await
}

async fn set_template(admin: &Client, name: &str, template: bool) -> Result<(), Error> {
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} WITH IS_TEMPLATE {template}",
            quoted(name)
        ))
        .await
        .map_err(|source| Error::TestDatabase {
            action: if template {
                "mark the template"
            } else {
                "unmark the template"
            },
            database: name.to_owned(),
            source,
        })
}

/// Whether `name` exists and is a template.
async fn is_template(admin: &Client, name: &str) -> Result<bool, Error> {
    let rows = admin
        .query(
            "SELECT datistemplate FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .await
        .map_err(Error::pg("looking up the test template"))?;
    Ok(rows.first().is_some_and(|row| row.get::<_, bool>(0)))
}

/// Drops `name` whatever it is (a template is unmarked first).
async fn drop_any(admin: &Client, name: &str) -> Result<(), Error> {
    let exists = !admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .map_err(Error::pg("looking up the test template"))?
        .is_empty();
    if exists {
        set_template(admin, name, false).await?;
        drop_database(admin, name, true).await?;
    }
    Ok(())
}

/// Drops the temporary builds of `template` that killed builders left.
async fn drop_leftovers(admin: &Client, template: &str) -> Result<(), Error> {
    let start = format!("{template}_tmp_");
    let leftovers: Vec<String> = admin
        .query(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
            &[&start],
        )
        .await
        .map_err(Error::pg("looking up leftover template builds"))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for name in leftovers {
        tracing::info!(database = %name, "dropping a half-built test template");
        drop_any(admin, &name).await?;
    }
    Ok(())
}

/// The build lock's key: the first 8 bytes of a SHA-256 of the template's name.
fn build_lock_key(template: &str) -> i64 {
    let digest = Sha256::digest(format!("migrate_core::testing build {template}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// The process's "template ready" cells, by server and template.
fn cells() -> &'static Mutex<HashMap<String, Arc<OnceCell<()>>>> {
    static CELLS: OnceLock<Mutex<HashMap<String, Arc<OnceCell<()>>>>> = OnceLock::new();
    CELLS.get_or_init(Mutex::default)
}

fn cell(key: &str) -> Arc<OnceCell<()>> {
    let mut cells = cells().lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(cells.entry(key.to_owned()).or_default())
}

fn forget(key: &str) {
    let mut cells = cells().lock().unwrap_or_else(|e| e.into_inner());
    cells.remove(key);
}
