//! Data moves, keys, constraints and index options: golden SQL both ways, and pinned checksums.
