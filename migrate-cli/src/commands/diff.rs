//! `diff`: the next migration, generated from a changed database or schema file,
//! written like `new` writes one, then proved on the replayed scratch database.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use migrate_core::diff::{DiffOptions, DiffSession, DiffTarget};
use migrate_core::{Migrator, SnapshotOptions, VerifyOptions};

use super::verify::scratch_connector;
use crate::config::{DiffCommand, DiffTo};
use crate::database::Database;
use crate::exit::usage;
use crate::{output, scaffold};

/// `diff [NAME]`: generate, write, prove; or, with `--check`, fail on a difference.
pub(super) async fn diff(
    migrator: &Migrator,
    database: &Database,
    command: &DiffCommand,
) -> anyhow::Result<()> {
    let server = command.scratch.as_ref().unwrap_or(database);
    let options = VerifyOptions::new()
        .snapshot(SnapshotOptions::for_migrator(migrator.options()))
        .connector(scratch_connector(server));
    let target = match &command.to {
        DiffTo::Database => DiffTarget::Database(database.config.clone()),
        DiffTo::Url(other) => DiffTarget::Database(other.config.clone()),
        DiffTo::Sql(path) => DiffTarget::Sql(read_sql(path)?),
    };
    tracing::info!(target: "migrate_cli", server = %server.display, "replaying the migrations on a scratch database");
    let mut session = tokio::select! {
        session = DiffSession::open(migrator, &server.config, target, &options) => session?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted: the scratch databases were dropped"),
    };
    let result = tokio::select! {
        result = generate_and_prove(&mut session, migrator, command) => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted: the scratch databases were dropped")),
    };
    let closed = session.close().await;
    let outcome = result?;
    closed?;
    outcome
}

/// The steps after the session is open. `Ok(Err(..))` is a finished command that
/// failed (a difference under `--check`, a proof that does not hold).
async fn generate_and_prove(
    session: &mut DiffSession,
    migrator: &Migrator,
    command: &DiffCommand,
) -> anyhow::Result<anyhow::Result<()>> {
    let mut options = DiffOptions::new();
    for rename in &command.renames {
        options = options.rename(rename.clone());
    }
    if command.prompt
        && !command.check
        && std::io::stdin().is_terminal()
        && output::stderr_is_terminal()
    {
        for candidate in session.rename_candidates(&options)? {
            if ask(&format!("Is {} a rename?", candidate.description))? {
                options = options.rename(candidate.rename);
            }
        }
    }
    let generated = session.generate(&options)?;
    if generated.is_empty() {
        let leftover = session.snapshot_diff();
        if leftover.is_empty() {
            output::diff_none();
            return Ok(Ok(()));
        }
        // The snapshot sees a difference the generator does not cover.
        output::diff_uncovered(&leftover);
        return Ok(Err(anyhow::anyhow!(
            "the target differs from the migrations in ways diff does not generate (see above)"
        )));
    }
    if command.check {
        output::diff_changes(&generated.summary());
        return Ok(Err(anyhow::anyhow!(
            "the target differs from the migrations: {} change(s) to generate (`migrate diff NAME` writes them)",
            generated.summary().len()
        )));
    }
    let Some(name) = command.name.as_deref() else {
        return Err(usage("give the new migration a name (or use --check)"));
    };
    let id = scaffold::id_for(jiff::Timestamp::now());
    let source = generated.to_rust(id, name);
    let made = scaffold::create_with(
        &command.dir,
        name,
        id,
        |id| migrator.headers().iter().any(|h| h.id == id),
        &source,
    )
    .map_err(|e| usage(format!("{e:#}")))?;
    rustfmt(&made.file);
    output::scaffolded(&made);
    output::diff_written(
        generated.summary().len(),
        generated.needs_review(),
        &generated.irreversible_reasons(),
    );
    let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let proof = session.prove(&generated, id, name).await?;
    output::diff_proof(&proof, generated.needs_review() > 0);
    if proof.holds() {
        Ok(Ok(()))
    } else {
        Ok(Err(anyhow::anyhow!(
            "the generated migration does not reproduce the target exactly (see above): \
             edit {} before committing it",
            made.file.display()
        )))
    }
}

/// A yes/no question on the terminal (default no).
fn ask(question: &str) -> anyhow::Result<bool> {
    output::prompt(&format!("{question} [y/N] "));
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// The SQL of `--to-sql`: the file, or every `.sql` file of the directory in name order.
fn read_sql(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let files = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(usage(format!("{} holds no .sql file", path.display())));
        }
        files
    } else {
        vec![path.to_owned()]
    };
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            Ok((file.display().to_string(), text))
        })
        .collect()
}

/// Formats the written file with rustfmt when there is one (the generator's own
/// layout is kept otherwise).
fn rustfmt(file: &Path) {
    let formatted = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !formatted.is_ok_and(|s| s.success()) {
        tracing::debug!(target: "migrate_cli", file = %file.display(), "rustfmt did not run");
    }
}
