//! The recorder methods of one family that are always allowed: `create_table_as`, keys
//! added over an index built beforehand (`add_primary_key_using_index`,
//! `add_unique_using_index` and their `_with` forms), `alter_constraint_from`, `REINDEX`;
//! and the builders of the family's definitions. (The data moves without an inverse,
//! `insert_select`, `update_from`, `delete_using`, and the bare `alter_constraint`, are
//! with [`Migration`] in the parent module, next to the mode that gates them.)

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::mode::Mode;
use crate::step::{
    ConstraintStep, CreateTableAsDef, DataMove, Deferrable, DeleteUsingDef, FromItem, IndexColumn,
    IndexDef, InsertSelectDef, KeyKind, KeyUsingIndexDef, ReindexDef, ReindexTarget, SqlQuery,
    Step, UpdateFromDef,
};

use super::data::and;
use super::{Migration, idents};

impl<M: Mode> Migration<M> {
    /// `CREATE TABLE name AS SELECT ..`: a new table holding a query's rows (chain
    /// `.with_no_data()` for its columns only, `.columns(..)` to name them). Undone by
    /// dropping the table.
    ///
    /// A table created with its rows counts as an existing table for the planner and
    /// the lint (constraints added to it are validated online, indexes should be built
    /// concurrently); created `WITH NO DATA`, it is new and empty like `create_table`'s.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn archive(m: &mut Migration) {
    ///     m.create_table_as(
    ///         "archive.old_posts",
    ///         Query::select().columns(["id", "title"]).from("posts").and_where(Expr::col("year").lt(2020)),
    ///     );
    /// }
    /// let plan = migrate_core::plan::preview(archive).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE TABLE "archive"."old_posts" AS SELECT "id", "title" FROM "posts" WHERE "year" < 2020"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [r#"DROP TABLE "archive"."old_posts""#]);
    /// ```
    pub fn create_table_as(
        &mut self,
        name: impl Into<ObjectName>,
        query: impl Into<SqlQuery>,
    ) -> &mut CreateTableAsDef {
        let step = self.push(Step::DataMove(DataMove::CreateTableAs(CreateTableAsDef {
            name: name.into(),
            columns: Vec::new(),
            query: query.into(),
            with_no_data: false,
        })));
        match step {
            Step::DataMove(DataMove::CreateTableAs(def)) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER TABLE .. ADD CONSTRAINT name PRIMARY KEY USING INDEX index`: the online way
    /// to add a primary key to an existing table. Build a unique index first with
    /// [`create_index_concurrently`](Self::create_index_concurrently) (writes go on),
    /// then this takes only a brief lock. PostgreSQL renames the index to the
    /// constraint's name. The columns must already be `NOT NULL` (otherwise PostgreSQL
    /// sets them, scanning the table under the lock, and the down does not undo it).
    ///
    /// The index must be created earlier in the same migration: the step copies its
    /// definition, because its down drops the constraint (which drops the index) and
    /// builds the index again, so the down of the index's own step finds it. For an
    /// index from an earlier migration, use
    /// [`add_primary_key_using_index_with`](Self::add_primary_key_using_index_with).
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn key(m: &mut Migration) {
    ///     m.create_index_concurrently("events_id_idx", "events", ["id"]).unique();
    ///     m.add_primary_key_using_index("events", "events_pkey", "events_id_idx");
    /// }
    /// let plan = migrate_core::plan::preview(key).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"CREATE UNIQUE INDEX CONCURRENTLY "events_id_idx" ON "events" ("id")"#,
    ///     r#"ALTER TABLE "events" ADD CONSTRAINT "events_pkey" PRIMARY KEY USING INDEX "events_id_idx""#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"ALTER TABLE "events" DROP CONSTRAINT "events_pkey""#,
    ///     r#"CREATE UNIQUE INDEX CONCURRENTLY "events_id_idx" ON "events" ("id")"#,
    ///     r#"DROP INDEX CONCURRENTLY "events_id_idx""#,
    /// ]);
    /// ```
    pub fn add_primary_key_using_index(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        index: impl Into<Ident>,
    ) -> &mut KeyUsingIndexDef {
        let table = table.into();
        let index = self.earlier_index(&table, index.into());
        self.key_using_index(table, name.into(), KeyKind::PrimaryKey, index)
    }

    /// [`add_primary_key_using_index`](Self::add_primary_key_using_index) over an index
    /// made by an earlier migration: its columns are given so the down can rebuild it
    /// (concurrently; set more of it through the `index` field if it had more).
    pub fn add_primary_key_using_index_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        index: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
    ) -> &mut KeyUsingIndexDef {
        let table = table.into();
        let index = given_index(&table, index.into(), columns);
        self.key_using_index(table, name.into(), KeyKind::PrimaryKey, index)
    }

    /// `ALTER TABLE .. ADD CONSTRAINT name UNIQUE USING INDEX index`: a unique
    /// constraint over a unique index built beforehand (see
    /// [`add_primary_key_using_index`](Self::add_primary_key_using_index)).
    pub fn add_unique_using_index(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        index: impl Into<Ident>,
    ) -> &mut KeyUsingIndexDef {
        let table = table.into();
        let index = self.earlier_index(&table, index.into());
        self.key_using_index(table, name.into(), KeyKind::Unique, index)
    }

    /// [`add_unique_using_index`](Self::add_unique_using_index) over an index made by an
    /// earlier migration, with its columns.
    pub fn add_unique_using_index_with(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        index: impl Into<Ident>,
        columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
    ) -> &mut KeyUsingIndexDef {
        let table = table.into();
        let index = given_index(&table, index.into(), columns);
        self.key_using_index(table, name.into(), KeyKind::Unique, index)
    }

    /// The definition of the index created earlier in this migration under that name
    /// on that table; without one, a definition without columns, which the plan's
    /// checks report.
    fn earlier_index(&self, table: &ObjectName, index: Ident) -> IndexDef {
        let found = self.recorded.steps.iter().rev().find_map(|s| match s {
            Step::CreateIndex(def) if def.name == index && def.table == *table => Some(def),
            _ => None,
        });
        match found {
            Some(def) => def.clone(),
            None => given_index(table, index, Vec::<IndexColumn>::new()),
        }
    }

    fn key_using_index(
        &mut self,
        table: ObjectName,
        name: Ident,
        kind: KeyKind,
        index: IndexDef,
    ) -> &mut KeyUsingIndexDef {
        let step = self.push(Step::Constraint(ConstraintStep::AddUsingIndex(
            KeyUsingIndexDef {
                table,
                name,
                kind,
                index,
                deferrable: Deferrable::NotDeferrable,
            },
        )));
        match step {
            Step::Constraint(ConstraintStep::AddUsingIndex(def)) => def,
            _ => unreachable!("push returns the step it was given"),
        }
    }

    /// `ALTER TABLE .. ALTER CONSTRAINT name ..`: changes whether a foreign key is
    /// deferrable, with its current setting so the down can restore it. (PostgreSQL
    /// alters foreign keys only.)
    ///
    /// ```
    /// use migrate_core::prelude::*;
    /// use migrate_core::step::Deferrable;
    ///
    /// fn defer(m: &mut Migration) {
    ///     m.alter_constraint_from("posts", "posts_author_fk", Deferrable::NotDeferrable, Deferrable::InitiallyDeferred);
    /// }
    /// let plan = migrate_core::plan::preview(defer).unwrap();
    /// assert_eq!(plan.up_sql(), [
    ///     r#"ALTER TABLE "posts" ALTER CONSTRAINT "posts_author_fk" DEFERRABLE INITIALLY DEFERRED"#,
    /// ]);
    /// assert_eq!(plan.down_sql(), [
    ///     r#"ALTER TABLE "posts" ALTER CONSTRAINT "posts_author_fk" NOT DEFERRABLE"#,
    /// ]);
    /// ```
    pub fn alter_constraint_from(
        &mut self,
        table: impl Into<ObjectName>,
        name: impl Into<Ident>,
        from: Deferrable,
        to: Deferrable,
    ) -> &mut Self {
        self.push(Step::Constraint(ConstraintStep::Alter {
            table: table.into(),
            name: name.into(),
            to,
            from: Some(from),
        }));
        self
    }

    /// `REINDEX INDEX ..`: rebuilds an index, blocking writes to its table and reads
    /// that use it. Its down does nothing.
    pub fn reindex_index(&mut self, name: impl Into<ObjectName>) -> &mut Self {
        self.reindex(ReindexTarget::Index(name.into()), false)
    }

    /// `REINDEX INDEX CONCURRENTLY ..`: rebuilds an index without blocking writes,
    /// outside any transaction. Its down does nothing.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// fn rebuild(m: &mut Migration) {
    ///     m.reindex_index_concurrently("app.users_email_idx");
    /// }
    /// let plan = migrate_core::plan::preview(rebuild).unwrap();
    /// assert_eq!(plan.up_sql(), [r#"REINDEX INDEX CONCURRENTLY "app"."users_email_idx""#]);
    /// assert!(!plan.up.is_transactional());
    /// assert!(plan.down_sql().is_empty());
    /// ```
    pub fn reindex_index_concurrently(&mut self, name: impl Into<ObjectName>) -> &mut Self {
        self.reindex(ReindexTarget::Index(name.into()), true)
    }

    /// `REINDEX TABLE ..`: rebuilds every index of a table, blocking writes. Its down
    /// does nothing.
    pub fn reindex_table(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.reindex(ReindexTarget::Table(table.into()), false)
    }

    /// `REINDEX TABLE CONCURRENTLY ..`: rebuilds every index of a table without blocking
    /// writes, outside any transaction. Its down does nothing.
    pub fn reindex_table_concurrently(&mut self, table: impl Into<ObjectName>) -> &mut Self {
        self.reindex(ReindexTarget::Table(table.into()), true)
    }

    fn reindex(&mut self, target: ReindexTarget, concurrently: bool) -> &mut Self {
        self.push(Step::Reindex(ReindexDef {
            target,
            concurrently,
        }));
        self
    }
}

/// A unique index on `columns`, rebuilt concurrently by a down.
fn given_index(
    table: &ObjectName,
    index: Ident,
    columns: impl IntoIterator<Item = impl Into<IndexColumn>>,
) -> IndexDef {
    let mut def = IndexDef::new(index, table.clone(), columns, true);
    def.unique = true;
    def
}

impl InsertSelectDef {
    /// `ON CONFLICT DO NOTHING`: rows that already exist are skipped.
    pub fn on_conflict_do_nothing(&mut self) -> &mut Self {
        self.on_conflict_do_nothing = true;
        self
    }
}

impl UpdateFromDef {
    /// `SET column = value`: the value may read the `FROM` items
    /// (`Expr::col(("u", "name"))`).
    pub fn set(&mut self, column: impl Into<Ident>, value: impl Into<SqlExpr>) -> &mut Self {
        self.set.push((column.into(), value.into()));
        self
    }

