//! `schema`: the database's schema as stable text, or checked against a saved file.

use anyhow::Context;
use migrate_core::{Migrator, Snapshot, SnapshotOptions};

use crate::exit::usage;
use crate::output;

/// `schema [--check FILE]`.
pub(super) async fn schema(
    migrator: &Migrator,
    client: &mut tokio_postgres::Client,
    check: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let options = SnapshotOptions::for_migrator(migrator.options());
    let current = Snapshot::read(client, &options).await?;
    match check {
        None => {
            output::schema(&current.to_text());
            Ok(())
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))
                .map_err(|e| usage(format!("{e:#}")))?;
            let expected = Snapshot::parse(&text)
                .with_context(|| format!("reading the snapshot in {}", path.display()))?;
            expected
                .check(&current)
                .with_context(|| format!("the database has drifted from {}", path.display()))?;
            output::schema_matches(path, current.len());
            Ok(())
        }
    }
}
