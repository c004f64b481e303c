//! Rendering one family of steps: data moved with a query: insert from a select, update with a join, delete with `USING`, create table as.
