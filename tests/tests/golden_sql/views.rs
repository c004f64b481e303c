//! Views and materialized views, and comments: golden SQL both ways, and pinned checksums.
