use migrate_core::prelude::*;

#[migration(id = 20261207_481000)]
fn r81_drop_domain(m: &mut Migration) {
    m.drop_domain("email");
}

fn main() {}
