use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r12_delete(m: &mut Migration) {
    m.delete("tags").filter(Expr::col("name").eq("legacy"));
}

fn main() {}
