//! Checksums: SHA-256 over a canonical encoding of a migration's up steps.
//!
//! The encoding is the tag `migrate-checksum-v1`, a newline, then the up steps as
//! compact JSON produced by their `serde::Serialize` derives: field order is
//! declaration order, enum variants are named, and an expression stands as its
//! rendered PostgreSQL text. The SQL the steps render to is NOT hashed, so a change of
//! formatting in sea-query does not mark applied migrations as modified (an
//! expression's own text aside). Settings (timeouts) and the down are not hashed:
//! changing them does not change what the migration did.
//!
//! Rule for maintainers: a field added to a step must be skipped from the encoding
//! when it holds its default (`#[serde(skip_serializing_if = ..)]`), so every existing
//! checksum stays the same. The pinned digest in the tests guards this.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::step::Step;

/// A SHA-256 digest, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    /// The checksum of a migration's up steps.
    pub fn of_steps(steps: &[Step]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"migrate-checksum-v1\n");
        hasher.update(canonical(steps).as_bytes());
        Self(hasher.finalize().into())
    }

    /// Parses 64 hex digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }

    /// The 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        use fmt::Write;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

/// The canonical encoding (without the version tag).
pub fn canonical(steps: &[Step]) -> String {
    // Serializing plain data with derived impls into a String cannot fail: no maps
    // with non-string keys, no I/O.
    serde_json::to_string(steps).unwrap_or_else(|e| format!("unencodable: {e}"))
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({})", self.to_hex())
    }
}
