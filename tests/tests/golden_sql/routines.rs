//! Functions, procedures and triggers: golden SQL both ways, and pinned checksums.

use migrate_core::prelude::*;
use migrate_core::{Error, Step};

// ----- definitions, kept in helper functions as users would ------------------------------

fn order_total() -> FunctionDef {
    FunctionDef::new("app.order_total")
        .arg("order_id", BigInt)
        .returns(Numeric(12, 2))
        .language("sql")
        .stable()
        .strict()
        .parallel_safe()
        .body("SELECT sum(amount) FROM app.lines WHERE order_id = $1")
}

fn recent_orders() -> FunctionDef {
    FunctionDef::new("app.recent_orders")
        .param(FunctionArg::new("lim", Integer).default(Expr::val(10)))
        .returns_table([("id", BigInt), ("placed_at", Timestamptz)])
        .language("sql")
        .stable()
        .body("SELECT id, placed_at FROM app.orders ORDER BY placed_at DESC LIMIT lim")
}

fn min_max() -> FunctionDef {
    FunctionDef::new("app.min_max")
        .param(FunctionArg::new("xs", Integer.array()).variadic())
        .out_arg("lo", Integer)
        .out_arg("hi", Integer)
        .language("sql")
        .immutable()
        .body("SELECT min(x), max(x) FROM unnest(xs) AS x")
}

fn order_ids() -> FunctionDef {
    FunctionDef::new("app.order_ids")
        .param(FunctionArg::unnamed(ColumnType::named("app.status")))
        .returns_setof(BigInt)
        .language("sql")
        .body("SELECT id FROM app.orders WHERE status = $1")
}

fn bump_posts_count() -> FunctionDef {
    FunctionDef::new("app.bump_posts_count")
        .returns_trigger()
        .language("plpgsql")
        .body(
            "BEGIN\n  UPDATE app.users SET posts_count = posts_count + 1 WHERE id = NEW.user_id;\n  RETURN NEW;\nEND",
        )
}

fn purge() -> FunctionDef {
    FunctionDef::new("app.purge")
        .returns_void()
        .language("plpgsql")
        .security_definer()
        .search_path(["app", "pg_temp"])
        .set("lock_timeout", "2s")
        .volatile()
        .body("BEGIN DELETE FROM app.sessions WHERE expires_at < now(); END")
}

fn archive() -> ProcedureDef {
    ProcedureDef::new("app.archive")
        .arg("before", Date)
        .param(FunctionArg::new("moved", BigInt).inout())
        .language("plpgsql")
        .security_definer()
        .empty_search_path()
        .body("BEGIN moved := 0; COMMIT; END")
}

// ----- functions and procedures ---------------------------------------------------------

pub(crate) fn functions(m: &mut Migration) {
    m.create_function(order_total());
    m.create_function(recent_orders());
    m.create_function(min_max());
    m.create_function(order_ids());
    m.create_function(bump_posts_count());
    m.create_function(purge());
    m.create_procedure(archive());
}

#[test]
fn functions_and_procedures_are_created_and_dropped_by_signature() {
    let plan = migrate_core::plan::preview(functions).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE FUNCTION "app"."order_total"("order_id" bigint) RETURNS decimal(12, 2) LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $body$SELECT sum(amount) FROM app.lines WHERE order_id = $1$body$"#,
            r#"CREATE FUNCTION "app"."recent_orders"("lim" integer DEFAULT 10) RETURNS TABLE ("id" bigint, "placed_at" timestamp with time zone) LANGUAGE sql STABLE AS $body$SELECT id, placed_at FROM app.orders ORDER BY placed_at DESC LIMIT lim$body$"#,
            r#"CREATE FUNCTION "app"."min_max"(VARIADIC "xs" integer[], OUT "lo" integer, OUT "hi" integer) LANGUAGE sql IMMUTABLE AS $body$SELECT min(x), max(x) FROM unnest(xs) AS x$body$"#,
            r#"CREATE FUNCTION "app"."order_ids"("app"."status") RETURNS SETOF bigint LANGUAGE sql AS $body$SELECT id FROM app.orders WHERE status = $1$body$"#,
            "CREATE FUNCTION \"app\".\"bump_posts_count\"() RETURNS trigger LANGUAGE plpgsql AS $body$BEGIN\n  UPDATE app.users SET posts_count = posts_count + 1 WHERE id = NEW.user_id;\n  RETURN NEW;\nEND$body$",
            r#"CREATE FUNCTION "app"."purge"() RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = 'app', 'pg_temp' SET lock_timeout = '2s' AS $body$BEGIN DELETE FROM app.sessions WHERE expires_at < now(); END$body$"#,
            r#"CREATE PROCEDURE "app"."archive"("before" date, INOUT "moved" bigint) LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $body$BEGIN moved := 0; COMMIT; END$body$"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"DROP PROCEDURE "app"."archive"(date, bigint)"#,
            r#"DROP FUNCTION "app"."purge"()"#,
            r#"DROP FUNCTION "app"."bump_posts_count"()"#,
            r#"DROP FUNCTION "app"."order_ids"("app"."status")"#,
            r#"DROP FUNCTION "app"."min_max"(integer[])"#,
            r#"DROP FUNCTION "app"."recent_orders"(integer)"#,
            r#"DROP FUNCTION "app"."order_total"(bigint)"#,
        ]
    );
    let kinds: Vec<&str> = plan.up.units[0]
        .statements()
        .iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(kinds.last(), Some(&"create_procedure"));
}

