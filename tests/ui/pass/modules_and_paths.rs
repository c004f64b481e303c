mod users {
    use migrate_core::prelude::*;

    #[migration(id = 2)]
    pub(crate) fn second(m: &mut migrate_core::Migration) {
        m.create_schema("b");
    }
}

mod posts {
    pub mod nested {
        #[migrate_core::migration(id = 1)]
        fn first(_m: &mut migrate_core::Migration) {}
    }
}

fn main() {
    let migrations = migrate_core::Migrations::registered().unwrap();
    // Sorted by id, whatever the module order; trybuild renames the crate itself.
    let ids: Vec<_> = migrations
        .iter()
        .map(|r| (r.id, r.module_path.split_once("::").map(|(_, m)| m)))
        .collect();
    assert_eq!(ids, [(1, Some("posts::nested")), (2, Some("users"))]);
    let _ = users::second;
}
