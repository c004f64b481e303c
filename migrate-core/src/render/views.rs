//! Rendering one family of steps: views and materialized views, and comments (`COMMENT ON`).
