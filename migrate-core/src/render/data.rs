//! Rendering data changes (`UPDATE`, `INSERT`, `DELETE`) and the batched backfill:
//! the statement plans show, and the batches the runner sends.

use super::*;

// ----- data ----------------------------------------------------------------------------

pub(super) fn update(def: &UpdateDef) -> String {
    let mut update = Query::update();
    update.table(table_name(&def.table));
    for (column, value) in &def.set {
        update.value(iden(column), value.as_sea_query().clone());
    }
    if let Some(filter) = &def.filter {
        update.and_where(filter.as_sea_query().clone());
    }
    update.to_string(PG)
}

pub(super) fn insert(def: &InsertDef) -> String {
    let mut insert = Query::insert();
    insert
        .into_table(table_name(&def.table))
        .columns(def.columns.iter().map(iden));
    let mut sql = None;
    for row in &def.rows {
        let values = row.iter().map(|v| v.as_sea_query().clone());
        if insert.values(values).is_err() {
            // A row of the wrong length (which the plan reports): sea-query refuses
            // it, so write the statement out and let PostgreSQL refuse it too.
            sql = Some(insert_by_hand(def));
            break;
        }
    }
    let mut sql = sql.unwrap_or_else(|| insert.to_string(PG));
    if def.on_conflict_do_nothing {
        // sea-query's target-less `OnConflict` writes `ON CONFLICT  DO NOTHING`.
        sql.push_str(" ON CONFLICT DO NOTHING");
    }
    sql
}

pub(super) fn insert_by_hand(def: &InsertDef) -> String {
    let columns: Vec<String> = def.columns.iter().map(quote_ident).collect();
    let rows: Vec<String> = def
        .rows
        .iter()
        .map(|row| {
            let values: Vec<String> = row.iter().map(SqlExpr::to_sql).collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        quote_name(&def.table),
        columns.join(", "),
        rows.join(", ")
    )
}

pub(super) fn delete(def: &DeleteDef) -> String {
    let mut delete = Query::delete();
    delete.from_table(table_name(&def.table));
    if let Some(filter) = &def.filter {
        delete.and_where(filter.as_sea_query().clone());
    }
    delete.to_string(PG)
}

// ----- backfill ------------------------------------------------------------------------

/// The batch statement of a backfill as plans show it (`migrate sql`, dry runs): a
/// comment explaining the placeholders, then the `UPDATE` with `$1` (the cursor) and
/// `$2` (the batch's upper key). The runner never sends this text: it writes each
/// batch with [`backfill_batch`].
pub(super) fn backfill_shape(def: &BackfillDef) -> String {
    let key = match &def.key {
        Some(key) => quote_ident(key),
        None => "<key>".to_owned(),
    };
    let key_note = match &def.key {
        Some(_) => String::new(),
        None => format!(
            "; <key> = the primary key column of {}, looked up when it runs",
            quote_name(&def.table)
        ),
    };
    let pacing = def.pacing;
    format!(
        "-- backfill in batches outside the migration's transaction: each batch commits on its own \
         with the cursor, so an interrupted run resumes after the last batch done\n\
         -- about {} rows per batch, adapted towards {} ms a batch, {} ms pause between batches{key_note}\n\
         -- $1 = the last key done (no lower bound on the first batch); \
         $2 = the batch's last key: {}\n{}",
        pacing.batch_size,
        pacing.target_batch_duration.as_millis(),
        pacing.pause.as_millis(),
        backfill_upper_sql(&def.table, &key, &key, Some("$1"), "<batch size>"),
        backfill_update(def, &key, Some("$1"), "$2"),
    )
}

/// `SELECT key FROM (SELECT key FROM t WHERE key > lower ORDER BY key LIMIT n) ORDER BY
/// key DESC LIMIT 1`: the last key of the next batch (keyset, never `OFFSET`; not
/// `max()`, which some key types such as `uuid` lack). `output` is what is selected.
pub(super) fn backfill_upper_sql(
    table: &ObjectName,
    key: &str,
    output: &str,
    lower: Option<&str>,
    limit: &str,
) -> String {
    let bound = lower
        .map(|lower| format!(" WHERE {key} > {lower}"))
        .unwrap_or_default();
    format!(
        "SELECT {output} FROM (SELECT {key} FROM {}{bound} ORDER BY {key} LIMIT {limit}) AS batch \
         ORDER BY {key} DESC LIMIT 1",
        quote_name(table)
    )
}

pub(super) fn backfill_update(
    def: &BackfillDef,
    key: &str,
    lower: Option<&str>,
    upper: &str,
) -> String {
    let set: Vec<String> = def
        .set
        .iter()
        .map(|(column, value)| format!("{} = {}", quote_ident(column), value.to_sql()))
        .collect();
    let mut conditions = Vec::new();
    if let Some(lower) = lower {
        conditions.push(format!("{key} > {lower}"));
    }
    conditions.push(format!("{key} <= {upper}"));
    if let Some(filter) = &def.filter {
        conditions.push(format!("({})", filter.to_sql()));
    }
    if def.skip_unchanged && !def.set.is_empty() {
        let changed: Vec<String> = def
            .set
            .iter()
            .map(|(column, value)| {
                format!(
                    "{} IS DISTINCT FROM ({})",
                    quote_ident(column),
                    value.to_sql()
                )
            })
            .collect();
        conditions.push(format!("({})", changed.join(" OR ")));
    }
    format!(
        "UPDATE {} SET {} WHERE {}",
        quote_name(&def.table),
        set.join(", "),
        conditions.join(" AND ")
    )
}

/// A key value as SQL: its text as a literal, cast to the key's type
/// (`format_type` output, e.g. `bigint`).
pub(super) fn key_literal(value: &str, key_type: &str) -> String {
    format!("{}::{key_type}", literal(value))
}

/// The query for the last key of the next backfill batch, after `cursor` (the text
/// of the last key done; `None` before the first batch). It returns the key as text.
pub(crate) fn backfill_next_upper(
    table: &ObjectName,
    key: &Ident,
    key_type: &str,
    cursor: Option<&str>,
    batch_size: u64,
) -> String {
    let key = quote_ident(key);
    let lower = cursor.map(|c| key_literal(c, key_type));
    // As text (to be persisted as the cursor), under another name so that the outer
    // `ORDER BY` sorts the key itself, not its text.
    backfill_upper_sql(
        table,
        &key,
        &format!("{key}::text AS migrate_backfill_cursor"),
        lower.as_deref(),
        &batch_size.to_string(),
    )
}

/// One backfill batch: the rows with `cursor < key <= upper` that match the filter.
pub(crate) fn backfill_batch(
    def: &BackfillDef,
    key: &Ident,
    key_type: &str,
    cursor: Option<&str>,
    upper: &str,
) -> String {
    let lower = cursor.map(|c| key_literal(c, key_type));
    backfill_update(
        def,
        &quote_ident(key),
        lower.as_deref(),
        &key_literal(upper, key_type),
    )
}
