//! Code-first PostgreSQL migrations, checked by the compiler.
//!
//! Write each migration as a function with the typed DSL; `#[migration]` registers it
//! (no central list) and the compiler refuses a step that cannot be undone unless the
//! migration gives its own down or declares itself irreversible.
//!
//! ```
//! use migrate_core::prelude::*;
//!
//! #[migration(id = 20261121_090000)]
//! fn create_users(m: &mut Migration) {
//!     m.create_table("users", |t| {
//!         t.column("id", BigInt).identity().primary_key();
//!         t.column("email", Varchar(255)).not_null().unique();
//!         t.timestamps();
//!     });
//!     m.create_index_concurrently("idx_users_created_at", "users", ["created_at"]);
//! }
//! # fn main() {}
//! ```
//!
//! The flow: [`Migration`] records [`Step`]s; [`plan`] derives the down and renders SQL
//! (one internal module renders, the only one that talks to sea-query) without a
//! database; the [`Migrator`] applies plans to PostgreSQL, reporting as it goes through
//! [`RunEvent`]s and returning a [`Report`] or a typed [`Error`]; [`targets`] runs it on
//! many tenant schemas or databases at once. [`lint`], [`verify()`] and [`snapshot`]
//! check migrations before they reach production.

// The public namespaces: the entry points that are more than a type (planning
// without a database, the lint, schema snapshots, the reversibility check) and the
// migration AST a plan is made of. Everything else is private and re-exported below,
// item by item: the crate root is the API.
pub mod diff;
pub mod events;
pub mod lint;
pub mod mode;
pub mod plan;
pub mod snapshot;
pub mod step;
pub mod targets;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verify;

mod checksum;
mod connection;
mod db_error;
mod display;
mod error;

mod expr;
mod history;
mod ident;
mod location;
mod migration;

mod options;
mod reconcile;
mod registry;
mod report;
mod rule;
mod run;
mod sql_lexer;
mod types;

// Internals with doc examples of their own, public only for the workspace's tests and
// CLI: not an API, no stability promise.
#[doc(hidden)]
pub mod backfill;
#[doc(hidden)]
pub mod lock;
#[doc(hidden)]
pub mod preflight;
#[doc(hidden)]
pub mod render;

pub use checksum::Checksum;
pub use connection::connect;
pub use db_error::{DEADLOCK_DETECTED, DbError, LOCK_NOT_AVAILABLE};
pub use display::{DisplayId, HumanDuration};
pub use error::{ConnectionLost, Error, LostMigration, LostState, Problem, StatementFailure};
pub use events::RunEvent;
pub use expr::SqlExpr;
pub use ident::{Ident, IdentError, MAX_IDENT_BYTES, ObjectName};
pub use location::Location;
pub use migrate_macros::migration;
pub use migration::{AlterTypeBuilder, ConstraintBuilder, Migration, Recorded};
pub use mode::{Manual, Mode, Reversible};
pub use options::{
    ConcurrentProfile, ConnectFuture, Connector, DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE,
    DEFAULT_LOCK_TIMEOUTS, MigratorOptions,
};
pub use plan::{Direction, Header, MigrationPlan, Statement, Unit};
pub use reconcile::{DownTarget, Target};
pub use registry::{Down, Migrations, Registration, Up};
pub use report::{
    BackfillRun, Blocker, FailedAttempt, MigrationRun, MigrationState, MigrationStatus, PlannedRun,
    PreflightWarning, Report, RunDirection, SessionWarning,
};
pub use run::Migrator;
pub use snapshot::{Snapshot, SnapshotDiff, SnapshotOptions};
pub use step::Step;
pub use step::{
    ArgMode, FunctionArg, FunctionDef, Parallel, ProcedureDef, Returns, RoutineKind,
    RoutineSignature, RoutineStep, TriggerDef, TriggerEvent, TriggerLevel, TriggerSelector,
    TriggerStep, TriggerTiming,
};
pub use step::{CheckOption, CommentTarget, ViewQuery};
pub use step::{CompositeTypeDef, DomainCheckBuilder, DomainDef, SequenceOptions};
pub use step::{
    DefaultObjects, DefaultPrivilegesDef, FunctionSignature, GrantDef, GrantOn, PolicyCommand,
    PolicyDef, Privilege, PrivilegeSpec, RoleSpec, SecurityStep,
};
pub use types::{
    ColumnType, DefaultValue, Identity, IndexMethod, ReferentialAction, SortOrder, Volatility,
};
pub use verify::{ScratchTarget, VerifyOptions, VerifyReport, verify};

/// Everything a migration file needs: `use migrate_core::prelude::*;`.
pub mod prelude {
    pub use crate::SqlExpr;
    pub use crate::migration;
    pub use crate::migration::Migration;
    pub use crate::mode::{Manual, Reversible};
    pub use crate::rule::Rule;
    pub use crate::step::IndexColumn;
    pub use crate::step::moves_prelude::*;
    pub use crate::step::{CheckOption, CommentTarget};
    pub use crate::step::{DefaultObjects, GrantOn, PolicyCommand, Privilege, RoleSpec};
    pub use crate::step::{FunctionArg, FunctionDef, Parallel, ProcedureDef, TriggerDef};
    pub use crate::types::ColumnType::{self, *};
    pub use crate::types::{DefaultValue, IndexMethod, ReferentialAction, Volatility};
    pub use sea_query::{Condition, Expr, ExprTrait, Func};
    pub use std::time::Duration;
}

/// Items the `#[migration]` macro's output refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__migrate_register as register;
    pub use crate::migration::Recorded;
    pub use crate::registry::{Down, Registration, Up, record, record_down};
    pub use inventory;
}

/// The registration `#[migration]` emits, written out here rather than by the
/// attribute: a proc macro pays a compiler round trip for every token it emits, on
/// every build (expansion is not incremental), while a `macro_rules!` expands inside
/// the compiler. Not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __migrate_register {
    (@submit $id:literal, $name:literal, $file:expr, $line:expr, $up:expr, $down:expr) => {
        $crate::__private::inventory::submit! {
            $crate::__private::Registration {
                id: $id,
                name: $name,
                file: $file,
                line: $line,
                module_path: ::core::module_path!(),
                up: $up,
                down: $down,
            }
        }
    };
    // `Auto` or `Irreversible`.
    ($id:literal, $name:literal, $file:expr, $line:expr, $mode:ident($f:ident), $down:ident) => {
        $crate::__migrate_register!(@submit $id, $name, $file, $line,
            $crate::__private::Up::$mode($f), $crate::__private::Down::$down);
    };
    ($id:literal, $name:literal, $file:expr, $line:expr, $mode:ident($f:ident), down = $record:expr) => {
        const _: () = {
            fn __migrate_down() -> $crate::__private::Recorded {
                $record
            }
            $crate::__migrate_register!(@submit $id, $name, $file, $line,
                $crate::__private::Up::$mode($f),
                $crate::__private::Down::Manual(__migrate_down));
        };
    };
}
