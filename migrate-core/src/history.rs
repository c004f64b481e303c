//! The bookkeeping table: which migrations are applied, and how far an interrupted
//! non-transactional one got.
//!
//! Default: `public.migrate_history` (see [`MigratorOptions`](crate::MigratorOptions)).
//! Columns:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `id` | `bigint` primary key | the migration's id |
//! | `name` | `text` | its name when it ran |
//! | `checksum` | `text` | SHA-256 of its steps (64 hex digits) |
//! | `applied_at` | `timestamptz` | when it was applied (start of its transaction) |
//! | `execution_ms` | `bigint` | how long it took (0 for a baselined one) |
//! | `applied_by` | `text` | `current_user` |
//! | `state` | `text` | `applied`, `baselined`, `applying` or `reverting` |
//! | `units_done` | `integer` | units completed (meaningful while applying/reverting) |
//! | `backfill_cursor` | `text` | the last key done by the backfill in progress (unit `units_done`) |
//!
//! A transactional migration writes its row in its own transaction, so a row in state
//! `applied` always means "all of it ran". A migration with statements that must run
//! outside a transaction first inserts its row as `applying`, bumps `units_done`
//! after each unit (in the unit's transaction when it has one), then marks it
//! `applied`; a rerun resumes after the last unit done. A batched backfill stores its
//! cursor in `backfill_cursor` in each batch's transaction, so a rerun resumes after
//! the last batch committed; finishing the unit clears it. A table made by an older
//! version gets the column added when a run first needs it.

use std::time::SystemTime;

use crate::checksum::Checksum;
use crate::error::Error;
use crate::ident::{Ident, ObjectName};
use crate::render::{literal, quote_ident, quote_name};

/// The row state of an applied migration.
pub(crate) const APPLIED: &str = "applied";
/// The row state of a baselined migration.
pub(crate) const BASELINED: &str = "baselined";
/// A non-transactional migration on its way up.
pub(crate) const APPLYING: &str = "applying";
/// A non-transactional migration on its way down.
pub(crate) const REVERTING: &str = "reverting";

/// One row of the history table, as runs and `status` read it (the table also
/// keeps how long each migration took and who applied it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AppliedMigration {
    /// The id.
    pub(crate) id: i64,
    /// The name it had when it ran.
    pub(crate) name: String,
    /// The checksum it had when it ran (64 hex digits).
    pub(crate) checksum: String,
    /// When it was applied.
    pub(crate) applied_at: SystemTime,
    /// `applied`, `baselined`, `applying` or `reverting`.
    pub(crate) state: String,
    /// Units done (for `applying` / `reverting`).
    pub(crate) units_done: i32,
    /// The last key done by the backfill of unit `units_done`, when one was
    /// interrupted.
    pub(crate) backfill_cursor: Option<String>,
}

impl AppliedMigration {
    /// Whether the recorded checksum is the given one.
    pub(crate) fn has_checksum(&self, checksum: &Checksum) -> bool {
        Checksum::from_hex(&self.checksum).as_ref() == Some(checksum)
    }
}

/// The history in four numbers, as `up` reads it first (see [`HistoryTable::summary_sql`]):
/// when the history records exactly the code's first migrations, finished, with the
/// code's checksums, this is all a run needs, and its rows are not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    /// How many rows.
    pub(crate) count: i64,
    /// The highest id (`None` without rows).
    pub(crate) max_id: Option<i64>,
    /// SHA-256 of `id:checksum` of every row by ascending id, joined with `,` (see
    /// `reconcile::history_digest`; `None` without rows).
    pub(crate) digest: Option<Vec<u8>>,
    /// Rows not plainly done: a state other than `applied` or `baselined`, or a
    /// backfill cursor.
    pub(crate) unsettled: i64,
}

/// The history table's name and the SQL that maintains it.
#[derive(Clone, Debug)]
pub(crate) struct HistoryTable {
    schema: Ident,
    table: Ident,
    qualified: String,
}

impl HistoryTable {
    pub(crate) fn new(schema: &Ident, table: &Ident) -> Self {
        let name = ObjectName::qualified(schema.clone(), table.clone());
        Self {
            schema: schema.clone(),
            table: table.clone(),
            qualified: quote_name(&name),
        }
    }

    /// The quoted, qualified name.
    pub(crate) fn name(&self) -> &str {
        &self.qualified
    }

    /// The schema's name, quoted.
    pub(crate) fn quoted_schema(&self) -> String {
        quote_ident(&self.schema)
    }

