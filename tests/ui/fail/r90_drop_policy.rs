use migrate_core::prelude::*;

#[migration(id = 20261207_500000)]
fn r90_drop_policy(m: &mut Migration) {
    m.enable_row_level_security("docs");
    m.drop_policy("docs", "owner_only");
}

fn main() {}
