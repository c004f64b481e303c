use migrate_core::prelude::*;

#[migration(id = 20261121_090000)]
fn r37_set_comment(m: &mut Migration) {
    m.set_comment(CommentTarget::table("users"), Some("People"));
}

fn main() {}
