//! `status`: the table of every migration with its state, or its JSON, and whether
//! the database is up to date.

use std::time::SystemTime;

use migrate_core::{DisplayId, MigrationState, MigrationStatus};

use super::json;
use super::terminal::{BOLD, DIM, GREEN, RED, out, paint};

/// A time as RFC 3339, in UTC, to the second (as the JSON shows it).
fn rfc3339(time: SystemTime) -> Option<String> {
    jiff::Timestamp::try_from(time)
        .ok()
        .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
}

/// The ids of pending migrations older than the newest recorded one: `up` refuses
/// them (as the runner's reconciliation does) unless `--allow-out-of-order`.
fn out_of_order(list: &[MigrationStatus]) -> Vec<i64> {
    let newest = list
        .iter()
        .filter(|s| s.state != MigrationState::Pending)
        .map(|s| s.id)
        .max();
    list.iter()
        .filter(|s| s.state == MigrationState::Pending && newest.is_some_and(|n| s.id < n))
        .map(|s| s.id)
        .collect()
}

/// The out-of-order ids and whether the database is up to date (see [`status`]).
pub(super) fn late_and_clean(list: &[MigrationStatus]) -> (Vec<i64>, bool) {
    let clean = list
        .iter()
        .all(|s| matches!(s.state, MigrationState::Applied | MigrationState::Baselined));
    (out_of_order(list), clean)
}

/// `status`. Returns whether the database is up to date: every migration applied,
/// nothing pending, modified, missing or out of order (`--exit-code`).
pub(crate) fn status(list: &[MigrationStatus], json: bool) -> bool {
    let late = out_of_order(list);
    let clean = list
        .iter()
        .all(|s| matches!(s.state, MigrationState::Applied | MigrationState::Baselined));
    if json {
        json::status(list, clean, &late);
        return clean;
    }
    if list.is_empty() {
        out("no migrations\n");
        return clean;
    }
    let width = list.iter().map(|s| s.name.len()).max().unwrap_or(4).max(4);
    let mut text = format!(
        "{}\n",
        paint(
            BOLD,
            &format!(
                "{:<15}  {:<width$}  {:<12}  APPLIED AT",
                "ID", "NAME", "STATE"
            )
        )
    );
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for s in list {
        let shown = if late.contains(&s.id) {
            "out-of-order"
        } else {
            s.state.as_str()
        };
        let style = match s.state {
            MigrationState::Applied | MigrationState::Baselined => GREEN,
            MigrationState::Pending if !late.contains(&s.id) => DIM,
            _ => RED,
        };
        match counts.iter_mut().find(|(w, _)| *w == shown) {
            Some((_, n)) => *n += 1,
            None => counts.push((shown, 1)),
        }
        text.push_str(&format!(
            "{:<15}  {:<width$}  {}  {}\n",
            DisplayId(s.id).to_string(),
            s.name,
            paint(style, &format!("{shown:<12}")),
            s.applied_at.and_then(rfc3339).unwrap_or_default()
        ));
    }
    let summary: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    text.push_str(&format!(
        "{}\n",
        paint(
            DIM,
            &format!("{} migration(s): {}", list.len(), summary.join(", "))
        )
    ));
    if list.iter().any(|s| s.state == MigrationState::Modified) {
        text.push_str(
            "hint: a modified migration changed since it ran: revert the edit, or accept it with `repair`\n",
        );
    }
    if !late.is_empty() {
        text.push_str(
            "hint: `up` refuses out-of-order migrations: give them newer ids, or apply them \
             with `up --allow-out-of-order`\n",
        );
    }
    out(&text);
    clean
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_rfc3339() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_400);
        assert_eq!(rfc3339(t).as_deref(), Some("2023-11-14T22:13:20Z"));
    }
}