    pub(crate) fn schema(&self) -> &str {
        self.schema.as_str()
    }

    pub(crate) fn table(&self) -> &str {
        self.table.as_str()
    }

    /// Creates the schema (when `create_schema`) and the table when missing.
    pub(crate) fn create_sql(&self, create_schema: bool) -> String {
        let mut sql = String::new();
        if create_schema {
            sql.push_str(&format!(
                "CREATE SCHEMA IF NOT EXISTS {};\n",
                quote_ident(&self.schema)
            ));
        }
        sql.push_str(&format!(
            "CREATE TABLE IF NOT EXISTS {} (\n\
             \x20   id bigint PRIMARY KEY,\n\
             \x20   name text NOT NULL,\n\
             \x20   checksum text NOT NULL,\n\
             \x20   applied_at timestamptz NOT NULL DEFAULT now(),\n\
             \x20   execution_ms bigint NOT NULL DEFAULT 0,\n\
             \x20   applied_by text NOT NULL DEFAULT current_user,\n\
             \x20   state text NOT NULL DEFAULT 'applied'\n\
             \x20       CHECK (state IN ('applied', 'baselined', 'applying', 'reverting')),\n\
             \x20   units_done integer NOT NULL DEFAULT 0,\n\
             \x20   backfill_cursor text\n\
             )",
            self.qualified
        ));
        sql
    }

