//! The steps and definitions of one family: views and materialized views, and comments (`COMMENT ON`).
