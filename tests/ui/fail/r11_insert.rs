use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r11_insert(m: &mut Migration) {
    m.insert("tags", ["name"]).values(["rust"]);
}

fn main() {}
