use migrate_core::prelude::*;

#[migration(id = 20261207_090048)]
fn r48_create_or_replace_function(m: &mut Migration) {
    m.create_or_replace_function(
        FunctionDef::new("app.now_utc")
            .returns(Timestamp)
            .language("sql")
            .body("SELECT now() AT TIME ZONE 'utc'"),
    );
}

fn main() {}