/// A body holding `$body$` gets another tag; nothing in it is ever escaped.
pub(crate) fn awkward_body(m: &mut Migration) {
    m.create_function(
        FunctionDef::new("tag")
            .returns(Text)
            .language("sql")
            .body("SELECT '$body$ and $body1$' || E'\\n' || 'it''s'"),
    );
}

#[test]
fn a_body_is_dollar_quoted_with_a_tag_it_does_not_hold() {
    let plan = migrate_core::plan::preview(awkward_body).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE FUNCTION "tag"() RETURNS text LANGUAGE sql AS $body2$SELECT '$body$ and $body1$' || E'\n' || 'it''s'$body2$"#
        ]
    );
}

fn greet(greeting: &str) -> FunctionDef {
    FunctionDef::new("app.greet")
        .arg("name", Text)
        .returns(Text)
        .language("sql")
        .immutable()
        .body(format!("SELECT '{greeting}, ' || name"))
}

pub(crate) fn replaced_functions(m: &mut Migration) {
    // Same head: CREATE OR REPLACE both ways.
    m.replace_function(greet("Hello"), greet("Hi"));
    // Type modifiers are not kept in a function's head: the same return type.
    m.replace_function(
        order_total(),
        order_total().returns(Numeric(14, 4)).body("SELECT 0"),
    );
    // Another return type: CREATE OR REPLACE cannot, so DROP then CREATE both ways.
    m.replace_function(order_total(), order_total().returns(BigInt));
    // Another argument name, or an added input: the same.
    m.replace_function(
        greet("Hi"),
        greet("Hi").param(FunctionArg::new("title", Text)),
    );
    m.replace_procedure(archive(), archive().body("BEGIN moved := 1; END"));
}

#[test]
fn a_replace_puts_back_the_old_definition_and_drops_first_when_the_head_changes() {
    let plan = migrate_core::plan::preview(replaced_functions).unwrap();
    let hi = r#"CREATE OR REPLACE FUNCTION "app"."greet"("name" text) RETURNS text LANGUAGE sql IMMUTABLE AS $body$SELECT 'Hi, ' || name$body$"#;
    let hello = r#"CREATE OR REPLACE FUNCTION "app"."greet"("name" text) RETURNS text LANGUAGE sql IMMUTABLE AS $body$SELECT 'Hello, ' || name$body$"#;
    let total = |ty: &str, body: &str| {
        format!(
            r#"CREATE FUNCTION "app"."order_total"("order_id" bigint) RETURNS {ty} LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $body${body}$body$"#
        )
    };
    let sum = "SELECT sum(amount) FROM app.lines WHERE order_id = $1";
    let drop_total = r#"DROP FUNCTION "app"."order_total"(bigint)"#;
    let greet_title = r#"CREATE FUNCTION "app"."greet"("name" text, "title" text) RETURNS text LANGUAGE sql IMMUTABLE AS $body$SELECT 'Hi, ' || name$body$"#;
    let greet_hi = r#"CREATE FUNCTION "app"."greet"("name" text) RETURNS text LANGUAGE sql IMMUTABLE AS $body$SELECT 'Hi, ' || name$body$"#;
    let archive = |body: &str| {
        format!(
            r#"CREATE OR REPLACE PROCEDURE "app"."archive"("before" date, INOUT "moved" bigint) LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $body${body}$body$"#
        )
    };
    assert_eq!(
        plan.up_sql(),
        [
            hi.to_owned(),
            total("decimal(14, 4)", "SELECT 0").replace("CREATE", "CREATE OR REPLACE"),
            drop_total.to_owned(),
            total("bigint", sum),
            r#"DROP FUNCTION "app"."greet"(text)"#.to_owned(),
            greet_title.to_owned(),
            archive("BEGIN moved := 1; END"),
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            archive("BEGIN moved := 0; COMMIT; END"),
            r#"DROP FUNCTION "app"."greet"(text, text)"#.to_owned(),
            greet_hi.to_owned(),
            drop_total.to_owned(),
            total("decimal(12, 2)", sum),
            total("decimal(12, 2)", sum).replace("CREATE", "CREATE OR REPLACE"),
            hello.to_owned(),
        ]
    );
}

