//! The exit codes, in one place.

use std::process::ExitCode;

/// Success; also `--help` and `--version`.
pub const SUCCESS: u8 = 0;
/// A failure: the database could not be reached, a migration failed, or the run was
/// refused before changing anything (irreversible, modified or missing migrations...).
pub const FAILURE: u8 = 1;
/// A usage error: bad arguments (clap's own code), no database configured, an invalid
/// URL or option, an id that names no migration, an invalid name for `new`, a
/// destructive command (`reset`, `database drop`) without `--yes`.
pub const USAGE: u8 = 2;

/// `status --exit-code`: the database is not up to date with the code; a migration is
/// pending, modified, missing or out of order (the status was printed in full).
pub const NEEDS_ACTION: u8 = 3;

/// An error in what the user asked for, rather than in what happened: exits with
/// [`USAGE`].
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A usage error with this message, as an `anyhow::Error`.
pub(crate) fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// The exit code for an error: [`USAGE`] when any error of its chain is a usage error
/// (or a target id that names no migration), else [`FAILURE`].
pub(crate) fn code_for(error: &anyhow::Error) -> ExitCode {
    let usage = error.chain().any(|e| {
        e.is::<UsageError>()
            || matches!(
                e.downcast_ref::<migrate_core::Error>(),
                Some(migrate_core::Error::UnknownTarget { .. })
            )
    });
    ExitCode::from(if usage { USAGE } else { FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_fail_and_usage_errors_are_usage() {
        // The example project has no irreversible migration; the runner refuses one in
        // a down range with this error, before changing anything.
        let refusal = anyhow::Error::new(migrate_core::Error::Irreversible {
            id: 20261121091000,
            name: "drop_legacy".to_owned(),
        });
        assert_eq!(code_for(&refusal), ExitCode::from(FAILURE));
        assert!(refusal.to_string().contains("drop_legacy"), "{refusal}");
        let unknown =
            anyhow::Error::new(migrate_core::Error::UnknownTarget { id: 1 }).context("running up");
        assert_eq!(code_for(&unknown), ExitCode::from(USAGE));
        assert_eq!(code_for(&usage("bad")), ExitCode::from(USAGE));
    }
}
