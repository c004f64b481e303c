//! The project a migration binary belongs to: where `new` writes its files.

use std::path::PathBuf;

/// Where the user's project lives, for `new` (which writes files).
///
/// [`main!`](crate::main!) fills it from the binary's `CARGO_MANIFEST_DIR` at build time.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// The package directory (holding `Cargo.toml`). `None`: the `CARGO_MANIFEST_DIR`
    /// environment variable (set by `cargo run`), else the current directory.
    pub manifest_dir: Option<PathBuf>,
    /// The migrations directory, relative to `manifest_dir` unless absolute. Default
    /// `src/migrations`.
    pub migrations_dir: Option<PathBuf>,
}

impl Project {
    /// The migrations directory `migrations_dir` of the package in `manifest_dir`.
    pub fn new(manifest_dir: impl Into<PathBuf>, migrations_dir: impl Into<PathBuf>) -> Self {
        Self {
            manifest_dir: Some(manifest_dir.into()),
            migrations_dir: Some(migrations_dir.into()),
        }
    }

    /// The directory `new` writes to, unless `--dir` says otherwise.
    pub(crate) fn migrations_dir(&self) -> PathBuf {
        let base = self
            .manifest_dir
            .clone()
            .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = self
            .migrations_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("src/migrations"));
        base.join(dir)
    }
}