pub(crate) fn dropped_routines(m: &mut Migration) {
    m.drop_function_with(min_max());
    m.drop_procedure_with(archive());
}

#[test]
fn a_drop_with_the_definition_is_undone_by_creating_it() {
    let plan = migrate_core::plan::preview(dropped_routines).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"DROP FUNCTION "app"."min_max"(integer[])"#,
            r#"DROP PROCEDURE "app"."archive"(date, bigint)"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"CREATE PROCEDURE "app"."archive"("before" date, INOUT "moved" bigint) LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $body$BEGIN moved := 0; COMMIT; END$body$"#,
            r#"CREATE FUNCTION "app"."min_max"(VARIADIC "xs" integer[], OUT "lo" integer, OUT "hi" integer) LANGUAGE sql IMMUTABLE AS $body$SELECT min(x), max(x) FROM unnest(xs) AS x$body$"#,
        ]
    );
}

pub(crate) fn renamed_routines(m: &mut Migration) {
    m.rename_function("app.order_total", [BigInt], "order_sum");
    m.rename_procedure("app.archive", [Date, BigInt], "archive_old");
}

#[test]
fn a_rename_is_undone_by_renaming_back() {
    let plan = migrate_core::plan::preview(renamed_routines).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"ALTER FUNCTION "app"."order_total"(bigint) RENAME TO "order_sum""#,
            r#"ALTER PROCEDURE "app"."archive"(date, bigint) RENAME TO "archive_old""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER PROCEDURE "app"."archive_old"(date, bigint) RENAME TO "archive""#,
            r#"ALTER FUNCTION "app"."order_sum"(bigint) RENAME TO "order_total""#,
        ]
    );
}

// ----- triggers -------------------------------------------------------------------------

fn posts_count() -> TriggerDef {
    TriggerDef::new("posts_count", "app.posts")
        .after()
        .on_insert()
        .for_each_row()
        .execute("app.bump_posts_count")
}

fn audit() -> TriggerDef {
    TriggerDef::new("posts_audit", "app.posts")
        .after()
        .on_update_of(["title", "body"])
        .on_delete()
        .for_each_row()
        .when(Expr::cust("OLD.title IS DISTINCT FROM NEW.title"))
        .execute_with("app.audit", ["posts", "it's"])
}

fn changes() -> TriggerDef {
    TriggerDef::new("posts_changes", "app.posts")
        .after()
        .on_update()
        .referencing_old_table("old_rows")
        .referencing_new_table("new_rows")
        .execute("app.log_changes")
}

pub(crate) fn triggers(m: &mut Migration) {
    m.create_trigger(posts_count());
    m.create_trigger(audit());
    m.create_trigger(changes());
    m.create_trigger(
        TriggerDef::new("posts_no_truncate", "app.posts")
            .before()
            .on_truncate()
            .for_each_statement()
            .execute("app.refuse"),
    );
    m.create_trigger(
        TriggerDef::new("feed_insert", "app.feed")
            .instead_of()
            .on_insert()
            .for_each_row()
            .execute("app.feed_insert"),
    );
    m.rename_trigger("app.posts", "posts_audit", "posts_audit_v2");
    m.disable_trigger("app.posts", "posts_count");
    m.enable_trigger("app.posts", "posts_count");
    m.disable_user_triggers("app.posts");
    m.enable_user_triggers("app.posts");
}

