//! The results of the commands that print one thing: `new`, `lint`, `verify`,
//! `schema` and `completions`.

use migrate_core::DisplayId;

use super::json;
use super::terminal::{GREEN, RED, YELLOW, out, paint};
use crate::scaffold::Scaffolded;

/// `new`.
pub(crate) fn scaffolded(made: &Scaffolded) {
    out(&format!(
        "{} {} ({})\n{} {}\n",
        paint(GREEN, "created   "),
        made.file.display(),
        DisplayId(made.id),
        paint(GREEN, "registered"),
        made.module.display()
    ));
}

/// `lint`: one line per finding, then a summary; or a JSON object with `findings`.
pub(crate) fn lint(findings: &[migrate_core::lint::Finding], json: bool) {
    if json {
        json::lint(findings);
        return;
    }
    let mut text = String::new();
    for f in findings {
        let (mark, color) = if f.blocks() {
            ("error  ", RED)
        } else {
            ("allowed", YELLOW)
        };
        text.push_str(&format!(
            "{} {} {} step {} (`{}` {}): [{}] {}\n        fix: {}\n",
            paint(color, mark),
            DisplayId(f.id),
            f.name,
            f.step,
            f.kind,
            f.object,
            f.rule.code(),
            f.rule.risk(),
            f.rule.fix(),
        ));
        if let Some(reason) = &f.allowed {
            text.push_str(&format!("        allowed because: {reason}\n"));
        }
    }
    let blocking = findings.iter().filter(|f| f.blocks()).count();
    text.push_str(&format!(
        "{} finding(s): {} blocking, {} acknowledged\n",
        findings.len(),
        blocking,
        findings.len() - blocking
    ));
    out(&text);
}

/// `verify`: the report, one line per migration, a diff for the failure.
pub(crate) fn verify(report: &migrate_core::VerifyReport) {
    out(&format!("{report}\n"));
}

/// `schema`: the snapshot's text.
pub(crate) fn schema(text: &str) {
    out(text);
    if !text.ends_with('\n') {
        out("\n");
    }
}

/// `schema --check FILE` found no difference.
pub(crate) fn schema_matches(path: &std::path::Path, objects: usize) {
    out(&format!(
        "{} the database matches {} ({objects} objects)\n",
        paint(GREEN, "ok"),
        path.display()
    ));
}

/// `completions`: the script, as generated.
pub(crate) fn completions(script: &str) {
    out(script);
}
