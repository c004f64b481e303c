//! Loading the tables the writers update.

use super::*;

pub(crate) async fn load(client: &Client, rows: i64) -> Result<(), HarnessError> {
    client
        .batch_execute(&format!(
            "CREATE TABLE owners (id bigint PRIMARY KEY, name text NOT NULL);
             INSERT INTO owners SELECT g, 'owner ' || g FROM generate_series(1, 1000) g;
             CREATE TABLE accounts (id bigint NOT NULL, owner_id bigint, balance bigint NOT NULL,
                                    note text, fill_ctl bigint, fill_sub bigint,
                                    fill_tuned bigint, fill_bench bigint);
             INSERT INTO accounts (id, owner_id, balance, note)
               SELECT g, 1 + g % 1000, 0, 'account note ' || g FROM generate_series(1, {rows}) g;
             ALTER TABLE accounts ADD PRIMARY KEY (id);"
        ))
        .await?;
    for sql in [
        "VACUUM ANALYZE owners",
        "VACUUM ANALYZE accounts",
        "CHECKPOINT",
    ] {
        client.batch_execute(sql).await?;
    }
    // Warm the cache: pg_prewarm when the extension is there, else scans.
    if client
        .batch_execute(
            "CREATE EXTENSION IF NOT EXISTS pg_prewarm; SELECT pg_prewarm('accounts'); \
             SELECT pg_prewarm('accounts_pkey'); SELECT pg_prewarm('owners')",
        )
        .await
        .is_err()
    {
        client
            .batch_execute("SELECT sum(balance) FROM accounts; SELECT count(*) FROM owners")
            .await?;
    }
    Ok(())
}
