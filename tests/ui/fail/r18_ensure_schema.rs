use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r18_ensure_schema(m: &mut Migration) {
    m.ensure_schema("app");
}

fn main() {}
