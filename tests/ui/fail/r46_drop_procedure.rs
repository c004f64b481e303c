use migrate_core::prelude::*;

#[migration(id = 20261207_090046)]
fn r46_drop_procedure(m: &mut Migration) {
    m.drop_procedure("app.archive", [Date]);
}

fn main() {}
