//! Sequences, domains, serial columns and type renames: golden SQL both ways, and pinned checksums.
