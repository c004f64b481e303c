use migrate_core::prelude::*;

#[migration(id = 20261121_090600)]
fn rename_post_body(m: &mut Migration) {
    m.rename_column("posts", "body", "content").allow(
        Rule::BreakingChange,
        "the application reads and writes `content` since release 1.4; nothing reads `body`",
    );
}
