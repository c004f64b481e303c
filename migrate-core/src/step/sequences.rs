//! The steps and definitions of one family: sequences, domains and type renames.
//!
//! Three [`Step`] variants hold them: [`Step::Sequence`] ([`SequenceStep`]),
//! [`Step::Domain`] ([`DomainStep`]) and [`Step::Type`] ([`TypeStep`]: renames of any
//! type, composite types). Each family enum knows its kind, whether it runs in a
//! transaction and its inverse, with the same meaning as [`Step`]'s.

use serde::Serialize;

use crate::expr::SqlExpr;
use crate::ident::{Ident, ObjectName};
use crate::types::{ColumnType, DefaultValue};

use super::Step;

// ----- sequences -----------------------------------------------------------------------

/// A sequence definition: the body of `CREATE SEQUENCE`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SequenceDef {
    /// The sequence's name.
    pub name: ObjectName,
    /// Its options (what is not said is PostgreSQL's default).
    pub options: SequenceOptions,
}

impl SequenceDef {
    /// A sequence with PostgreSQL's default options.
    pub fn new(name: impl Into<ObjectName>) -> Self {
        Self {
            name: name.into(),
            options: SequenceOptions::default(),
        }
    }
}

/// The options of a sequence. `None` is PostgreSQL's default for the
/// option; in [`alter_sequence`](crate::Migration::alter_sequence), which does not know
/// the old options, it means "left as it is".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SequenceOptions {
    /// `AS smallint | integer | bigint` (default `bigint`).
    pub data_type: Option<ColumnType>,
    /// `INCREMENT BY` (default 1).
    pub increment: Option<i64>,
    /// `MINVALUE` (default 1, or the type's minimum when descending).
    pub min_value: Option<i64>,
    /// `MAXVALUE` (default the type's maximum, or -1 when descending).
    pub max_value: Option<i64>,
    /// `START WITH` (default the minimum, or the maximum when descending).
    pub start: Option<i64>,
    /// `CACHE` (default 1).
    pub cache: Option<i64>,
    /// `CYCLE` (`Some(true)`) or `NO CYCLE` (`Some(false)`, the default).
    pub cycle: Option<bool>,
    /// `OWNED BY table.column`: the sequence is dropped with the column.
    pub owned_by: Option<SequenceOwner>,
}

impl SequenceOptions {
    /// `AS smallint | integer | bigint`.
    pub fn as_type(&mut self, ty: ColumnType) -> &mut Self {
        self.data_type = Some(ty);
        self
    }

    /// `INCREMENT BY n` (negative: a descending sequence).
    pub fn increment(&mut self, n: i64) -> &mut Self {
        self.increment = Some(n);
        self
    }

    /// `MINVALUE n`.
    pub fn min_value(&mut self, n: i64) -> &mut Self {
        self.min_value = Some(n);
        self
    }

    /// `MAXVALUE n`.
    pub fn max_value(&mut self, n: i64) -> &mut Self {
        self.max_value = Some(n);
        self
    }

    /// `START WITH n`.
    pub fn start(&mut self, n: i64) -> &mut Self {
        self.start = Some(n);
        self
    }

    /// `CACHE n`.
    pub fn cache(&mut self, n: i64) -> &mut Self {
        self.cache = Some(n);
        self
    }

    /// `CYCLE`: wrap around at the limit instead of failing.
    pub fn cycle(&mut self) -> &mut Self {
        self.cycle = Some(true);
        self
    }

    /// `NO CYCLE` (the default; for [`alter_sequence`](crate::Migration::alter_sequence)).
    pub fn no_cycle(&mut self) -> &mut Self {
        self.cycle = Some(false);
        self
    }

    /// `OWNED BY table.column`.
    pub fn owned_by(
        &mut self,
        table: impl Into<ObjectName>,
        column: impl Into<Ident>,
    ) -> &mut Self {
        self.owned_by = Some(SequenceOwner {
            table: table.into(),
            column: column.into(),
        });
        self
    }
}