#[test]
fn triggers_are_created_renamed_disabled_and_undone() {
    let plan = migrate_core::plan::preview(triggers).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE TRIGGER "posts_count" AFTER INSERT ON "app"."posts" FOR EACH ROW EXECUTE FUNCTION "app"."bump_posts_count"()"#,
            r#"CREATE TRIGGER "posts_audit" AFTER UPDATE OF "title", "body" OR DELETE ON "app"."posts" FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION "app"."audit"('posts', E'it\'s')"#,
            r#"CREATE TRIGGER "posts_changes" AFTER UPDATE ON "app"."posts" REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "app"."log_changes"()"#,
            r#"CREATE TRIGGER "posts_no_truncate" BEFORE TRUNCATE ON "app"."posts" FOR EACH STATEMENT EXECUTE FUNCTION "app"."refuse"()"#,
            r#"CREATE TRIGGER "feed_insert" INSTEAD OF INSERT ON "app"."feed" FOR EACH ROW EXECUTE FUNCTION "app"."feed_insert"()"#,
            r#"ALTER TRIGGER "posts_audit" ON "app"."posts" RENAME TO "posts_audit_v2""#,
            r#"ALTER TABLE "app"."posts" DISABLE TRIGGER "posts_count""#,
            r#"ALTER TABLE "app"."posts" ENABLE TRIGGER "posts_count""#,
            r#"ALTER TABLE "app"."posts" DISABLE TRIGGER USER"#,
            r#"ALTER TABLE "app"."posts" ENABLE TRIGGER USER"#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"ALTER TABLE "app"."posts" DISABLE TRIGGER USER"#,
            r#"ALTER TABLE "app"."posts" ENABLE TRIGGER USER"#,
            r#"ALTER TABLE "app"."posts" DISABLE TRIGGER "posts_count""#,
            r#"ALTER TABLE "app"."posts" ENABLE TRIGGER "posts_count""#,
            r#"ALTER TRIGGER "posts_audit_v2" ON "app"."posts" RENAME TO "posts_audit""#,
            r#"DROP TRIGGER "feed_insert" ON "app"."feed""#,
            r#"DROP TRIGGER "posts_no_truncate" ON "app"."posts""#,
            r#"DROP TRIGGER "posts_changes" ON "app"."posts""#,
            r#"DROP TRIGGER "posts_audit" ON "app"."posts""#,
            r#"DROP TRIGGER "posts_count" ON "app"."posts""#,
        ]
    );
    let kinds: Vec<&str> = plan.up.units[0]
        .statements()
        .iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(
        kinds[5..],
        [
            "rename_trigger",
            "disable_trigger",
            "enable_trigger",
            "disable_user_triggers",
            "enable_user_triggers"
        ]
    );
}

pub(crate) fn replaced_triggers(m: &mut Migration) {
    m.replace_trigger(
        posts_count(),
        posts_count().for_each_statement().on_delete(),
    );
    m.drop_trigger_with(audit());
}

#[test]
fn a_trigger_replace_puts_back_the_old_and_a_drop_with_its_definition_re_creates_it() {
    let plan = migrate_core::plan::preview(replaced_triggers).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE OR REPLACE TRIGGER "posts_count" AFTER INSERT OR DELETE ON "app"."posts" FOR EACH STATEMENT EXECUTE FUNCTION "app"."bump_posts_count"()"#,
            r#"DROP TRIGGER "posts_audit" ON "app"."posts""#,
        ]
    );
    assert_eq!(
        plan.down_sql(),
        [
            r#"CREATE TRIGGER "posts_audit" AFTER UPDATE OF "title", "body" OR DELETE ON "app"."posts" FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION "app"."audit"('posts', E'it\'s')"#,
            r#"CREATE OR REPLACE TRIGGER "posts_count" AFTER INSERT ON "app"."posts" FOR EACH ROW EXECUTE FUNCTION "app"."bump_posts_count"()"#,
        ]
    );
}

// ----- one-way drops (Manual mode) -------------------------------------------------------

pub(crate) fn manual_routine_drops(m: &mut Migration<Manual>) {
    m.drop_function("app.order_total", [BigInt]);
    m.drop_function("app.now_utc", []);
    m.drop_procedure("app.archive", [Date, BigInt]);
    m.drop_trigger("app.posts", "posts_count");
}

pub(crate) fn manual_if_exists_forms(m: &mut Migration<Manual>) {
    m.create_or_replace_function(greet("Hey"));
    m.drop_function_if_exists("app.greet", [Varchar(80)]);
    m.drop_trigger_if_exists("app.posts", "posts_audit");
}

