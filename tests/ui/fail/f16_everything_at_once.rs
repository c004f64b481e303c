use migrate_core::prelude::*;

#[migration(id = -1, nmae = "create users")]
async unsafe fn create_users<T>(m: Migration<Manual>, extra: T) -> u32 {
    let _ = (m, extra);
    0
}

fn main() {}
