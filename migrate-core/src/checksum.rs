//! Checksums: SHA-256 over a canonical encoding of a migration's up steps.
//!
//! The encoding is the tag `migrate-checksum-v1`, a newline, then the up steps as
//! compact JSON produced by their `serde::Serialize` derives: field order is
//! declaration order, enum variants are named, and an expression stands as its
//! rendered PostgreSQL text. The SQL the steps render to is NOT hashed, so a change of
//! formatting in `render.rs` does not mark applied migrations as modified. Settings
//! (timeouts) and the down are not hashed: changing them does not change what the
//! migration did.
//!
//! Expressions are the exception: they are hashed as sea-query prints them, so a
//! sea-query release that prints one differently changes the checksum of every
//! migration holding it (the README's "Checksums" section tells users what to do).
//! A structural encoding of our own was considered and left out: `sea_query::Expr` is
//! `#[non_exhaustive]` (as are its operators and functions), a `CASE` keeps its parts
//! private (sea-query 1.0 has no accessors for them) and a sub-query is a whole
//! `SELECT` statement, so any walk needs the rendered text as a fallback and would
//! still not be independent of sea-query. It would also change the digest of every
//! applied migration with an expression (a literal default is one), for no complete
//! gain.
//!
//! Rule for maintainers: a field added to a step must be skipped from the encoding
//! when it holds its default (`#[serde(skip_serializing_if = ..)]`), so every existing
//! checksum stays the same. The pinned digests of every golden and example migration
//! (`tests/tests/golden_sql/checksums.rs`, `examples/blog/tests/checksums.rs`) guard this.

use std::cell::RefCell;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::step::Step;

/// A SHA-256 digest, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    /// The checksum of a migration's up steps.
    ///
    /// Every migration is hashed on every run: the encoding goes into one buffer per
    /// thread, reused, and is hashed in one call.
    pub fn of_steps(steps: &[Step]) -> Self {
        thread_local! {
            static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            buffer.extend_from_slice(b"migrate-checksum-v1\n");
            encode(buffer, steps);
            Self(Sha256::digest(buffer.as_slice()).into())
        })
    }

    /// Parses 64 hex digits (either case). Every history row's checksum goes through
    /// this on every run: one table lookup per digit, one check at the end.
    pub fn from_hex(hex: &str) -> Option<Self> {
        /// The value of each byte as a hex digit; 0xFF for any other byte.
        const DIGITS: [u8; 256] = {
            let mut table = [0xFF; 256];
            let mut i = 0;
            while i < 10 {
                table[b'0' as usize + i] = i as u8;
                i += 1;
            }
            let mut i = 0;
            while i < 6 {
                table[b'a' as usize + i] = 10 + i as u8;
                table[b'A' as usize + i] = 10 + i as u8;
                i += 1;
            }
            table
        };
        let bytes: &[u8; 64] = hex.as_bytes().try_into().ok()?;
        let mut out = [0u8; 32];
        let mut invalid = 0u8;
        for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let (high, low) = (DIGITS[usize::from(pair[0])], DIGITS[usize::from(pair[1])]);
            invalid |= high | low;
            *byte = (high << 4) | (low & 0x0F);
        }
        // A digit is at most 0x0F: any high bit comes from a byte that is not one.
        (invalid & 0xF0 == 0).then_some(Self(out))
    }

    /// The 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        self.push_hex(&mut s);
        s
    }

    /// Appends the 64 lowercase hex digits (a table lookup per digit: the history's
    /// digest formats every migration's checksum on every run).
    pub(crate) fn push_hex(&self, out: &mut String) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for b in self.0 {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0x0F)]));
        }
    }
}

/// Appends the canonical encoding to `out`.
fn encode(out: &mut Vec<u8>, steps: &[Step]) {
    let start = out.len();
    // Serializing plain data with derived impls into memory cannot fail: no maps with
    // non-string keys, no I/O. Should it ever, the error's text stands in.
    if let Err(e) = serde_json::to_writer(&mut *out, steps) {
        out.truncate(start);
        out.extend_from_slice(format!("unencodable: {e}").as_bytes());
    }
}

/// As the hex text it displays as (the form the history table records).
#[cfg(feature = "serde")]
impl serde::Serialize for Checksum {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
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

#[cfg(test)]
mod tests {
    use super::Checksum;

    #[test]
    fn hex_round_trips_and_rejects_what_is_not_64_hex_digits() {
        let sum = Checksum(std::array::from_fn(|i| (i as u8).wrapping_mul(37)));
        let hex = sum.to_hex();
        assert_eq!(Checksum::from_hex(&hex), Some(sum));
        assert_eq!(Checksum::from_hex(&hex.to_uppercase()), Some(sum));
        assert_eq!(Checksum::from_hex(&hex[..62]), None);
        assert_eq!(Checksum::from_hex(&format!("{hex}00")), None);
        assert_eq!(Checksum::from_hex(&format!("g{}", &hex[1..])), None);
        assert_eq!(Checksum::from_hex(&format!("é{}", &hex[2..])), None);
        assert_eq!(
            Checksum([0xAB; 32]).to_hex(),
            "ab".repeat(32),
            "lowercase, high digit first"
        );
        assert_eq!(
            &Checksum(std::array::from_fn(|i| i as u8)).to_hex()[..8],
            "00010203"
        );
    }
}