#[test]
fn if_exists_and_or_replace_forms_are_one_way() {
    let plan = migrate_core::plan::preview(manual_if_exists_forms).unwrap();
    assert_eq!(
        plan.up_sql(),
        [
            r#"CREATE OR REPLACE FUNCTION "app"."greet"("name" text) RETURNS text LANGUAGE sql IMMUTABLE AS $body$SELECT 'Hey, ' || name$body$"#,
            r#"DROP FUNCTION IF EXISTS "app"."greet"(varchar(80))"#,
            r#"DROP TRIGGER IF EXISTS "posts_audit" ON "app"."posts""#,
        ]
    );
    let mut m = Migration::<Manual>::new();
    manual_if_exists_forms(&mut m);
    assert!(m.steps().iter().all(|s| s.inverse().is_none()));
    let kinds: Vec<&str> = m.steps().iter().map(Step::kind).collect();
    assert_eq!(
        kinds,
        [
            "create_or_replace_function",
            "drop_function_if_exists",
            "drop_trigger_if_exists"
        ]
    );
}

#[test]
fn bare_drops_are_one_way() {
    let plan = migrate_core::plan::preview(manual_routine_drops).unwrap();
    assert!(!plan.is_reversible());
    assert_eq!(
        plan.up_sql(),
        [
            r#"DROP FUNCTION "app"."order_total"(bigint)"#,
            r#"DROP FUNCTION "app"."now_utc"()"#,
            r#"DROP PROCEDURE "app"."archive"(date, bigint)"#,
            r#"DROP TRIGGER "posts_count" ON "app"."posts""#,
        ]
    );
    let mut m = Migration::<Manual>::new();
    manual_routine_drops(&mut m);
    assert!(m.steps().iter().all(|s| s.inverse().is_none()));
    let kinds: Vec<&str> = m.steps().iter().map(Step::kind).collect();
    assert_eq!(
        kinds,
        [
            "drop_function",
            "drop_function",
            "drop_procedure",
            "drop_trigger"
        ]
    );
}

pub(crate) fn manual_cascade_drop(m: &mut Migration<Manual>) {
    m.drop_function_cascade("app.bump_posts_count", []);
}

