//! Procedural macros for `migrate-core`: [`#[migration]`](macro@migration).
//!
//! Don't depend on this crate directly: use the macro as
//! `migrate_core::migration` (or through `migrate_core::prelude::*`). The
//! code it generates names `::migrate_core`, so that crate must be a
//! dependency under that name.

mod attr;
mod ctxt;
mod expand;
mod func;

use proc_macro::TokenStream;

/// Declares a migration: a function that records schema steps on a
/// `Migration`, registered for the runner by its id.
///
/// ```ignore
/// use migrate_core::prelude::*;
///
/// #[migration(id = 20261121_090000)]
/// fn create_users(m: &mut Migration) {
///     m.create_table("users", |t| {
///         t.column("id", BigInt).primary_key();
///     });
/// }
/// ```
///
/// The function runs once, when the migrations are collected, to record its
/// steps; it does no I/O itself (the runner does), so it is never `async`.
///
/// # Keys
///
/// * `id = <integer literal>` (required): a number unique within the crate
///   that orders the migrations, conventionally the creation time as
///   `YYYYMMDD_HHMMSS`. Digit separators are allowed; a type suffix is not.
///   It must fit in an `i64` and not be negative. Two migrations with the
///   same id anywhere in one crate are a compile error, reported at the
///   second id.
/// * `name = "..."` (optional): a human-readable name; it defaults to the
///   function's name. It must not be empty.
/// * `down = <path>` (optional): the hand-written down migration, a
///   function `fn(&mut Migration<Manual>)`.
/// * `irreversible` (optional): the migration can't be undone.
///
/// `down` and `irreversible` can't be used together.
///
/// # Modes
///
/// Without `down` or `irreversible`, the migration is in `Reversible` mode:
/// the function takes `&mut Migration` (which is `Migration<Reversible>`),
/// which offers only steps that can be undone automatically, and the down
/// migration is derived from the recorded steps.
///
/// With `down = ...` or `irreversible`, the migration is in `Manual` mode:
/// the macro rewrites the parameter type to `&mut Migration<Manual>`, which
/// also offers steps that can't be undone automatically, such as dropping a
/// table or running raw SQL. Write the parameter as `&mut Migration` either
/// way: the attribute decides the mode.
///
/// ```ignore
/// #[migration(id = 20261121_090100, name = "drop legacy", down = restore_legacy)]
/// fn drop_legacy(m: &mut Migration) {
///     m.drop_table("legacy");
/// }
///
/// fn restore_legacy(m: &mut Migration<Manual>) {
///     m.create_table("legacy", |t| {
///         t.column("id", BigInt).primary_key();
///     });
/// }
///
/// #[migration(id = 20261121_090200, irreversible)]
/// fn one_way(m: &mut Migration) {
///     m.unchecked_sql("UPDATE users SET email = lower(email)");
/// }
/// ```
///
/// # The function
///
/// It must be a plain function taking exactly one parameter of type
/// `&mut Migration` (the path may be qualified, as in
/// `&mut migrate_core::Migration`; the pattern may be anything, such as `m`,
/// `_` or `mut m`) and returning nothing. It can't be `async`, `const`,
/// `unsafe`, `extern`, generic, or a method, and it must be a free function:
/// in a module or a function body, not in an `impl` or `trait` block (which
/// the macro can't detect; rustc then reports that macro definitions and
/// `const _` aren't allowed there). Every mistake is
/// reported at once, at the tokens concerned; the function itself is still
/// emitted unchanged, so the errors don't cascade.
///
/// # What it generates
///
/// Next to the function, which stays callable under its own name, the macro
/// generates a hidden registration (through `inventory`) holding the id, the
/// name, the file, the line of the function's name and the module path, and
/// a hidden `#[macro_export]` macro named
/// `migration_id_<id>_is_used_twice` (a 14-digit id written
/// `YYYYMMDD_HHMMSS`), which makes a duplicate id a compile error naming it. None of these are meant to be used directly.
#[proc_macro_attribute]
pub fn migration(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::migration(args.into(), &item.into()).into()
}
