//! `diff`: what differs, what was written, and what the proof showed.

use migrate_core::SnapshotDiff;
use migrate_core::diff::Proof;

use super::terminal::{DIM, GREEN, RED, YELLOW, err, out, paint};

/// Nothing to generate.
pub(crate) fn diff_none() {
    out(&format!(
        "{} the target matches the migrations: nothing to generate\n",
        paint(GREEN, "ok")
    ));
}

/// The snapshots differ where the generator sees nothing.
pub(crate) fn diff_uncovered(diff: &SnapshotDiff) {
    out(&format!(
        "{} the target differs from the migrations, but not in anything diff generates \
         (- migrations only, + target only):\n{diff}\n",
        paint(YELLOW, "warning")
    ));
}

/// `--check`: the changes a migration would make, one per line.
pub(crate) fn diff_changes(changes: &[String]) {
    let mut text = String::new();
    for change in changes {
        text.push_str(&format!("  {change}\n"));
    }
    out(&text);
}

/// What the written migration holds.
pub(crate) fn diff_written(changes: usize, review: usize, one_way: &[&str]) {
    let mut text = format!("{} {changes} change(s)\n", paint(GREEN, "generated "));
    if !one_way.is_empty() {
        text.push_str(&format!(
            "{} declared irreversible: {}\n",
            paint(YELLOW, "one-way   "),
            one_way.join("; ")
        ));
    }
    if review > 0 {
        text.push_str(&format!(
            "{} {review} change(s) the DSL cannot express are raw SQL without a down: \
             the file does not compile until you write their inverse (or declare the \
             migration irreversible)\n",
            paint(YELLOW, "review    ")
        ));
    }
    out(&text);
}

/// The proof on the replayed scratch database.
pub(crate) fn diff_proof(proof: &Proof, review: bool) {
    let mut text = String::new();
    if proof.remaining.is_empty() {
        text.push_str(&format!(
            "{} applied to the replayed migrations, the schema is the target's\n",
            paint(GREEN, "proved    ")
        ));
    } else {
        text.push_str(&format!(
            "{} after the migration the schema still differs from the target \
             (- target only, + after the migration only):\n{}\n",
            paint(RED, "differs   "),
            proof.remaining
        ));
    }
    match (&proof.reverted, &proof.reapplied) {
        (Some(reverted), Some(reapplied)) if reverted.is_empty() && reapplied.is_empty() => {
            text.push_str(&format!(
                "{} its down restores the replayed schema and a second up the target\n",
                paint(GREEN, "reversible")
            ));
        }
        (Some(reverted), Some(reapplied)) => {
            if !reverted.is_empty() {
                text.push_str(&format!(
                    "{} the down does not restore the replayed schema:\n{reverted}\n",
                    paint(RED, "down      ")
                ));
            }
            if !reapplied.is_empty() {
                text.push_str(&format!(
                    "{} a second up differs from the first:\n{reapplied}\n",
                    paint(RED, "redo      ")
                ));
            }
        }
        _ => text.push_str(&format!(
            "{} {}\n",
            paint(DIM, "no down   "),
            if review {
                "checked the up only: write the down of the changes under review"
            } else {
                "checked the up only: the migration is irreversible"
            }
        )),
    }
    out(&text);
}

/// A question on stderr (the answer is read from stdin).
pub(crate) fn prompt(question: &str) {
    err(question);
}
