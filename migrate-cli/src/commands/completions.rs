//! `completions SHELL`: the shell completion script of this command line, generated
//! from its grammar by `clap_complete`.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::output;

/// Prints the script for `shell`, for the program named `bin_name`.
pub(super) fn print(shell: Shell, bin_name: &str) {
    output::completions(&script(shell, bin_name));
}

/// The script for `shell`.
fn script(shell: Shell, bin_name: &str) -> String {
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), bin_name, &mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_commands() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            let text = script(shell, "migrate");
            for word in ["reset", "database", "completions", "database-url"] {
                assert!(text.contains(word), "{shell}: no `{word}`");
            }
        }
        let text = script(Shell::Bash, "blog-migrate");
        assert!(text.contains("-o default blog-migrate\n"), "{text}");
    }
}