    /// Adds the column a table made by an older version lacks.
    pub(crate) fn upgrade_sql(&self) -> String {
        format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS backfill_cursor text",
            self.qualified
        )
    }

    /// Reads every row, in no order (sorting 1,000 rows on the client is cheaper than
    /// the server's sort and the planning of an index path). `cursor_column`: whether
    /// the table has its `backfill_cursor` column (a table made by an older version
    /// lacks it until a run adds it).
    pub(crate) fn select_sql(&self, cursor_column: bool) -> String {
        let cursor = if cursor_column {
            "backfill_cursor"
        } else {
            "NULL::text"
        };
        format!(
            "SELECT id, name, checksum, applied_at, state, units_done, {cursor} FROM {}",
            self.qualified
        )
    }

    /// The [`Summary`]: the server aggregates the rows (a sort of the ids and one
    /// SHA-256), so that a run whose history holds nothing unusual receives four values
    /// instead of every row (10,000 rows are about a megabyte to send and to parse).
    pub(crate) fn summary_sql(&self) -> String {
        format!(
            "SELECT count(*), max(id), \
             sha256(convert_to(string_agg(id::text || ':' || checksum, ',' ORDER BY id), 'UTF8')), \
             count(*) FILTER (WHERE state NOT IN ('{APPLIED}', '{BASELINED}') \
             OR backfill_cursor IS NOT NULL) FROM {}",
            self.qualified
        )
    }

    /// Reads the [`Summary`]; `None` when the table lacks the `backfill_cursor` column
    /// (made by an older version: the full read then upgrades it, as before).
    pub(crate) async fn read_summary(
        &self,
        client: &tokio_postgres::Client,
    ) -> Result<Option<Summary>, Error> {
        const CONTEXT: &str = "reading the history table";
        let row = match client.query_typed_one(&self.summary_sql(), &[]).await {
            Ok(row) => row,
            Err(source)
                if source.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_COLUMN) =>
            {
                return Ok(None);
            }
            Err(source) => return Err(Error::pg(CONTEXT)(source)),
        };
        Ok(Some(Summary {
            count: row.try_get(0).map_err(Error::pg(CONTEXT))?,
            max_id: row.try_get(1).map_err(Error::pg(CONTEXT))?,
            digest: row.try_get(2).map_err(Error::pg(CONTEXT))?,
            unsettled: row.try_get(3).map_err(Error::pg(CONTEXT))?,
        }))
    }

    /// Reads every row; `None` when the table lacks the `backfill_cursor` column (made
    /// by an older version). Asking the server is cheaper than looking the column up in
    /// the catalog first: a fresh session pays ~1 ms to plan a `pg_attribute` query.
    pub(crate) async fn read(
        &self,
        client: &tokio_postgres::Client,
    ) -> Result<Option<Vec<AppliedMigration>>, Error> {
        match self.read_rows(client, true).await {
            Err(Error::Postgres { source, .. })
                if source.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_COLUMN) =>
            {
                Ok(None)
            }
            result => result.map(Some),
        }
    }

    /// Reads every row of a table with or without the `backfill_cursor` column, sorted
    /// by id.
    pub(crate) async fn read_rows(
        &self,
        client: &tokio_postgres::Client,
        cursor_column: bool,
    ) -> Result<Vec<AppliedMigration>, Error> {
        const CONTEXT: &str = "reading the history table";
        let rows = client
            .query_typed(&self.select_sql(cursor_column), &[])
            .await
            .map_err(Error::pg(CONTEXT))?;
        let mut applied = rows
            .iter()
            .map(|row| {
                Ok(AppliedMigration {
                    id: row.try_get(0).map_err(Error::pg(CONTEXT))?,
                    name: row.try_get(1).map_err(Error::pg(CONTEXT))?,
                    checksum: row.try_get(2).map_err(Error::pg(CONTEXT))?,
                    applied_at: row.try_get(3).map_err(Error::pg(CONTEXT))?,
                    state: row.try_get(4).map_err(Error::pg(CONTEXT))?,
                    units_done: row.try_get(5).map_err(Error::pg(CONTEXT))?,
                    backfill_cursor: row.try_get(6).map_err(Error::pg(CONTEXT))?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        applied.sort_unstable_by_key(|a| a.id);
        Ok(applied)
    }

    /// The row of a transactional migration, inserted in its transaction; the
    /// execution time is measured by the server from the transaction's start.
    pub(crate) fn insert_applied_sql(
        &self,
        id: i64,
        name: &str,
        checksum: &Checksum,
        units: usize,
    ) -> String {
        format!(
            "INSERT INTO {} (id, name, checksum, applied_at, execution_ms, applied_by, state, units_done) \
             VALUES ({id}, {}, {}, now(), \
             (extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, current_user, 'applied', {units})",
            self.qualified,
            literal(name),
            literal(&checksum.to_hex()),
        )
    }

    /// The row of a baselined migration.
    pub(crate) fn insert_baselined_sql(&self, id: i64, name: &str, checksum: &Checksum) -> String {
        format!(
            "INSERT INTO {} (id, name, checksum, applied_at, execution_ms, applied_by, state, units_done) \
             VALUES ({id}, {}, {}, now(), 0, current_user, 'baselined', 0)",
            self.qualified,
            literal(name),
            literal(&checksum.to_hex()),
        )
    }

    /// The row of a non-transactional migration before its first unit.
    pub(crate) fn insert_applying_sql(&self, id: i64, name: &str, checksum: &Checksum) -> String {
        format!(
            "INSERT INTO {} (id, name, checksum, applied_at, execution_ms, applied_by, state, units_done) \
             VALUES ({id}, {}, {}, now(), 0, current_user, 'applying', 0)",
            self.qualified,
            literal(name),
            literal(&checksum.to_hex()),
        )
    }

    /// Progress after a unit.
    pub(crate) fn progress_sql(&self, id: i64, units_done: usize) -> String {
        format!(
            "UPDATE {} SET units_done = {units_done}, backfill_cursor = NULL WHERE id = {id}",
            self.qualified
        )
    }

    /// A backfill's cursor, written in the transaction of the batch that reached it.
    pub(crate) fn cursor_sql(&self, id: i64, cursor: &str) -> String {
        format!(
            "UPDATE {} SET backfill_cursor = {} WHERE id = {id}",
            self.qualified,
            literal(cursor)
        )
    }

    /// Marks a non-transactional migration as reverting, from its first down unit.
    pub(crate) fn start_reverting_sql(&self, id: i64) -> String {
        format!(
            "UPDATE {} SET state = 'reverting', units_done = 0, backfill_cursor = NULL \
             WHERE id = {id}",
            self.qualified
        )
    }

    /// Marks a non-transactional migration as applied.
    pub(crate) fn finish_applying_sql(&self, id: i64, units: usize, execution_ms: i64) -> String {
        format!(
            "UPDATE {} SET state = 'applied', units_done = {units}, backfill_cursor = NULL, \
             applied_at = now(), execution_ms = {execution_ms}, applied_by = current_user \
             WHERE id = {id}",
            self.qualified
        )
    }

    /// Removes a reverted migration's row.
    pub(crate) fn delete_sql(&self, id: i64) -> String {
        format!("DELETE FROM {} WHERE id = {id}", self.qualified)
    }

    /// Accepts the current checksum (and name) of a migration.
    pub(crate) fn repair_sql(&self, id: i64, name: &str, checksum: &Checksum) -> String {
        format!(
            "UPDATE {} SET checksum = {}, name = {} WHERE id = {id}",
            self.qualified,
            literal(&checksum.to_hex()),
            literal(name),
        )
    }
}
