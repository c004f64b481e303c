//! Shared helpers for the workspace's tests.
