//! Functions, procedures and triggers: golden SQL both ways, and pinned checksums.
