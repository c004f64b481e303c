//! `completions SHELL`: a script on stdout for each shell, no database needed; and the
//! help of the commands added with it (`reset`, `database`).

use super::*;

#[test]
fn help_lists_reset_database_and_completions() {
    let out = ok(migrate().arg("--help"));
    for command in ["reset", "database", "completions"] {
        assert!(
            out.stdout.contains(&format!("\n  {command} ")),
            "{command} missing from:\n{}",
            out.stdout
        );
    }
    let database = ok(migrate().args(["database", "--help"]));
    assert!(
        database.stdout.contains("\n  create ") && database.stdout.contains("\n  drop "),
        "{}",
        database.stdout
    );
    let drop = ok(migrate().args(["database", "drop", "--help"]));
    assert!(drop.stdout.contains("--yes") && drop.stdout.contains("--force"));
    let reset = ok(migrate().args(["reset", "--help"]));
    for flag in ["--yes", "--recreate", "--json", "maintenance database"] {
        assert!(reset.stdout.contains(flag), "{flag}:\n{}", reset.stdout);
    }
}

#[test]
fn completion_scripts_name_the_commands() {
    let bash = ok(migrate().args(["completions", "bash"]));
    assert!(
        bash.stdout
            .contains("complete -F _migrate -o nosort -o bashdefault -o default migrate"),
        "{}",
        bash.stdout
    );
    let zsh = ok(migrate().args(["completions", "zsh"]));
    assert!(
        zsh.stdout.starts_with("#compdef migrate\n"),
        "{}",
        zsh.stdout
    );
    for out in [&bash, &zsh] {
        for command in ["reset", "database", "create", "drop", "completions", "up"] {
            assert!(out.stdout.contains(command), "{command}:\n{}", out.stdout);
        }
        assert!(out.stderr.is_empty(), "{}", out.stderr);
    }
    for shell in ["fish", "elvish", "powershell"] {
        let out = ok(migrate().args(["completions", shell]));
        assert!(out.stdout.contains("reset"), "{shell}:\n{}", out.stdout);
    }
    let named = ok(migrate().args(["completions", "fish", "--bin-name", "blog-migrate"]));
    assert!(
        named.stdout.contains("complete -c blog-migrate"),
        "{}",
        named.stdout
    );
    let out = run(migrate().args(["completions", "tcsh"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("bash"), "{}", out.stderr);
}
