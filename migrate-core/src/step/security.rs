//! The steps and definitions of one family: row-level security, policies and privileges (`GRANT` / `REVOKE`).
