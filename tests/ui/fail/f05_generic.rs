use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn create_users<T>(m: &mut Migration)
where
    T: Default,
{
    m.create_table("users", |t| {
        t.column("id", BigInt);
    });
}

fn main() {}
