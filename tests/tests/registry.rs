//! The registry: migrations collected from several modules by `#[migration]`, sorted by
//! id whatever the module order, and duplicate ids (possible across crates, where the
//! compile-time guard cannot see) refused naming both places.

use migrate_core::prelude::*;
use migrate_core::{Down, Error, Migrations, Registration, Up};

mod later {
    use migrate_core::prelude::*;

    #[migration(id = 30)]
    fn third(m: &mut Migration) {
        m.create_schema("c");
    }

    #[migration(id = 10)]
    fn first(m: &mut Migration) {
        m.create_schema("a");
    }
}

mod earlier {
    pub(crate) mod nested {
        use migrate_core::prelude::*;

        #[migration(id = 20, name = "the second one")]
        fn second(m: &mut Migration) {
            m.create_schema("b");
        }
    }
}

#[migration(id = 40, irreversible)]
fn fourth(m: &mut Migration) {
    m.unchecked_sql("SELECT 1");
}

#[test]
fn migrations_from_every_module_are_sorted_by_id() {
    let all = Migrations::registered().unwrap();
    let listed: Vec<(i64, &str, &str)> =
        all.iter().map(|r| (r.id, r.name, r.module_path)).collect();
    assert_eq!(
        listed,
        [
            (10, "first", "registry::later"),
            (20, "the second one", "registry::earlier::nested"),
            (30, "third", "registry::later"),
            (40, "fourth", "registry"),
        ]
    );
    assert!(matches!(all.get(40).unwrap().down, Down::Irreversible));
    assert!(matches!(all.get(10).unwrap().down, Down::Auto));
    // Lines point at the function names.
    let source = include_str!("registry.rs");
    let line = all.get(30).unwrap().line as usize;
    assert!(
        source.lines().nth(line - 1).unwrap().contains("fn third"),
        "line {line}"
    );
}

#[test]
fn a_module_selects_its_migrations() {
    let all = Migrations::registered().unwrap();
    let ids: Vec<i64> = all
        .in_module("registry::later")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [10, 30]);
    // A prefix that is not a whole module path segment selects nothing.
    assert!(all.in_module("registry::lat").is_empty());
}

fn empty(_: &mut Migration) {}

static FROM_CRATE_A: Registration = Registration {
    id: 7,
    name: "create_users",
    file: "crate_a/src/migrations/m7.rs",
    line: 4,
    module_path: "crate_a::migrations",
    up: Up::Reversible(empty),
    down: Down::Auto,
};

static FROM_CRATE_B: Registration = Registration {
    id: 7,
    name: "create_posts",
    file: "crate_b/src/migrations/m7.rs",
    line: 9,
    module_path: "crate_b::migrations",
    up: Up::Reversible(empty),
    down: Down::Auto,
};

#[test]
fn a_duplicate_id_names_both_places() {
    let err = Migrations::from_registrations([&FROM_CRATE_B, &FROM_CRATE_A]).unwrap_err();
    let Error::DuplicateId { id, first, second } = &err else {
        panic!("expected DuplicateId, got {err:?}");
    };
    assert_eq!(*id, 7);
    let mut files = [first.file, second.file];
    files.sort_unstable();
    assert_eq!(
        files,
        [
            "crate_a/src/migrations/m7.rs",
            "crate_b/src/migrations/m7.rs"
        ]
    );
    let message = err.to_string();
    assert!(
        message.contains("crate_a/src/migrations/m7.rs:4")
            && message.contains("crate_b/src/migrations/m7.rs:9"),
        "{message}"
    );
}

#[test]
fn an_empty_registry_explains_linking() {
    let message = Error::NoMigrations.to_string();
    assert!(message.contains("linked"), "{message}");
    assert!(message.contains("migrate_cli::main!"), "{message}");
    assert!(Migrations::from_registrations([]).unwrap().is_empty());
}
