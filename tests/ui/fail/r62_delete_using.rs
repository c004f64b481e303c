use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r62_delete_using(m: &mut Migration) {
    m.delete_using("sessions", "users").filter(Expr::col(("sessions", "user_id")).equals(("users", "id")));
}

fn main() {}