#[test]
fn a_cascade_drop_is_one_way() {
    let plan = migrate_core::plan::preview(manual_cascade_drop).unwrap();
    assert_eq!(
        plan.up_sql(),
        [r#"DROP FUNCTION "app"."bump_posts_count"() CASCADE"#]
    );
    assert_eq!(
        plan.up.units[0].statements()[0].kind,
        "drop_function_cascade"
    );
    let mut m = Migration::<Manual>::new();
    manual_cascade_drop(&mut m);
    assert_eq!(m.steps()[0].inverse(), None);
}

// ----- what the plan refuses -------------------------------------------------------------

fn problems<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> Vec<String> {
    match migrate_core::plan::preview(f) {
        Err(Error::InvalidMigration { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected an invalid migration, got {other:?}"),
    }
}

#[test]
fn security_definer_without_a_pinned_search_path_is_refused() {
    fn unpinned(m: &mut Migration) {
        m.create_function(
            FunctionDef::new("app.purge")
                .returns_void()
                .language("sql")
                .security_definer()
                .body("DELETE FROM sessions"),
        );
    }
    let found = problems(unpinned);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "step 0 (`create_function`): function `app.purge` is SECURITY DEFINER without a pinned search_path"
        ),
        "{found:?}"
    );
    assert!(
        found[0].contains(r#"add `.search_path(["app", "pg_temp"])`"#),
        "{found:?}"
    );
    fn unpinned_procedure(m: &mut Migration) {
        m.create_procedure(
            ProcedureDef::new("p")
                .language("sql")
                .security_definer()
                .body("SELECT 1"),
        );
    }
    assert!(problems(unpinned_procedure)[0].contains("procedure `p` is SECURITY DEFINER"));
}

#[test]
fn incomplete_definitions_are_refused() {
    fn incomplete(m: &mut Migration) {
        m.create_function(FunctionDef::new("f"));
        m.create_function(
            FunctionDef::new("tf")
                .arg("x", Integer)
                .returns_trigger()
                .language("plpgsql")
                .body("BEGIN RETURN NEW; END"),
        );
        m.create_trigger(TriggerDef::new("t", "posts"));
        m.create_trigger(
            TriggerDef::new("t2", "posts")
                .before()
                .on_truncate()
                .on_insert()
                .for_each_row()
                .referencing_new_table("n")
                .execute("tf"),
        );
        m.replace_trigger(posts_count(), audit());
        m.replace_function(greet("a"), order_total());
        m.create_function(
            FunctionDef::new("both")
                .out_arg("n", Integer)
                .returns_table([("n", Integer)])
                .language("sql")
                .body("SELECT 1"),
        );
        m.create_trigger(
            TriggerDef::new("twice", "posts")
                .after()
                .on_update_of(["a"])
                .on_update()
                .execute("f"),
        );
    }
    let found = problems(incomplete);
    let expected = [
        "step 0 (`create_function`): function `f` has no language",
        "step 0 (`create_function`): function `f` has an empty body",
        "step 0 (`create_function`): function `f` has no return type",
        "step 1 (`create_function`): trigger function `tf` declares arguments",
        "step 2 (`create_trigger`): trigger `t` has no function",
        "step 2 (`create_trigger`): trigger `t` has no timing",
        "step 2 (`create_trigger`): trigger `t` has no event",
        "step 3 (`create_trigger`): trigger `t2` fires on TRUNCATE for each row",
        "step 3 (`create_trigger`): trigger `t2` has transition tables (REFERENCING): only AFTER",
        "step 3 (`create_trigger`): trigger `t2` has transition tables (REFERENCING): such a trigger fires on exactly one event",
        "step 4 (`replace_trigger`): `replace_trigger` changes the trigger's name or table",
        "step 5 (`replace_function`): `replace_function` changes the name (`app.greet` to `app.order_total`)",
        "step 6 (`create_function`): function `both` has both `OUT` arguments and `RETURNS TABLE`",
        "step 7 (`create_trigger`): trigger `twice` lists an event twice",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(
            found.starts_with(expected),
            "{found}\n  expected: {expected}"
        );
    }
}

// ----- pinned checksums -------------------------------------------------------------------

fn checksum_of<M: migrate_core::Mode>(f: fn(&mut Migration<M>)) -> String {
    migrate_core::plan::preview(f).unwrap().checksum.to_hex()
}

/// Every golden migration of this family hashes to a fixed digest (see
/// `checksums.rs`): a change to one is a break.
#[test]
fn every_routine_golden_migration_has_a_pinned_checksum() {
    let actual = [
        ("functions", checksum_of(functions)),
        ("awkward_body", checksum_of(awkward_body)),
        ("replaced_functions", checksum_of(replaced_functions)),
        ("dropped_routines", checksum_of(dropped_routines)),
        ("renamed_routines", checksum_of(renamed_routines)),
        ("triggers", checksum_of(triggers)),
        ("replaced_triggers", checksum_of(replaced_triggers)),
        ("manual_routine_drops", checksum_of(manual_routine_drops)),
        (
            "manual_if_exists_forms",
            checksum_of(manual_if_exists_forms),
        ),
        ("manual_cascade_drop", checksum_of(manual_cascade_drop)),
    ];
    let actual: Vec<(&str, &str)> = actual.iter().map(|(n, h)| (*n, h.as_str())).collect();
    let pinned: &[(&str, &str)] = &[
        (
            "functions",
            "b82b29dfcd7cac79ff80d1bf73c9ab2f55005f478fc8045f960a00212329220b",
        ),
        (
            "awkward_body",
            "b90c805da2e58278305a0f14acadc3e3c399723543d5e55eb5ebc3731f444191",
        ),
        (
            "replaced_functions",
            "4dc6755adcf4c122d3f50c65e17656e85ce12df34b4032e2117e61243763634c",
        ),
        (
            "dropped_routines",
            "039150fa55afad10506e5f32fa0392045175c87100ba11333e5d9894d3dc1c22",
        ),
        (
            "renamed_routines",
            "ed545f354b7c7f3024f65c7abfa161a3768a1e5d3d76b0a3748cc65c5d611a4f",
        ),
        (
            "triggers",
            "a274b28215c7f4313a5ee9d0f6505a0d4424dead12d91b183c6009b552128138",
        ),
        (
            "replaced_triggers",
            "5a27fce7baee83ca6f2da5bf30f8081872b1e4249506b5f2024e7e8cd8e2c50b",
        ),
        (
            "manual_routine_drops",
            "fae1ff17602022113a4cf1c25333bec26811f734dbab31555a189b0ed7878136",
        ),
        (
            "manual_if_exists_forms",
            "8296dc96ce0def2acf61e9a1c6654d37dd59e220df4af47b59e05f233660efa2",
        ),
        (
            "manual_cascade_drop",
            "9df13b1aede405c3953d2afd71157221702451d6c7823fe529e236bbffefdd52",
        ),
    ];
    assert_eq!(actual, pinned);
}
