//! Compile-time UX: what users see when a migration is wrong, pinned with trybuild.
//! Snapshots are blessed on rustc 1.95 (`TRYBUILD=overwrite cargo test -p migrate-tests --test ui`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