/// The column a sequence belongs to (`OWNED BY`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SequenceOwner {
    /// The table.
    pub table: ObjectName,
    /// The column.
    pub column: Ident,
}

/// The steps on sequences.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum SequenceStep {
    /// `CREATE SEQUENCE ..`: undone by dropping it.
    Create(SequenceDef),
    /// `CREATE SEQUENCE IF NOT EXISTS ..`: no inverse (it may have been there).
    Ensure(SequenceDef),
    /// `DROP SEQUENCE ..`; with its definition it can be re-created (its value is not
    /// restored).
    Drop {
        /// The sequence.
        name: ObjectName,
        /// Its definition, when the migration gave it.
        definition: Option<SequenceDef>,
    },
    /// `DROP SEQUENCE IF EXISTS ..`: no inverse.
    DropIfExists {
        /// The sequence.
        name: ObjectName,
    },
    /// `ALTER SEQUENCE .. RENAME TO ..`.
    Rename {
        /// The sequence's current name.
        from: ObjectName,
        /// The new name (the schema does not change).
        to: Ident,
    },
    /// `ALTER SEQUENCE .. <options>`.
    Alter {
        /// The sequence.
        name: ObjectName,
        /// The options before, when the migration gave them (needed to go back; with
        /// them, only the options that differ are rendered).
        from: Option<SequenceOptions>,
        /// The options after.
        to: SequenceOptions,
    },
    /// `ALTER SEQUENCE .. RESTART [WITH n]`: a data change, no inverse.
    Restart {
        /// The sequence.
        name: ObjectName,
        /// The value the next `nextval` returns (`None`: the start value).
        with: Option<i64>,
    },
    /// `SELECT setval(.., value)`: a data change, no inverse.
    SetValue {
        /// The sequence.
        name: ObjectName,
        /// The new current value (the next `nextval` returns the one after it).
        value: SqlExpr,
    },
}

impl SequenceStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            SequenceStep::Create(_) => "create_sequence",
            SequenceStep::Ensure(_) => "ensure_sequence",
            SequenceStep::Drop { .. } => "drop_sequence",
            SequenceStep::DropIfExists { .. } => "drop_sequence_if_exists",
            SequenceStep::Rename { .. } => "rename_sequence",
            SequenceStep::Alter { .. } => "alter_sequence",
            SequenceStep::Restart { .. } => "restart_sequence",
            SequenceStep::SetValue { .. } => "set_sequence_value",
        }
    }

    /// Whether the step may run inside a transaction: always.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo this one, or `None` when it cannot be undone from what it
    /// carries.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: SequenceStep| Some(vec![Step::Sequence(s)]);
        match self {
            SequenceStep::Create(def) => one(SequenceStep::Drop {
                name: def.name.clone(),
                definition: Some(def.clone()),
            }),
            SequenceStep::Drop { definition, .. } => definition
                .clone()
                .and_then(|d| one(SequenceStep::Create(d))),
            SequenceStep::Rename { from, to } => one(SequenceStep::Rename {
                from: from.with_name(to.clone()),
                to: from.name.clone(),
            }),
            SequenceStep::Alter { name, from, to } => from.clone().and_then(|from| {
                one(SequenceStep::Alter {
                    name: name.clone(),
                    from: Some(to.clone()),
                    to: from,
                })
            }),
            SequenceStep::Ensure(_)
            | SequenceStep::DropIfExists { .. }
            | SequenceStep::Restart { .. }
            | SequenceStep::SetValue { .. } => None,
        }
    }
}

// ----- domains -------------------------------------------------------------------------

/// A domain definition: the body of `CREATE DOMAIN`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DomainDef {
    /// The domain's name.
    pub name: ObjectName,
    /// The type it constrains.
    pub base: ColumnType,
    /// `COLLATE ..`.
    pub collation: Option<Ident>,
    /// `DEFAULT ..`.
    pub default: Option<DefaultValue>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// Named `CONSTRAINT .. CHECK (..)`s, in order.
    pub checks: Vec<DomainCheck>,
}

