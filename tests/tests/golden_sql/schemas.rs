//! Schemas and extensions, created and dropped, and their one-way `ensure` forms.

use migrate_core::Step;
use migrate_core::prelude::*;

// ----- schemas and extensions -------------------------------------------------------

pub(crate) fn extensions(m: &mut Migration) {
    m.create_schema("ext");
    m.create_extension("uuid-ossp");
    m.create_extension("pgcrypto");
}

pub(crate) fn drop_extensions(m: &mut Migration) {
    m.drop_extension("pg_trgm");
    m.drop_schema("legacy");
}

#[test]
fn schemas_and_extensions() {
    let plan = migrate_core::plan::preview(extensions).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE SCHEMA "ext""#,
            r#"CREATE EXTENSION "uuid-ossp""#,
            r#"CREATE EXTENSION "pgcrypto""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP EXTENSION "pgcrypto""#,
            r#"DROP EXTENSION "uuid-ossp""#,
            r#"DROP SCHEMA "ext""#,
        ]
    );

    let plan = migrate_core::plan::preview(drop_extensions).unwrap();
    assert_eq!(
        plan.up_sql(),
        [r#"DROP EXTENSION "pg_trgm""#, r#"DROP SCHEMA "legacy""#]
    );
    assert_eq!(
        plan.down_sql(),
        [r#"CREATE SCHEMA "legacy""#, r#"CREATE EXTENSION "pg_trgm""#,]
    );
}

/// `ensure_*` accepts what exists already; having no inverse, it needs `Manual` mode
/// (a one-way migration, or one with its own down).
#[test]
fn ensured_schemas_and_extensions_are_one_way() {
    fn ensure(m: &mut Migration<Manual>) {
        m.ensure_schema("ext");
        m.ensure_extension("pgcrypto");
    }
    assert_eq!(
        migrate_core::plan::preview(ensure).unwrap().up_sql(),
        [
            r#"CREATE SCHEMA IF NOT EXISTS "ext""#,
            r#"CREATE EXTENSION IF NOT EXISTS "pgcrypto""#,
        ]
    );
    let steps = [
        Step::EnsureSchema { name: "ext".into() },
        Step::EnsureExtension {
            name: "pgcrypto".into(),
        },
    ];
    assert!(steps.iter().all(|step| step.inverse().is_none()));
}
