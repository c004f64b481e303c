//! Checking steps before anything is rendered: names, empty lists, dangling references,
//! options PostgreSQL would ignore. [`check`] lists every problem.

use crate::error::Problem;
use crate::ident::ObjectName;
use crate::step::{ColumnDef, ConstraintDef, ConstraintKind, IndexDef, Step, TableDef};
use crate::types::ColumnType;

/// Every problem in a list of steps: bad names, empty lists, dangling references.
pub(crate) fn check(steps: &[Step]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let mut c = Checker {
            out: &mut out,
            index,
            kind: step.kind(),
        };
        c.step(step);
    }
    out
}

struct Checker<'a> {
    out: &'a mut Vec<Problem>,
    index: usize,
    kind: &'static str,
}

impl Checker<'_> {
    fn problem(&mut self, message: String) {
        self.out.push(Problem {
            step: self.index,
            kind: self.kind,
            down: false,
            message,
        });
    }

    fn name(&mut self, what: &str, name: &crate::Ident) {
        if let Err(e) = name.check() {
            self.problem(format!("{what} `{name}`: {e}"));
        }
    }

    fn object(&mut self, what: &str, name: &ObjectName) {
        if let Err(e) = name.check() {
            self.problem(format!("{what} `{name}`: {e}"));
        }
    }

    fn nonempty<T>(&mut self, what: &str, list: &[T]) {
        if list.is_empty() {
            self.problem(format!("{what} is empty"));
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::CreateTable(def) => self.table(def),
            Step::DropTable { table, definition } => {
                self.object("table", table);
                if let Some(def) = definition {
                    self.table(def);
                }
            }
            Step::RenameTable { from, to } => {
                self.object("table", from);
                self.name("new table name", to);
            }
            Step::AddColumn { table, column } => {
                self.object("table", table);
                self.column(column);
            }
            Step::DropColumn {
                table,
                column,
                definition,
            } => {
                self.object("table", table);
                self.name("column", column);
                if let Some(def) = definition {
                    self.column(def);
                }
            }
            Step::RenameColumn { table, from, to } | Step::RenameConstraint { table, from, to } => {
                self.object("table", table);
                self.name("name", from);
                self.name("new name", to);
            }
            Step::AlterColumnType {
                table,
                column,
                to,
                from,
                ..
            } => {
                self.object("table", table);
                self.name("column", column);
                self.ty(to);
                if let Some(from) = from {
                    self.ty(from);
                }
            }
            Step::ChangeDefault { table, column, .. }
            | Step::SetNullability { table, column, .. } => {
                self.object("table", table);
                self.name("column", column);
            }
            Step::CreateIndex(def) => self.index(def),
            Step::DropIndex {
                index, definition, ..
            } => {
                self.object("index", index);
                if let Some(def) = definition {
                    self.index(def);
                }
            }
            Step::RenameIndex { from, to } => {
                self.object("index", from);
                self.name("new index name", to);
            }
            Step::AddConstraint { table, constraint } => {
                self.object("table", table);
                self.constraint(constraint);
                if constraint.not_valid
                    && matches!(
                        constraint.kind,
                        ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
                    )
                {
                    self.problem(
                        "`not_valid` applies to foreign keys and checks only; PostgreSQL builds \
                         a unique index for unique and primary key constraints"
                            .to_owned(),
                    );
                }
            }
            Step::ValidateConstraint { table, name } => {
                self.object("table", table);
                self.name("constraint", name);
            }
            Step::DropConstraint {
                table,
                name,
                definition,
            } => {
                self.object("table", table);
                self.name("constraint", name);
                if let Some(def) = definition {
                    self.constraint(def);
                }
            }
            Step::CreateSchema { name }
            | Step::EnsureSchema { name }
            | Step::DropSchema { name }
            | Step::CreateExtension { name }
            | Step::EnsureExtension { name }
            | Step::DropExtension { name } => self.name("name", name),
            Step::CreateEnum { name, values } => {
                self.object("type", name);
                self.nonempty("the list of enum values", values);
            }
            Step::DropEnum { name, values } => {
                self.object("type", name);
                if let Some(values) = values {
                    self.nonempty("the list of enum values", values);
                }
            }
            Step::AddEnumValue { name, .. } | Step::RenameEnumValue { name, .. } => {
                self.object("type", name);
            }
            Step::Update(def) => {
                self.object("table", &def.table);
                self.nonempty("the list of columns to set", &def.set);
                for (column, _) in &def.set {
                    self.name("column", column);
                }
            }
            Step::Insert(def) => {
                self.object("table", &def.table);
                self.nonempty("the list of columns", &def.columns);
                self.nonempty("the list of rows", &def.rows);
                for column in &def.columns {
                    self.name("column", column);
                }
                for (i, row) in def.rows.iter().enumerate() {
                    if row.len() != def.columns.len() {
                        self.problem(format!(
                            "row {} has {} values for {} columns",
                            i + 1,
                            row.len(),
                            def.columns.len()
                        ));
                    }
                }
            }
            Step::Delete(def) => self.object("table", &def.table),
            Step::Backfill(def) => {
                self.object("table", &def.table);
                self.nonempty("the list of columns to set", &def.set);
                for (column, _) in &def.set {
                    self.name("column", column);
                }
                if let Some(key) = &def.key {
                    self.name("key column", key);
                }
                if def.pacing.batch_size == 0 {
                    self.problem("the batch size is 0; it must be at least 1".to_owned());
                }
            }
            Step::UncheckedSql(sql) => {
                if sql.sql.trim().is_empty() {
                    self.problem("the SQL is empty".to_owned());
                }
            }
            Step::View(step) => {
                use crate::step::{ViewQuery, ViewStep};
                fn view(
                    c: &mut Checker<'_>,
                    what: &str,
                    name: &ObjectName,
                    columns: &[crate::Ident],
                    query: &ViewQuery,
                ) {
                    c.object(what, name);
                    let mut seen = std::collections::BTreeSet::new();
                    for column in columns {
                        c.name("column", column);
                        if !seen.insert(column) {
                            c.problem(format!("column `{column}` is named twice"));
                        }
                    }
                    let sql = query.to_sql();
                    if sql.trim().is_empty() {
                        c.problem(format!("the query of {what} `{name}` is empty"));
                    }
                    let semicolon = crate::sql_lexer::tokens(&sql)
                        .any(|t| t.kind == crate::sql_lexer::Kind::Other && t.text == ";");
                    if semicolon {
                        c.problem(format!(
                            "the query of {what} `{name}` holds a `;`: it must be one query"
                        ));
                    }
                }
                match step {
                    ViewStep::Create(d) => view(self, "view", &d.name, &d.columns, &d.query),
                    ViewStep::Drop {
                        name, definition, ..
                    } => {
                        self.object("view", name);
                        if let Some(d) = definition {
                            view(self, "view", &d.name, &d.columns, &d.query);
                        }
                    }
                    ViewStep::Replace(r) => {
                        view(self, "view", &r.new.name, &r.new.columns, &r.new.query);
                        if let Some(old) = &r.old {
                            view(self, "view", &old.name, &old.columns, &old.query);
                            if old.name != r.new.name {
                                self.problem(format!(
                                    "the old definition is of view `{}`, the new one of `{}`",
                                    old.name, r.new.name
                                ));
                            }
                        }
                    }
                    ViewStep::Rename { from, to } | ViewStep::RenameMaterialized { from, to } => {
                        self.object("view", from);
                        self.name("new view name", to);
                    }
                    ViewStep::CreateMaterialized(d) => {
                        view(self, "materialized view", &d.name, &d.columns, &d.query);
                    }
                    ViewStep::DropMaterialized {
                        name, definition, ..
                    } => {
                        self.object("materialized view", name);
                        if let Some(d) = definition {
                            view(self, "materialized view", &d.name, &d.columns, &d.query);
                        }
                    }
                    ViewStep::Refresh { name, .. } => self.object("materialized view", name),
                }
            }
            Step::Comment(def) => {
                use crate::step::CommentTarget;
                match &def.target {
                    CommentTarget::Table(name)
                    | CommentTarget::Index(name)
                    | CommentTarget::View(name)
                    | CommentTarget::MaterializedView(name)
                    | CommentTarget::Sequence(name)
                    | CommentTarget::Type(name) => self.object("name", name),
                    CommentTarget::Column(table, column) => {
                        self.object("table", table);
                        self.name("column", column);
                    }
                    CommentTarget::Constraint(table, name)
                    | CommentTarget::Trigger(table, name) => {
                        self.object("table", table);
                        self.name("name", name);
                    }
                    CommentTarget::Function(name, args) | CommentTarget::Procedure(name, args) => {
                        self.object("routine", name);
                        for ty in args {
                            self.ty(ty);
                        }
                    }
                    CommentTarget::Schema(name) => self.name("schema", name),
                }
                let texts = [
                    def.comment.as_ref(),
                    def.old.as_ref().and_then(Option::as_ref),
                ];
                if texts.into_iter().flatten().any(|t| t.contains('\0')) {
                    self.problem(
                        "a comment holds a NUL character, which PostgreSQL refuses".to_owned(),
                    );
                }
            }
            Step::Routine(s) => {
                for message in s.problems() {
                    self.problem(message);
                }
            }
            Step::Trigger(s) => {
                for message in s.problems() {
                    self.problem(message);
                }
            }
            Step::DataMove(d) => self.messages(d.problems()),
            Step::Constraint(c) => self.messages(c.problems()),
            Step::Reindex(r) => self.messages(r.problems()),
            Step::Sequence(seq) => {
                use crate::step::SequenceStep as S;
                let (name, options) = match seq {
                    S::Create(def) | S::Ensure(def) => (&def.name, vec![&def.options]),
                    S::Drop { name, definition } => {
                        (name, definition.iter().map(|d| &d.options).collect())
                    }
                    S::Alter { name, from, to } => {
                        if from.is_none() && *to == crate::step::SequenceOptions::default() {
                            self.problem(
                                "`alter_sequence` is given no option to change".to_owned(),
                            );
                        }
                        (name, from.iter().chain([to]).collect())
                    }
                    S::Rename { from, to } => {
                        self.name("new sequence name", to);
                        (from, vec![])
                    }
                    S::DropIfExists { name }
                    | S::Restart { name, .. }
                    | S::SetValue { name, .. } => (name, vec![]),
                };
                self.object("sequence", name);
                for o in options {
                    if let Some(ty) = &o.data_type
                        && !matches!(
                            ty,
                            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
                        )
                    {
                        self.problem(format!(
                            "a sequence is smallint, integer or bigint, not `{}`",
                            crate::render::column_type(ty)
                        ));
                    }
                    if o.increment == Some(0) {
                        self.problem("a sequence's increment cannot be 0".to_owned());
                    }
                    if o.cache.is_some_and(|c| c < 1) {
                        self.problem("a sequence's cache is at least 1".to_owned());
                    }
                    if let (Some(min), Some(max)) = (o.min_value, o.max_value)
                        && min >= max
                    {
                        self.problem(format!(
                            "the minimum value ({min}) must be less than the maximum ({max})"
                        ));
                    }
                    if let Some(owner) = &o.owned_by {
                        self.object("owning table", &owner.table);
                        self.name("owning column", &owner.column);
                    }
                }
            }
            Step::Domain(domain) => {
                use crate::step::DomainStep as D;
                let (name, def) = match domain {
                    D::Create(def) => (&def.name, Some(def)),
                    D::Drop { name, definition } => (name, definition.as_ref()),
                    D::Rename { from, to } => {
                        self.name("new domain name", to);
                        (from, None)
                    }
                    D::AddCheck { domain, check, .. } => {
                        self.name("constraint", &check.name);
                        (domain, None)
                    }
                    D::ValidateConstraint { domain, name } | D::DropCheck { domain, name, .. } => {
                        self.name("constraint", name);
                        (domain, None)
                    }
                };
                self.object("domain", name);
                if let Some(def) = def {
                    self.ty(&def.base);
                    if def.base.is_serial() {
                        self.problem(
                            "a serial type is only a column type; a domain is over smallint, \
                             integer or bigint (its default may take `nextval`)"
                                .to_owned(),
                        );
                    }
                    if let Some(collation) = &def.collation {
                        self.name("collation", collation);
                    }
                    let mut seen = std::collections::BTreeSet::new();
                    for check in &def.checks {
                        self.name("constraint", &check.name);
                        if !seen.insert(&check.name) {
                            self.problem(format!("check `{}` is defined twice", check.name));
                        }
                    }
                }
            }
            Step::Type(ty) => {
                use crate::step::TypeStep as T;
                match ty {
                    T::Rename { from, to } => {
                        self.object("type", from);
                        self.name("new type name", to);
                    }
                    T::CreateComposite(def)
                    | T::DropComposite {
                        definition: Some(def),
                        ..
                    } => {
                        self.object("type", &def.name);
                        let mut seen = std::collections::BTreeSet::new();
                        for (field, field_ty) in &def.fields {
                            self.name("field", field);
                            self.ty(field_ty);
                            if !seen.insert(field) {
                                self.problem(format!("field `{field}` is defined twice"));
                            }
                            if field_ty.is_serial() {
                                self.problem(format!(
                                    "field `{field}`: a serial type is only a column type"
                                ));
                            }
                        }
                    }
                    T::DropComposite { name, .. } => self.object("type", name),
                }
            }
            // The family's checks are with its definitions (`step/security.rs`).
            Step::Security(step) => {
                for message in step.problems() {
                    self.problem(message);
                }
            }
            Step::Reversible { up, down } => {
                for s in up.iter().chain(down) {
                    self.step(s);
                }
            }
        }
    }

    fn table(&mut self, def: &TableDef) {
        self.object("table", &def.name);
        self.nonempty("the list of columns", &def.columns);
        let mut seen = std::collections::BTreeSet::new();
        for column in &def.columns {
            if !seen.insert(&column.name) {
                self.problem(format!("column `{}` is defined twice", column.name));
            }
            self.column(column);
        }
        for constraint in &def.constraints {
            self.constraint(constraint);
            if constraint.not_valid {
                self.problem(
                    "`not_valid` has no meaning inside `create_table` (a new table has no rows); \
                     remove it"
                        .to_owned(),
                );
            }
        }
    }

    /// A user-defined type's name (an array's element type too).
    fn ty(&mut self, ty: &ColumnType) {
        match ty {
            ColumnType::Named(name) => self.object("type", name),
            ColumnType::Array(inner) => self.ty(inner),
            _ => {}
        }
    }

    fn column(&mut self, def: &ColumnDef) {
        self.name("column", &def.name);
        self.ty(&def.ty);
        if def.identity.is_some()
            && !matches!(
                def.ty,
                ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
            )
        {
            self.problem(format!(
                "column `{}` is an identity column but its type is not smallint, integer or bigint",
                def.name
            ));
        }
        if let Some(r) = &def.references {
            if r.table.name.as_str().is_empty() {
                self.problem(format!(
                    "column `{}` has `on_delete`/`on_update` but no `references(table, column)`",
                    def.name
                ));
            } else {
                self.object("referenced table", &r.table);
                self.name("referenced column", &r.column);
            }
        }
    }

    fn constraint(&mut self, def: &ConstraintDef) {
        if let Some(name) = &def.name {
            self.name("constraint", name);
        }
        match &def.kind {
            ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => {
                self.nonempty("the constraint's column list", cols);
                for c in cols {
                    self.name("column", c);
                }
            }
            ConstraintKind::Check(_) => {}
            ConstraintKind::ForeignKey(fk) => {
                self.nonempty("the foreign key's column list", &fk.columns);
                self.object("referenced table", &fk.ref_table);
                if fk.columns.len() != fk.ref_columns.len() {
                    self.problem(format!(
                        "the foreign key has {} columns but references {}",
                        fk.columns.len(),
                        fk.ref_columns.len()
                    ));
                }
                for c in fk.columns.iter().chain(&fk.ref_columns) {
                    self.name("column", c);
                }
            }
            ConstraintKind::Exclusion(_) => {}
        }
        self.messages(def.option_problems());
    }

    /// Problems found by a step family's own checks.
    fn messages(&mut self, messages: Vec<String>) {
        for message in messages {
            self.problem(message);
        }
    }

    fn index(&mut self, def: &IndexDef) {
        self.name("index", &def.name);
        self.object("table", &def.table);
        self.nonempty("the index's column list", &def.columns);
        for c in &def.include {
            self.name("included column", c);
        }
        for c in &def.columns {
            if let crate::step::IndexKey::Column(name) = &c.key {
                self.name("column", name);
            }
        }
        self.messages(def.option_problems());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Mode;
    use crate::plan::*;
    use crate::prelude::*;

    fn problems<M: Mode>(f: fn(&mut Migration<M>)) -> Vec<String> {
        match preview(f) {
            Err(Error::InvalidMigration { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected an invalid migration, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_name_is_reported_once_even_with_a_derived_down() {
        fn long(m: &mut Migration) {
            m.create_table("t".repeat(64).as_str(), |t| {
                t.column("id", BigInt);
            });
        }
        let found = problems(long);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("63"), "{found:?}");
    }

    #[test]
    fn a_name_with_two_dots_is_an_invalid_migration_naming_the_step() {
        fn dotted(m: &mut Migration) {
            m.create_table("public.users", |t| {
                t.column("id", BigInt);
            });
            m.create_table("a.b.c", |t| {
                t.column("id", BigInt);
                t.column("mood", ColumnType::named("app.x.mood").array());
            });
        }
        let error = preview(dotted).unwrap_err().to_string();
        assert!(
            error.contains("step 1 (`create_table`): table `a.b.c`: the name has 2 dots"),
            "{error}"
        );
        assert!(
            error.contains("step 1 (`create_table`): type `app.x.mood`: the name has 2 dots"),
            "{error}"
        );
        assert_eq!(problems(dotted).len(), 2);

        // A name that itself holds a dot is written as a tuple.
        fn tuple(m: &mut Migration) {
            m.create_table(("a", "b.c"), |t| {
                t.column("id", BigInt);
            });
        }
        assert_eq!(
            preview(tuple).unwrap().up_sql(),
            [r#"CREATE TABLE "a"."b.c" ( "id" bigint )"#]
        );
    }

    #[test]
    fn not_valid_is_refused_where_postgres_ignores_it() {
        fn unique(m: &mut Migration) {
            m.add_unique("users", "users_email_key", ["email"])
                .not_valid();
        }
        assert!(problems(unique)[0].contains("foreign keys and checks only"));

        fn in_create_table(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", BigInt);
                t.check(Expr::col("id").gt(0)).not_valid();
            });
        }
        assert!(problems(in_create_table)[0].contains("create_table"));

        fn fk(m: &mut Migration) {
            m.add_foreign_key("posts", "fk", ["user_id"], "users", ["id"])
                .not_valid();
        }
        assert!(preview(fk).is_ok());
    }

    #[test]
    fn identity_needs_an_integer_type() {
        fn uuid_identity(m: &mut Migration) {
            m.create_table("t", |t| {
                t.column("id", Uuid).identity();
            });
        }
        assert!(problems(uuid_identity)[0].contains("identity column"));
    }
}
