//! Rendering one family of steps: row-level security, policies and privileges (`GRANT` / `REVOKE`).
