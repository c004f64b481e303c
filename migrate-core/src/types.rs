//! Column types, default values and the other small typed values the DSL takes.

use serde::Serialize;

use crate::expr::SqlExpr;
use crate::ident::ObjectName;

/// A PostgreSQL column type, as a typed value.
///
/// The variants are in the prelude, so a column reads `t.column("email", Varchar(255))`.
/// Arrays are built with [`ColumnType::array`]; a user-defined type (an enum, a domain)
/// by name with [`ColumnType::named`]; anything else through the clearly marked escape
/// hatch [`ColumnType::unchecked`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ColumnType {
    /// `smallint` (2 bytes).
    SmallInt,
    /// `integer` (4 bytes).
    Integer,
    /// `bigint` (8 bytes).
    BigInt,
    /// `smallserial`: a `smallint` column whose default takes the next value of a
    /// sequence of its own, created with it and dropped with it. Only a column type
    /// in `create_table` / `add_column` (PostgreSQL has no such type elsewhere); prefer
    /// an identity column (`SmallInt` with `.identity()`): the lint flags serials.
    SmallSerial,
    /// `serial`: an `integer` column fed by a sequence of its own (see
    /// [`SmallSerial`](ColumnType::SmallSerial)).
    Serial,
    /// `bigserial`: a `bigint` column fed by a sequence of its own (see
    /// [`SmallSerial`](ColumnType::SmallSerial)).
    BigSerial,
    /// `boolean`.
    Boolean,
    /// `text`.
    Text,
    /// `varchar(n)`.
    Varchar(u32),
    /// `char(n)`.
    Char(u32),
    /// `numeric(precision, scale)`.
    Numeric(u32, u32),
    /// `numeric` without precision or scale: exact, of any size and scale (what
    /// PostgreSQL calls an unconstrained numeric).
    UnconstrainedNumeric,
    /// `real` (4-byte float).
    Real,
    /// `double precision` (8-byte float).
    DoublePrecision,
    /// `date`.
    Date,
    /// `time` (without time zone).
    Time,
    /// `timestamp` (without time zone).
    Timestamp,
    /// `timestamptz` (`timestamp with time zone`): what you almost always want.
    Timestamptz,
    /// `interval`.
    Interval,
    /// `uuid`.
    Uuid,
    /// `json`.
    Json,
    /// `jsonb`.
    Jsonb,
    /// `bytea`.
    Bytea,
    /// `inet`.
    Inet,
    /// An array of another type, e.g. `text[]`: build it with [`ColumnType::array`].
    Array(Box<ColumnType>),
    /// A user-defined type by name (an enum created with `create_enum`, a domain):
    /// quoted like any identifier.
    Named(ObjectName),
    /// A type written verbatim into the SQL, unchecked and unquoted, e.g.
    /// `citext` or `vector(1536)`. The escape hatch for types this enum lacks.
    Unchecked(String),
}

impl ColumnType {
    /// An array of this type: `Text.array()` is `text[]`.
    pub fn array(self) -> Self {
        Self::Array(Box::new(self))
    }

    /// A user-defined type by (optionally schema-qualified) name, quoted when rendered.
    pub fn named(name: impl Into<ObjectName>) -> Self {
        Self::Named(name.into())
    }

    /// A type written verbatim into the SQL. Nothing checks it: prefer a typed variant
    /// or [`ColumnType::named`] when one fits.
    pub fn unchecked(sql: impl Into<String>) -> Self {
        Self::Unchecked(sql.into())
    }

    /// Whether this is `smallserial`, `serial` or `bigserial` (a column with a
    /// sequence of its own).
    pub fn is_serial(&self) -> bool {
        matches!(self, Self::SmallSerial | Self::Serial | Self::BigSerial)
    }
}

/// How a default expression behaves, which decides whether adding a column with it
/// rewrites the whole table (PostgreSQL 11+ stores a non-volatile default without a
/// rewrite).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Volatility {
    /// A constant: a literal value.
    Immutable,
    /// Fixed within a statement, e.g. `now()`.
    Stable,
    /// Changes on every call, e.g. `gen_random_uuid()` or `clock_timestamp()`:
    /// adding a column with such a default rewrites the table.
    Volatile,
}

/// A column default: an expression and its volatility.
///
/// Literals convert into a default directly (`.default(0)`, `.default("draft")`,
/// `.default(false)`); functions come from [`DefaultValue::now`],
/// [`DefaultValue::gen_random_uuid`], or [`DefaultValue::expr`] for any sea-query
/// expression with its volatility stated.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DefaultValue {
    /// The expression.
    pub expr: SqlExpr,
    /// Its volatility.
    pub volatility: Volatility,
}

impl DefaultValue {
    /// `now()`: the transaction's start time (stable).
    pub fn now() -> Self {
        Self::expr(sea_query::Expr::cust("now()"), Volatility::Stable)
    }

    /// `CURRENT_DATE` (stable).
    pub fn current_date() -> Self {
        Self::expr(sea_query::Expr::cust("CURRENT_DATE"), Volatility::Stable)
    }

    /// `gen_random_uuid()` (volatile: adding a column with it rewrites the table).
    pub fn gen_random_uuid() -> Self {
        Self::expr(
            sea_query::Expr::cust("gen_random_uuid()"),
            Volatility::Volatile,
        )
    }

    /// Any expression, with its volatility stated by the caller.
    pub fn expr(expr: impl Into<SqlExpr>, volatility: Volatility) -> Self {
        Self {
            expr: expr.into(),
            volatility,
        }
    }

    /// `NULL`.
    pub fn null() -> Self {
        Self::expr(
            sea_query::Expr::value(sea_query::Value::String(None)),
            Volatility::Immutable,
        )
    }
}

macro_rules! literal_defaults {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for DefaultValue {
            fn from(v: $t) -> Self {
                Self::expr(sea_query::Expr::value(v), Volatility::Immutable)
            }
        }
    )*};
}
literal_defaults!(bool, i16, i32, i64, f32, f64, &str, String);

/// What a foreign key does when the referenced row is deleted or its key updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ReferentialAction {
    /// `NO ACTION` (PostgreSQL's default; checked at the end of the statement).
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

/// The access method of an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum IndexMethod {
    /// `btree` (the default).
    Btree,
    /// `hash`.
    Hash,
    /// `gin` (jsonb, arrays, full text).
    Gin,
    /// `gist` (geometry, ranges).
    Gist,
    /// `brin` (huge, naturally ordered tables).
    Brin,
}

/// Sort order of an index column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SortOrder {
    /// `ASC` (the default).
    Asc,
    /// `DESC`.
    Desc,
}

/// Whether an identity column accepts explicit values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Identity {
    /// `GENERATED BY DEFAULT AS IDENTITY`: explicit values allowed.
    ByDefault,
    /// `GENERATED ALWAYS AS IDENTITY`: explicit values need `OVERRIDING SYSTEM VALUE`.
    Always,
}
