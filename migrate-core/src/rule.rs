//! The safety rules, and what breaking one looks like, as data: [`Rule`] names a
//! rule (a step acknowledges one with `Migration::allow`), [`Finding`] is one rule
//! broken by one step. The checks that produce findings are in [`crate::lint`]; errors
//! carry findings (`Error::Lint`), so this module sits below `error`.

use std::fmt;

use serde::Serialize;

use crate::display::DisplayId;

/// A safety rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum Rule {
    /// A plain `CREATE INDEX` on an existing table blocks writes while it builds.
    IndexNotConcurrent,
    /// A plain `DROP INDEX` blocks reads and writes of the table.
    DropIndexNotConcurrent,
    /// A concurrent statement inside a transaction fails (SQLSTATE 25001).
    ConcurrentInTransaction,
    /// A column added with `REFERENCES` to an existing table is validated at once,
    /// scanning the table under a lock that blocks writes.
    ConstraintNotValidFirst,
    /// `ADD COLUMN .. NOT NULL` without a default fails on a table with rows.
    NotNullWithoutDefault,
    /// Adding a column with a volatile default or an identity rewrites the table.
    RewritingAddColumn,
    /// Changing a column's type rewrites the table unless the types are
    /// binary-coercible.
    RewritingTypeChange,
    /// Renaming or dropping a table, view or column breaks the application version
    /// still running.
    BreakingChange,
    /// Raw SQL is not checked by anything.
    UncheckedSql,
    /// A view selects `*`: PostgreSQL expands the star once, when the view is created.
    ViewSelectStar,
    /// A `serial` column: a sequence of its own, where an identity column is the
    /// standard and keeps the sequence out of sight.
    SerialColumn,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 11] = [
        Rule::IndexNotConcurrent,
        Rule::DropIndexNotConcurrent,
        Rule::ConcurrentInTransaction,
        Rule::ConstraintNotValidFirst,
        Rule::NotNullWithoutDefault,
        Rule::RewritingAddColumn,
        Rule::RewritingTypeChange,
        Rule::BreakingChange,
        Rule::UncheckedSql,
        Rule::ViewSelectStar,
        Rule::SerialColumn,
    ];

    /// The rule's stable kebab-case code, e.g. `index-not-concurrent`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::IndexNotConcurrent => "index-not-concurrent",
            Rule::DropIndexNotConcurrent => "drop-index-not-concurrent",
            Rule::ConcurrentInTransaction => "concurrent-in-transaction",
            Rule::ConstraintNotValidFirst => "constraint-not-valid-first",
            Rule::NotNullWithoutDefault => "not-null-without-default",
            Rule::RewritingAddColumn => "rewriting-add-column",
            Rule::RewritingTypeChange => "rewriting-type-change",
            Rule::BreakingChange => "breaking-change",
            Rule::UncheckedSql => "unchecked-sql",
            Rule::ViewSelectStar => "view-select-star",
            Rule::SerialColumn => "serial-column",
        }
    }

    /// The risk, in one sentence.
    pub fn risk(self) -> &'static str {
        match self {
            Rule::IndexNotConcurrent => {
                "CREATE INDEX blocks every write to the table until the index is built"
            }
            Rule::DropIndexNotConcurrent => {
                "DROP INDEX takes an exclusive lock that blocks reads and writes of the table"
            }
            Rule::ConcurrentInTransaction => {
                "a concurrent statement inside a transaction block fails with SQLSTATE 25001"
            }
            Rule::ConstraintNotValidFirst => {
                "a column added with REFERENCES is validated at once, scanning the table while blocking writes"
            }
            Rule::NotNullWithoutDefault => {
                "ADD COLUMN .. NOT NULL without a default fails as soon as the table has a row"
            }
            Rule::RewritingAddColumn => {
                "a volatile default or an identity column rewrites the whole table under an ACCESS EXCLUSIVE lock"
            }
            Rule::RewritingTypeChange => {
                "changing the type rewrites the table and its indexes under an ACCESS EXCLUSIVE lock"
            }
            Rule::BreakingChange => {
                "the application version still running reads this table, view or column and starts failing"
            }
            Rule::UncheckedSql => "raw SQL is not checked for safety or reversibility",
            Rule::ViewSelectStar => {
                "`SELECT *` in a view is expanded when the view is created: columns added to the table later never appear in it, and the view stops those columns from being dropped"
            }
            Rule::SerialColumn => {
                "a serial column's sequence is a separate object with its own owner and privileges, which dumps, copies and grants must each remember"
            }
        }
    }

    /// The safe alternative.
    pub fn fix(self) -> &'static str {
        match self {
            Rule::IndexNotConcurrent => "use `create_index_concurrently`",
            Rule::DropIndexNotConcurrent => "use `drop_index_concurrently_with`",
            Rule::ConcurrentInTransaction => {
                "mark the SQL `.outside_transaction()`, or use `create_index_concurrently`"
            }
            Rule::ConstraintNotValidFirst => {
                "add the column without `references`, then `add_foreign_key` (planned NOT VALID, then validated separately)"
            }
            Rule::NotNullWithoutDefault => "give the column a constant default",
            Rule::RewritingAddColumn => {
                "add the column without a default (or with a constant one), then backfill it in batches"
            }
            Rule::RewritingTypeChange => {
                "expand and contract: add a column of the new type, backfill it, switch the application, drop the old one"
            }
            Rule::BreakingChange => {
                "first ship an application that no longer uses it, then rename or drop it in a later migration"
            }
            Rule::UncheckedSql => "prefer a typed step; if none fits, review the SQL by hand",
            Rule::ViewSelectStar => "list the columns the view selects",
            Rule::SerialColumn => {
                "use an integer column with `.identity()` (GENERATED BY DEFAULT AS IDENTITY)"
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One rule broken by one step.
///
/// With the `serde` feature, serialized as `migrate lint --json` shows it: the rule as
/// its code with its `risk` and `fix`, and whether it `blocks`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Finding {
    /// The migration's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Index of the step in the migration's up steps.
    pub step: usize,
    /// The step's kind.
    pub kind: &'static str,
    /// The object concerned (table, index, column...).
    pub object: String,
    /// The rule.
    #[cfg_attr(feature = "serde", serde(flatten, serialize_with = "ser::rule"))]
    pub rule: Rule,
    /// The migration's reason, when it acknowledged the rule with `allow`.
    #[cfg_attr(feature = "serde", serde(flatten, serialize_with = "ser::allowed"))]
    pub allowed: Option<String>,
}

/// The serializers of [`Finding`]'s fields that carry what derives from them. (A
/// [`Rule`] itself serializes as its variant's name: steps are hashed that way.)
#[cfg(feature = "serde")]
mod ser {
    use serde::Serializer;
    use serde::ser::SerializeMap;

    use super::Rule;

    /// `"rule"` (its code), `"risk"` and `"fix"`.
    pub(super) fn rule<S: Serializer>(rule: &Rule, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("rule", rule.code())?;
        map.serialize_entry("risk", rule.risk())?;
        map.serialize_entry("fix", rule.fix())?;
        map.end()
    }

    /// `"allowed"` (the reason, or null) and `"blocks"`.
    pub(super) fn allowed<S: Serializer>(
        allowed: &Option<String>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("allowed", allowed)?;
        map.serialize_entry("blocks", &allowed.is_none())?;
        map.end()
    }
}

impl Finding {
    /// Whether the finding blocks `up` (it was not acknowledged).
    pub fn blocks(&self) -> bool {
        self.allowed.is_none()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}, step {} (`{}` {}): [{}] {}; {}",
            DisplayId(self.id),
            self.name,
            self.step,
            self.kind,
            self.object,
            self.rule,
            self.rule.risk(),
            self.rule.fix()
        )?;
        if let Some(reason) = &self.allowed {
            write!(f, " (allowed: {reason})")?;
        }
        Ok(())
    }
}
