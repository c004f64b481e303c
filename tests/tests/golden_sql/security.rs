//! Row-level security, policies and privileges: golden SQL both ways, and pinned checksums.
