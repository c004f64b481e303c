//! The recorder methods of one family: views and materialized views, and comments (`COMMENT ON`).
