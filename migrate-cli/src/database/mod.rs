//! The database to migrate: its connection string found ([`env_file`], the
//! environment, `--database-url`), read as text in both of libpq's forms
//! ([`conninfo`]), checked into a [`Database`] ([`target`]) with its TLS settings
//! ([`tls`]), then connected to ([`connect`]).
//!
//! Nothing here prints: messages and secrets go back to [`crate::output`] through the
//! commands.

pub(crate) mod connect;
pub(crate) mod conninfo;
pub(crate) mod env_file;
mod target;
pub(crate) mod tls;

pub(crate) use target::{Database, locate};
