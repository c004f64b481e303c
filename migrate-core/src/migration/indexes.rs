//! Indexes: `create_index(_concurrently)`, `drop_index(_concurrently)_with`, `rename_index`,
//! and the [`IndexDef`] / [`IndexColumn`] builders. (`drop_index` and
//! `drop_index_concurrently`, which need the migration's mode, are with [`Migration`] in
//! the parent module.)

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{IndexColumn, IndexDef, IndexKey, Step, StorageParam};
use crate::types::{IndexMethod, SortOrder};

use super::{Migration, idents};

impl<M: Mode> Migration<M> {
    /// `CREATE INDEX` inside the migration's transaction. It blocks writes to the
    /// table while it builds: on an existing table prefer
    /// [`create_index_concurrently`](Self::create_index_concurrently).
    pub fn create_index(
        &mut self,
        name: impl Into<Ident>,
        table: impl Into<ObjectName>,
        columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
    ) -> &mut IndexDef {
        self.index_step(IndexDef::new(name, table, columns, false))
    }

    /// `CREATE INDEX CONCURRENTLY`: built without blocking writes, outside any
    /// transaction. A failed build leaves an invalid index, which the runner finds
    /// and rebuilds on the next run.
    pub fn create_index_concurrently(
        &mut self,
        name: impl Into<Ident>,
        table: impl Into<ObjectName>,
        columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
    ) -> &mut IndexDef {
        self.index_step(IndexDef::new(name, table, columns, true))
    }

    fn index_step(&mut self, def: IndexDef) -> &mut IndexDef {
        match self.push(Step::CreateIndex(def)) {
            Step::CreateIndex(def) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `DROP INDEX` with the index's definition, so the down can rebuild it.
    pub fn drop_index_with(
        &mut self,
        name: impl Into<Ident>,
        table: impl Into<ObjectName>,
        columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
    ) -> &mut IndexDef {
        self.drop_index_step(IndexDef::new(name, table, columns, false))
    }

    /// `DROP INDEX CONCURRENTLY` with the index's definition, so the down can
    /// rebuild it (concurrently).
    pub fn drop_index_concurrently_with(
        &mut self,
        name: impl Into<Ident>,
        table: impl Into<ObjectName>,
        columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
    ) -> &mut IndexDef {
        self.drop_index_step(IndexDef::new(name, table, columns, true))
    }

    fn drop_index_step(&mut self, def: IndexDef) -> &mut IndexDef {
        let step = self.push(Step::DropIndex {
            index: def.qualified_name(),
            concurrently: def.concurrently,
            definition: Some(def),
        });
        match step {
            Step::DropIndex {
                definition: Some(def),
                ..
            } => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }
}

impl<M: Mode> Migration<M> {
    /// `ALTER INDEX .. RENAME TO ..`.
    pub fn rename_index(&mut self, from: impl Into<ObjectName>, to: impl Into<Ident>) -> &mut Self {
        self.push(Step::RenameIndex {
            from: from.into(),
            to: to.into(),
        });
        self
    }
}

impl IndexDef {
    pub(super) fn new(
        name: impl Into<Ident>,
        table: impl Into<ObjectName>,
        columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
        concurrently: bool,
    ) -> Self {
        Self {
            name: name.into(),
            table: table.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            unique: false,
            concurrently,
            method: None,
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct: false,
            storage: Vec::new(),
        }
    }

    /// `UNIQUE`.
    pub fn unique(&mut self) -> &mut Self {
        self.unique = true;
        self
    }

    /// `USING method`.
    pub fn using(&mut self, method: IndexMethod) -> &mut Self {
        self.method = Some(method);
        self
    }

    /// `INCLUDE (..)`: non-key columns stored in the index for index-only scans.
    pub fn include(&mut self, columns: impl IntoIterator<Item = impl Into<Ident>>) -> &mut Self {
        self.include = idents(columns);
        self
    }

    /// `WHERE ..`: a partial index.
    pub fn filter(&mut self, predicate: impl Into<SqlExpr>) -> &mut Self {
        self.predicate = Some(predicate.into());
        self
    }

    /// `NULLS NOT DISTINCT` (a unique index, PostgreSQL 15+): rows whose keys are
    /// `NULL` count as equal, so only one of them is allowed.
    pub fn nulls_not_distinct(&mut self) -> &mut Self {
        self.nulls_not_distinct = true;
        self
    }

    /// A storage parameter, `WITH (name = value)`, e.g. `.with("fillfactor", 70)`;
    /// called again, parameters are added in order. A number is written as is, any
    /// other value as a string literal (`'off'`).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn search(m: &mut Migration) {
    ///     m.create_index_concurrently("users_name_trgm", "users", [IndexColumn::col("name").opclass("gin_trgm_ops")])
    ///         .using(IndexMethod::Gin)
    ///         .with("fastupdate", "off");
    ///     m.create_index_concurrently("users_email_key", "users", [IndexColumn::col("email").collate("C")])
    ///         .unique()
    ///         .nulls_not_distinct()
    ///         .with("fillfactor", 70);
    /// }
    /// let plan = migrate_core::plan::preview(search).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE INDEX CONCURRENTLY "users_name_trgm" ON "users" USING gin ("name" "gin_trgm_ops") WITH ("fastupdate" = 'off')"#,
    ///     r#"CREATE UNIQUE INDEX CONCURRENTLY "users_email_key" ON "users" ("email" COLLATE "C") NULLS NOT DISTINCT WITH ("fillfactor" = 70)"#,
    /// ]);
    /// ```
    pub fn with(&mut self, name: impl Into<Ident>, value: impl ToString) -> &mut Self {
        self.storage.push(StorageParam {
            name: name.into(),
            value: value.to_string(),
        });
        self
    }
}

impl IndexColumn {
    fn of(key: IndexKey) -> Self {
        Self {
            key,
            order: None,
            collation: None,
            opclass: None,
        }
    }

    /// A column, e.g. `IndexColumn::col("name").opclass("text_pattern_ops")`.
    pub fn col(column: impl Into<Ident>) -> Self {
        Self::of(IndexKey::Column(column.into()))
    }

    /// A column, descending.
    pub fn desc(column: impl Into<Ident>) -> Self {
        Self::col(column).order(SortOrder::Desc)
    }

    /// An expression key, e.g. `IndexColumn::expr(Expr::cust("lower(email)"))`.
    pub fn expr(expr: impl Into<SqlExpr>) -> Self {
        Self::of(IndexKey::Expr(expr.into()))
    }

    /// Its sort order.
    pub fn order(mut self, order: SortOrder) -> Self {
        self.order = Some(order);
        self
    }

    /// Its operator class, e.g. `text_pattern_ops` (prefix `LIKE` on a non-C
    /// collation), `gin_trgm_ops` (`pg_trgm`), `jsonb_path_ops`.
    pub fn opclass(mut self, opclass: impl Into<ObjectName>) -> Self {
        self.opclass = Some(opclass.into());
        self
    }

    /// `COLLATE ..`, e.g. `"C"`.
    pub fn collate(mut self, collation: impl Into<Ident>) -> Self {
        self.collation = Some(collation.into());
        self
    }
}

impl<T: Into<Ident>> From<T> for IndexColumn {
    fn from(column: T) -> Self {
        Self::col(column)
    }
}
