//! `cargo run --bin migrate -- <command>`: the blog's migration command.

migrate_cli::main!(blog::migrations);
