//! Views and materialized views, and comments: `verify` catches a wrong down of each kind of object.

#[allow(unused_imports)]
use super::*;

use super::reversibility::failed_down;

/// The set's first migration: a table, a view and a materialized view over it, and
/// comments.
pub(crate) fn users_and_views(m: &mut Migration) {
    users(m);
    m.create_view("active_users", "SELECT id, email FROM users");
    m.create_materialized_view(
        "mood_counts",
        "SELECT mood, count(*) AS n FROM users GROUP BY mood",
    );
    m.change_comment(CommentTarget::table("users"), None, Some("People"));
    m.change_comment(
        CommentTarget::view("active_users"),
        None,
        Some("shown on the dashboard"),
    );
}
reg!(USERS_AND_VIEWS, 1, users_and_views);
reg!(AFTER, 3, posts);

/// The single change of a failed down.
async fn changed(report: &VerifyReport) -> Change {
    let diff = failed_down(report).await;
    assert_eq!(diff.changes.len(), 1, "{report}");
    diff.changes[0].clone()
}

// ----- a view restored to an older definition ------------------------------------------

pub(crate) fn filter_the_view(m: &mut Migration<Manual>) {
    m.replace_view(
        "active_users",
        "SELECT id, email FROM users",
        "SELECT id, email FROM users WHERE email <> ''",
    )
    .same_columns();
}
/// Restores the definition of an older release, not the one the up replaced.
pub(crate) fn restores_an_older_view(m: &mut Migration<Manual>) {
    m.create_or_replace_view("active_users", "SELECT id, email FROM users WHERE id > 0");
}
manual!(OLDER_VIEW, 2, filter_the_view, restores_an_older_view);

#[tokio::test]
pub(crate) async fn a_down_that_restores_an_older_view_is_caught() {
    let report = run([&USERS_AND_VIEWS, &OLDER_VIEW, &AFTER]).await;
    let Change::Changed { key, before, after } = changed(&report).await else {
        panic!("{report}");
    };
    assert_eq!(key, "view public.active_users");
    assert!(!before.contains("id > 0"), "{before}");
    assert!(after.contains("id > 0"), "{after}");
    let text = report.to_string();
    assert!(text.contains("~ view public.active_users"), "{text}");
}

// ----- a materialized view restored to an older definition -----------------------------

pub(crate) fn count_only_named(m: &mut Migration<Manual>) {
    m.drop_materialized_view_with(
        "mood_counts",
        "SELECT mood, count(*) AS n FROM users GROUP BY mood",
    );
    m.create_materialized_view(
        "mood_counts",
        "SELECT mood, count(*) AS n FROM users WHERE mood IS NOT NULL GROUP BY mood",
    );
}
pub(crate) fn restores_an_older_materialized_view(m: &mut Migration<Manual>) {
    m.drop_materialized_view("mood_counts");
    m.create_materialized_view(
        "mood_counts",
        "SELECT mood, count(id) AS n FROM users GROUP BY mood",
    );
}
manual!(
    OLDER_MATERIALIZED,
    2,
    count_only_named,
    restores_an_older_materialized_view
);

#[tokio::test]
pub(crate) async fn a_down_that_restores_an_older_materialized_view_is_caught() {
    let report = run([&USERS_AND_VIEWS, &OLDER_MATERIALIZED, &AFTER]).await;
    let Change::Changed { key, before, after } = changed(&report).await else {
        panic!("{report}");
    };
    assert_eq!(key, "materialized view public.mood_counts");
    assert!(before.contains("count(*)"), "{before}");
    assert!(
        after.contains("count(") && !after.contains("count(*)"),
        "{after}"
    );
}

// ----- comments ------------------------------------------------------------------------

pub(crate) fn rename_the_people(m: &mut Migration<Manual>) {
    m.change_comment(
        CommentTarget::table("users"),
        Some("People"),
        Some("Members"),
    );
}
pub(crate) fn restores_another_comment(m: &mut Migration<Manual>) {
    m.set_comment(CommentTarget::table("users"), Some("Persons"));
}
manual!(
    WRONG_COMMENT,
    2,
    rename_the_people,
    restores_another_comment
);

#[tokio::test]
pub(crate) async fn a_down_that_restores_another_comment_is_caught() {
    let report = run([&USERS_AND_VIEWS, &WRONG_COMMENT, &AFTER]).await;
    assert_eq!(
        changed(&report).await,
        Change::Changed {
            key: "comment table public.users".into(),
            before: "People".into(),
            after: "Persons".into(),
        }
    );
}

pub(crate) fn comment_a_column(m: &mut Migration<Manual>) {
    m.change_comment(CommentTarget::column("users", "email"), None, Some("login"));
}
pub(crate) fn forgets_the_column_comment(_m: &mut Migration<Manual>) {}
manual!(
    FORGOTTEN_COMMENT,
    2,
    comment_a_column,
    forgets_the_column_comment
);

#[tokio::test]
pub(crate) async fn a_down_that_leaves_a_comment_is_caught() {
    let report = run([&USERS_AND_VIEWS, &FORGOTTEN_COMMENT, &AFTER]).await;
    assert_eq!(
        changed(&report).await,
        Change::Added {
            key: "comment column public.users.email".into(),
            after: "login".into(),
        }
    );
}

// ----- the derived down of a replacement ------------------------------------------------

/// Adds a column: the derived down drops the view and creates the old one, which
/// loses the view's comment, and `verify` says so.
pub(crate) fn add_a_view_column(m: &mut Migration) {
    m.replace_view(
        "active_users",
        "SELECT id, email FROM users",
        "SELECT id, email, mood FROM users",
    );
}
reg!(ADD_A_VIEW_COLUMN, 2, add_a_view_column);

#[tokio::test]
pub(crate) async fn a_replacement_dropped_and_created_back_loses_the_comment() {
    let report = run([&USERS_AND_VIEWS, &ADD_A_VIEW_COLUMN, &AFTER]).await;
    assert_eq!(
        changed(&report).await,
        Change::Removed {
            key: "comment view public.active_users".into(),
            before: "shown on the dashboard".into(),
        }
    );
}

/// Same columns: the derived down replaces the view back and keeps its comment.
pub(crate) fn filter_the_view_reversibly(m: &mut Migration) {
    m.replace_view(
        "active_users",
        "SELECT id, email FROM users",
        "SELECT id, email FROM users WHERE email <> ''",
    )
    .same_columns();
}
reg!(FILTER_THE_VIEW, 2, filter_the_view_reversibly);

#[tokio::test]
pub(crate) async fn a_replacement_with_the_same_columns_is_undone_in_place() {
    let report = run([&USERS_AND_VIEWS, &FILTER_THE_VIEW, &AFTER]).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), [1, 2, 3]);
}
