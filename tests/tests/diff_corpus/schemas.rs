//! Schemas and extensions.

use super::{Pair, run};

#[tokio::test]
async fn p001_schemas_and_extensions() {
    let out = run(Pair::new(
        "p001_schemas_and_extensions",
        "CREATE SCHEMA old_stuff; CREATE EXTENSION pg_trgm;",
        "CREATE SCHEMA billing; CREATE SCHEMA audit; CREATE EXTENSION pgcrypto;",
    ))
    .await;
    assert!(
        out.code.contains(r#"m.drop_extension("pg_trgm");"#),
        "{}",
        out.code
    );
    assert!(
        out.code.contains(r#"m.create_schema("audit");"#),
        "{}",
        out.code
    );
}