    /// Another `FROM` item: a table or a [`FromItem`].
    pub fn from(&mut self, item: impl Into<FromItem>) -> &mut Self {
        self.from.push(item.into());
        self
    }

    /// `WHERE ..`: the join condition and the rows to change; called again, the
    /// conditions are combined with `AND`.
    pub fn filter(&mut self, condition: impl Into<SqlExpr>) -> &mut Self {
        self.filter = Some(and(self.filter.take(), condition.into()));
        self
    }
}

impl DeleteUsingDef {
    /// Another `USING` item: a table or a [`FromItem`].
    pub fn using(&mut self, item: impl Into<FromItem>) -> &mut Self {
        self.using.push(item.into());
        self
    }

    /// `WHERE ..`: the join condition and the rows to delete; called again, the
    /// conditions are combined with `AND`.
    pub fn filter(&mut self, condition: impl Into<SqlExpr>) -> &mut Self {
        self.filter = Some(and(self.filter.take(), condition.into()));
        self
    }
}

impl CreateTableAsDef {
    /// Names the new table's columns (by default, the query's column names).
    pub fn columns(&mut self, columns: impl IntoIterator<Item = impl Into<Ident>>) -> &mut Self {
        self.columns = idents(columns);
        self
    }

    /// `WITH NO DATA`: the columns only, no rows.
    pub fn with_no_data(&mut self) -> &mut Self {
        self.with_no_data = true;
        self
    }
}

impl KeyUsingIndexDef {
    /// `DEFERRABLE` (initially immediate).
    pub fn deferrable(&mut self) -> &mut Self {
        self.deferrable = Deferrable::InitiallyImmediate;
        self
    }

    /// `DEFERRABLE INITIALLY DEFERRED`.
    pub fn initially_deferred(&mut self) -> &mut Self {
        self.deferrable = Deferrable::InitiallyDeferred;
        self
    }
}
