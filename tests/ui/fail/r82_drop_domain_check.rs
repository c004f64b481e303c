use migrate_core::prelude::*;

#[migration(id = 20261207_482000)]
fn r82_drop_domain_check(m: &mut Migration) {
    m.drop_domain_check("email", "email_has_at");
}

fn main() {}