impl DomainDef {
    /// A domain over a type, with nothing else said.
    pub fn new(name: impl Into<ObjectName>, base: ColumnType) -> Self {
        Self {
            name: name.into(),
            base,
            collation: None,
            default: None,
            not_null: false,
            checks: Vec::new(),
        }
    }

    /// `COLLATE ..` (a collation name, e.g. `"C"`).
    pub fn collate(&mut self, collation: impl Into<Ident>) -> &mut Self {
        self.collation = Some(collation.into());
        self
    }

    /// `DEFAULT ..`: columns of the domain without a default of their own take it.
    pub fn default(&mut self, value: impl Into<DefaultValue>) -> &mut Self {
        self.default = Some(value.into());
        self
    }

    /// `NOT NULL`.
    pub fn not_null(&mut self) -> &mut Self {
        self.not_null = true;
        self
    }

    /// `CONSTRAINT name CHECK (..)`; the expression names the value `VALUE`
    /// (`Expr::cust("VALUE > 0")`).
    pub fn check(&mut self, name: impl Into<Ident>, check: impl Into<SqlExpr>) -> &mut Self {
        self.checks.push(DomainCheck {
            name: name.into(),
            check: check.into(),
        });
        self
    }
}

/// A named check of a domain.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DomainCheck {
    /// The constraint's name.
    pub name: Ident,
    /// The condition, on `VALUE`.
    pub check: SqlExpr,
}

/// The steps on domains.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum DomainStep {
    /// `CREATE DOMAIN ..`: undone by dropping it.
    Create(DomainDef),
    /// `DROP DOMAIN ..`; with its definition it can be re-created.
    Drop {
        /// The domain.
        name: ObjectName,
        /// Its definition, when the migration gave it.
        definition: Option<DomainDef>,
    },
    /// `ALTER DOMAIN .. RENAME TO ..`.
    Rename {
        /// The domain's current name.
        from: ObjectName,
        /// The new name (the schema does not change).
        to: Ident,
    },
    /// `ALTER DOMAIN .. ADD CONSTRAINT .. CHECK (..) [NOT VALID]`: undone by dropping it.
    AddCheck {
        /// The domain.
        domain: ObjectName,
        /// The check.
        check: DomainCheck,
        /// Added `NOT VALID`: existing values are not checked until
        /// `VALIDATE CONSTRAINT`.
        not_valid: bool,
    },
    /// `ALTER DOMAIN .. VALIDATE CONSTRAINT ..`: nothing to undo.
    ValidateConstraint {
        /// The domain.
        domain: ObjectName,
        /// The constraint's name.
        name: Ident,
    },
    /// `ALTER DOMAIN .. DROP CONSTRAINT ..`; with its definition it can be re-added.
    DropCheck {
        /// The domain.
        domain: ObjectName,
        /// The constraint's name.
        name: Ident,
        /// Its condition, when the migration gave it.
        definition: Option<SqlExpr>,
    },
}

