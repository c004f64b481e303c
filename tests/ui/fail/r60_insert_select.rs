use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r60_insert_select(m: &mut Migration) {
    m.insert_select("archive", ["id"], Query::select().column("id").from("posts").take());
}

fn main() {}
