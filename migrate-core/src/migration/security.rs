//! The recorder methods of one family: row-level security, policies and privileges (`GRANT` / `REVOKE`).
