use migrate_core::prelude::*;

/// `reversible` pairs steps with their reverse; the steps outside it are still checked.
#[migration(id = 20261121_090000)]
fn normalize(m: &mut Migration) {
    m.reversible(
        |up| {
            up.update("users").set("email", Expr::cust("lower(email)"));
        },
        |_down| {},
    );
    m.update("users").set("active", true);
}

fn main() {}
