//! Schemas and extensions: the family the others follow.
//!
//! A family reads its [`Part`] of the catalog in [`read`] and compares two of them
//! in [`diff`], emitting one change per DSL call ([`Cx::emit`]) in the phase that
//! orders it.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use super::catalog::{Scope, get};
use super::code::lit;
use super::emit::{Cx, Phase};
use crate::error::Error;
use crate::snapshot::catalog::{NS, own};

/// User schemas and extensions.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {
    /// Every user schema but `public` (which every database has) and the history
    /// table's.
    pub(crate) schemas: BTreeSet<String>,
    /// Extensions: name to the schema they live in.
    pub(crate) extensions: BTreeMap<String, String>,
}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        self.schemas.is_empty() && self.extensions.is_empty()
    }
}

pub(crate) async fn read(scope: &Scope<'_>) -> Result<Part, Error> {
    let mut part = Part::default();
    let rows = scope
        .query(&format!(
            "SELECT n.nspname::text FROM pg_namespace n \
             WHERE {NS} AND n.nspname <> $3::text AND n.nspname <> 'public' AND {}",
            own("pg_namespace", "n.oid")
        ))
        .await?;
    for row in rows {
        part.schemas.insert(get(&row, 0)?);
    }
    // `plpgsql` comes with every database.
    let rows = scope
        .query(
            "SELECT e.extname::text, n.nspname::text FROM pg_extension e \
             JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' \
             AND $1::text[] IS NOT NULL AND $2::text[] IS NOT NULL \
             AND $3::text IS NOT NULL AND $4::text IS NOT NULL",
        )
        .await?;
    for row in rows {
        part.extensions.insert(get(&row, 0)?, get(&row, 1)?);
    }
    Ok(part)
}

pub(crate) fn diff(cx: &mut Cx<'_>) {
    let (from, to) = (&cx.from.schemas, &cx.to.schemas);
    let dropped: Vec<String> = from.schemas.difference(&to.schemas).cloned().collect();
    let created: Vec<String> = to.schemas.difference(&from.schemas).cloned().collect();
    let ext_dropped: Vec<String> = from
        .extensions
        .keys()
        .filter(|e| !to.extensions.contains_key(*e))
        .cloned()
        .collect();
    let ext_created: Vec<(String, String)> = to
        .extensions
        .iter()
        .filter(|(e, _)| !from.extensions.contains_key(*e))
        .map(|(e, s)| (e.clone(), s.clone()))
        .collect();
    for schema in dropped {
        cx.emit(
            Phase::DropSchemas,
            format!("m.drop_schema({});", lit(&schema)),
            |m| {
                m.drop_schema(schema.as_str());
            },
        );
    }
    for schema in created {
        cx.emit(
            Phase::CreateSchemas,
            format!("m.create_schema({});", lit(&schema)),
            |m| {
                m.create_schema(schema.as_str());
            },
        );
    }
    for extension in ext_dropped {
        cx.emit(
            Phase::DropExtensions,
            format!("m.drop_extension({});", lit(&extension)),
            |m| {
                m.drop_extension(extension.as_str());
            },
        );
    }
    for (extension, schema) in ext_created {
        if schema != "public" {
            cx.unchecked(
                Phase::CreateExtensions,
                format!(
                    "extension {extension} lives in schema {schema}, and the DSL creates \
                     extensions in the default schema"
                ),
                &format!(
                    "CREATE EXTENSION {} SCHEMA {}",
                    crate::render::quote_ident(&crate::ident::Ident::new(extension.as_str())),
                    crate::render::quote_ident(&crate::ident::Ident::new(schema.as_str())),
                ),
            );
            continue;
        }
        cx.emit(
            Phase::CreateExtensions,
            format!("m.create_extension({});", lit(&extension)),
            |m| {
                m.create_extension(extension.as_str());
            },
        );
    }
}