impl DomainStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            DomainStep::Create(_) => "create_domain",
            DomainStep::Drop { .. } => "drop_domain",
            DomainStep::Rename { .. } => "rename_domain",
            DomainStep::AddCheck { .. } => "add_domain_check",
            DomainStep::ValidateConstraint { .. } => "validate_domain_constraint",
            DomainStep::DropCheck { .. } => "drop_domain_check",
        }
    }

    /// Whether the step may run inside a transaction: always.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo this one, or `None` when it cannot be undone from what it
    /// carries.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: DomainStep| Some(vec![Step::Domain(s)]);
        match self {
            DomainStep::Create(def) => one(DomainStep::Drop {
                name: def.name.clone(),
                definition: Some(def.clone()),
            }),
            DomainStep::Drop { definition, .. } => {
                definition.clone().and_then(|d| one(DomainStep::Create(d)))
            }
            DomainStep::Rename { from, to } => one(DomainStep::Rename {
                from: from.with_name(to.clone()),
                to: from.name.clone(),
            }),
            DomainStep::AddCheck { domain, check, .. } => one(DomainStep::DropCheck {
                domain: domain.clone(),
                name: check.name.clone(),
                definition: Some(check.check.clone()),
            }),
            DomainStep::ValidateConstraint { .. } => Some(Vec::new()),
            DomainStep::DropCheck {
                domain,
                name,
                definition,
            } => definition.clone().and_then(|check| {
                one(DomainStep::AddCheck {
                    domain: domain.clone(),
                    check: DomainCheck {
                        name: name.clone(),
                        check,
                    },
                    not_valid: false,
                })
            }),
        }
    }
}

// ----- types ---------------------------------------------------------------------------

/// A composite type definition: the body of `CREATE TYPE .. AS (..)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CompositeTypeDef {
    /// The type's name.
    pub name: ObjectName,
    /// Its fields, in order.
    pub fields: Vec<(Ident, ColumnType)>,
}

impl CompositeTypeDef {
    /// A composite type without fields yet.
    pub fn new(name: impl Into<ObjectName>) -> Self {
        Self {
            name: name.into(),
            fields: Vec::new(),
        }
    }

    /// Adds a field.
    pub fn field(&mut self, name: impl Into<Ident>, ty: ColumnType) -> &mut Self {
        self.fields.push((name.into(), ty));
        self
    }
}

/// The steps on types as such: renames of any type (enum, composite, domain) and
/// composite types.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub enum TypeStep {
    /// `ALTER TYPE .. RENAME TO ..` (an enum, a composite type or a domain).
    Rename {
        /// The type's current name.
        from: ObjectName,
        /// The new name (the schema does not change).
        to: Ident,
    },
    /// `CREATE TYPE .. AS (..)`: undone by dropping it.
    CreateComposite(CompositeTypeDef),
    /// `DROP TYPE ..` of a composite type; with its definition it can be re-created.
    DropComposite {
        /// The type.
        name: ObjectName,
        /// Its definition, when the migration gave it.
        definition: Option<CompositeTypeDef>,
    },
}

impl TypeStep {
    /// The step's name in the DSL.
    pub fn kind(&self) -> &'static str {
        match self {
            TypeStep::Rename { .. } => "rename_type",
            TypeStep::CreateComposite(_) => "create_type",
            TypeStep::DropComposite { .. } => "drop_type",
        }
    }

    /// Whether the step may run inside a transaction: always.
    pub fn transactional(&self) -> bool {
        true
    }

    /// The steps that undo this one, or `None` when it cannot be undone from what it
    /// carries.
    pub fn inverse(&self) -> Option<Vec<Step>> {
        let one = |s: TypeStep| Some(vec![Step::Type(s)]);
        match self {
            TypeStep::Rename { from, to } => one(TypeStep::Rename {
                from: from.with_name(to.clone()),
                to: from.name.clone(),
            }),
            TypeStep::CreateComposite(def) => one(TypeStep::DropComposite {
                name: def.name.clone(),
                definition: Some(def.clone()),
            }),
            TypeStep::DropComposite { definition, .. } => definition
                .clone()
                .and_then(|d| one(TypeStep::CreateComposite(d))),
        }
    }
}

/// Refines a domain check being added: [`not_valid`](Self::not_valid).
#[derive(Debug)]
pub struct DomainCheckBuilder<'a> {
    pub(crate) not_valid: &'a mut bool,
}

impl DomainCheckBuilder<'_> {
    /// `NOT VALID`: existing values are not checked now (new ones are); check them
    /// later with [`validate_domain_constraint`](crate::Migration::validate_domain_constraint).
    pub fn not_valid(self) -> Self {
        *self.not_valid = true;
        self
    }
}
