//! SQL expressions inside steps: sea-query's typed expressions, stored as data.

use serde::{Serialize, Serializer};

/// A SQL expression (a default, a CHECK, a filter, a value to set), built with
/// sea-query's typed API rather than a string:
///
/// ```
/// use migrate_core::prelude::*;
/// let filter: SqlExpr = Expr::col("email").is_null().into();
/// assert_eq!(filter.to_sql(), r#""email" IS NULL"#);
/// ```
///
/// For the canonical encoding behind checksums an expression stands as its rendered
/// PostgreSQL text (see the `checksum` module): a sea-query release that prints an
/// expression differently changes the checksum of the migrations that hold it.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlExpr(pub(crate) sea_query::Expr);

impl SqlExpr {
    /// The sea-query expression.
    pub fn as_sea_query(&self) -> &sea_query::Expr {
        &self.0
    }
}

impl<T: Into<sea_query::Expr>> From<T> for SqlExpr {
    fn from(e: T) -> Self {
        Self(e.into())
    }
}

impl Serialize for SqlExpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_sql())
    }
}
