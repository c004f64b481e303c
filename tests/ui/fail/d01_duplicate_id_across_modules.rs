mod users {
    use migrate_core::prelude::*;

    #[migration(id = 20261121_090000)]
    fn create_users(m: &mut Migration) {
        m.create_table("users", |t| {
        t.column("id", BigInt);
    });
    }
}

mod posts {
    pub mod v2 {
        use migrate_core::prelude::*;

        #[migration(id = 20261121_090000)]
        fn create_posts(m: &mut Migration) {
            m.create_table("posts", |t| {
        t.column("id", BigInt);
    });
        }
    }
}

fn main() {}
