//! Row-level security, policies and privileges: golden SQL both ways, and pinned checksums.

use migrate_core::prelude::*;
use migrate_core::{Error, Mode};

fn sql<M: Mode>(f: fn(&mut Migration<M>)) -> (Vec<String>, Vec<String>) {
    let plan = migrate_core::plan::preview(f).unwrap();
    let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
    (owned(plan.up_sql()), owned(plan.down_sql()))
}

fn problems<M: Mode>(f: fn(&mut Migration<M>)) -> Vec<String> {
    match migrate_core::plan::preview(f) {
        Err(Error::InvalidMigration { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected an invalid migration, got {other:?}"),
    }
}

// ----- row-level security ---------------------------------------------------------------

pub(crate) fn row_level_security(m: &mut Migration) {
    m.enable_row_level_security("docs");
    m.force_row_level_security("app.notes");
    m.no_force_row_level_security("docs");
    m.disable_row_level_security(r#"we"ird"#);
}

#[test]
fn row_level_security_steps_are_each_others_inverse() {
    let (up, down) = sql(row_level_security);
    assert_eq!(
        up,
        [
            r#"ALTER TABLE "docs" ENABLE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "app"."notes" FORCE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "docs" NO FORCE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "we""ird" DISABLE ROW LEVEL SECURITY"#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"ALTER TABLE "we""ird" ENABLE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "docs" FORCE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "app"."notes" NO FORCE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "docs" DISABLE ROW LEVEL SECURITY"#,
        ]
    );
}

// ----- policies -------------------------------------------------------------------------

pub(crate) fn policies(m: &mut Migration) {
    m.create_policy("docs", "everyone_reads");
    m.create_policy("app.docs", "owner_writes")
        .restrictive()
        .for_update()
        .to([
            RoleSpec::named("app_user"),
            RoleSpec::named("public"),
            RoleSpec::Public,
            RoleSpec::CurrentUser,
            RoleSpec::SessionUser,
            RoleSpec::CurrentRole,
        ])
        .using(Expr::col("owner").eq(Expr::cust("current_user")))
        .with_check(Expr::col("owner").eq(Expr::cust("current_user")));
    m.create_policy("docs", "insert_own")
        .command(PolicyCommand::Insert)
        .to([r#"We"ird"#])
        .with_check(Expr::col("title").ne("O'Reilly"));
    m.create_policy("docs", "delete_drafts")
        .for_delete()
        .permissive()
        .using(Expr::col("draft").eq(true));
    m.rename_policy("docs", "everyone_reads", "all_read");
}

#[test]
fn create_and_rename_policy() {
    let (up, down) = sql(policies);
    assert_eq!(
        up,
        [
            r#"CREATE POLICY "everyone_reads" ON "docs""#,
            concat!(
                r#"CREATE POLICY "owner_writes" ON "app"."docs" AS RESTRICTIVE FOR UPDATE "#,
                r#"TO "app_user", "public", PUBLIC, CURRENT_USER, SESSION_USER, CURRENT_ROLE "#,
                r#"USING ("owner" = (current_user)) WITH CHECK ("owner" = (current_user))"#
            ),
            r#"CREATE POLICY "insert_own" ON "docs" FOR INSERT TO "We""ird" WITH CHECK ("title" <> E'O\'Reilly')"#,
            r#"CREATE POLICY "delete_drafts" ON "docs" FOR DELETE USING ("draft" = TRUE)"#,
            r#"ALTER POLICY "everyone_reads" ON "docs" RENAME TO "all_read""#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"ALTER POLICY "all_read" ON "docs" RENAME TO "everyone_reads""#,
            r#"DROP POLICY "delete_drafts" ON "docs""#,
            r#"DROP POLICY "insert_own" ON "docs""#,
            r#"DROP POLICY "owner_writes" ON "app"."docs""#,
            r#"DROP POLICY "everyone_reads" ON "docs""#,
        ]
    );
}

pub(crate) fn drop_policy_with_definition(m: &mut Migration) {
    m.drop_policy_with("app.docs", "owner_reads", |p| {
        p.for_select()
            .to(["app_user"])
            .using(Expr::col("owner").eq(Expr::cust("current_user")));
    });
}

#[test]
fn drop_policy_with_its_definition_is_recreated_on_the_way_down() {
    let (up, down) = sql(drop_policy_with_definition);
    assert_eq!(up, [r#"DROP POLICY "owner_reads" ON "app"."docs""#]);
    assert_eq!(
        down,
        [
            r#"CREATE POLICY "owner_reads" ON "app"."docs" FOR SELECT TO "app_user" USING ("owner" = (current_user))"#
        ]
    );
}

pub(crate) fn alter_policies(m: &mut Migration) {
    // In place: same command and kind, clauses replaced.
    m.alter_policy(
        "docs",
        "owner_reads",
        |old| {
            old.for_select()
                .to(["app_user"])
                .using(Expr::col("owner").eq(Expr::cust("current_user")));
        },
        |new| {
            new.for_select().using(Expr::cust("true"));
        },
    );
    // Another command: dropped and re-created, both ways.
    m.alter_policy(
        "docs",
        "writers",
        |old| {
            old.for_insert().with_check(Expr::cust("true"));
        },
        |new| {
            new.for_update()
                .restrictive()
                .using(Expr::col("locked").eq(false))
                .with_check(Expr::col("locked").eq(false));
        },
    );
    // A clause added in place; removing it on the way down needs a re-creation.
    m.alter_policy(
        "docs",
        "checked",
        |old| {
            old.using(Expr::cust("true"));
        },
        |new| {
            new.using(Expr::cust("true"))
                .with_check(Expr::col("title").ne(""));
        },
    );
}

#[test]
fn alter_policy_in_place_or_by_re_creation() {
    let (up, down) = sql(alter_policies);
    assert_eq!(
        up,
        [
            r#"ALTER POLICY "owner_reads" ON "docs" TO PUBLIC USING (true)"#,
            r#"DROP POLICY "writers" ON "docs""#,
            r#"CREATE POLICY "writers" ON "docs" AS RESTRICTIVE FOR UPDATE USING ("locked" = FALSE) WITH CHECK ("locked" = FALSE)"#,
            r#"ALTER POLICY "checked" ON "docs" TO PUBLIC USING (true) WITH CHECK ("title" <> '')"#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"DROP POLICY "checked" ON "docs""#,
            r#"CREATE POLICY "checked" ON "docs" USING (true)"#,
            r#"DROP POLICY "writers" ON "docs""#,
            r#"CREATE POLICY "writers" ON "docs" FOR INSERT WITH CHECK (true)"#,
            r#"ALTER POLICY "owner_reads" ON "docs" TO "app_user" USING ("owner" = (current_user))"#,
        ]
    );
}

pub(crate) fn manual_drop_policy(m: &mut Migration<Manual>) {
    m.drop_policy("docs", "owner_reads");
}

#[test]
fn bare_drop_policy_is_one_way() {
    let plan = migrate_core::plan::preview(manual_drop_policy).unwrap();
    assert_eq!(plan.up_sql(), [r#"DROP POLICY "owner_reads" ON "docs""#]);
    assert!(plan.down.is_none());
}

#[test]
fn clauses_postgres_refuses_on_a_policys_command_are_problems() {
    fn check_on_select(m: &mut Migration) {
        m.create_policy("docs", "p")
            .for_select()
            .with_check(Expr::cust("true"));
    }
    let found = problems(check_on_select);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("policy `p` is FOR SELECT and has a WITH CHECK expression"),
        "{found:?}"
    );
    fn using_on_insert(m: &mut Migration) {
        m.create_policy("docs", "p")
            .for_insert()
            .using(Expr::cust("true"));
    }
    let found = problems(using_on_insert);
    assert!(
        found[0].contains("policy `p` is FOR INSERT and has a USING expression"),
        "{found:?}"
    );
    fn check_on_delete_in_an_alter(m: &mut Migration) {
        m.alter_policy(
            "docs",
            "p",
            |old| {
                old.for_delete();
            },
            |new| {
                new.for_delete().with_check(Expr::cust("true"));
            },
        );
    }
    let found = problems(check_on_delete_in_an_alter);
    assert!(found[0].contains("FOR DELETE"), "{found:?}");
    fn bad_names(m: &mut Migration) {
        m.create_policy("docs", "p".repeat(64).as_str()).to([""]);
    }
    let found = problems(bad_names);
    assert_eq!(found.len(), 2, "{found:?}");
}

// ----- privileges -----------------------------------------------------------------------

pub(crate) fn grants(m: &mut Migration) {
    m.grant([Privilege::Select], GrantOn::table("docs"), ["app_reader"]);
    m.grant(
        [
            Privilege::Select.into(),
            Privilege::Insert.on_columns(["title", "body"]),
            Privilege::Update.on_columns(["title"]),
            Privilege::Delete.into(),
            Privilege::Truncate.into(),
            Privilege::References.into(),
            Privilege::Trigger.into(),
        ],
        GrantOn::tables(["docs", "app.notes"]),
        [RoleSpec::named("app_editor"), RoleSpec::CurrentUser],
    )
    .with_grant_option();
    m.grant(
        [Privilege::Usage, Privilege::Select, Privilege::Update],
        GrantOn::sequence("docs_id_seq"),
        ["app_editor"],
    );
    m.grant(
        [Privilege::All],
        GrantOn::sequences(["a_seq", "app.b_seq"]),
        ["app_admin"],
    );
    m.grant(
        [Privilege::Usage, Privilege::Create],
        GrantOn::schema("app"),
        [RoleSpec::Public],
    );
    m.grant(
        [Privilege::Execute],
        GrantOn::function("app.touch", [Integer, Text.array()]),
        ["app_user"],
    );
    m.grant(
        [Privilege::Execute],
        GrantOn::function("now_utc", []),
        ["app_user"],
    );
    m.grant(
        [Privilege::Execute],
        GrantOn::procedure("app.archive", [BigInt]),
        ["app_user"],
    );
    m.grant(
        [Privilege::Select],
        GrantOn::all_tables_in_schema("app"),
        ["app_reader"],
    );
    m.grant(
        [Privilege::Usage],
        GrantOn::all_sequences_in_schema("app"),
        ["app_reader"],
    );
    m.grant(
        [Privilege::Execute],
        GrantOn::all_functions_in_schema("app"),
        [RoleSpec::SessionUser],
    );
    m.grant(
        [Privilege::Connect, Privilege::Temporary],
        GrantOn::database("appdb"),
        ["app_user"],
    );
}

#[test]
fn grant_is_undone_by_revoke() {
    let (up, down) = sql(grants);
    assert_eq!(
        up,
        [
            r#"GRANT SELECT ON TABLE "docs" TO "app_reader""#,
            concat!(
                r#"GRANT SELECT, INSERT ("title", "body"), UPDATE ("title"), DELETE, TRUNCATE, REFERENCES, TRIGGER "#,
                r#"ON TABLE "docs", "app"."notes" TO "app_editor", CURRENT_USER WITH GRANT OPTION"#
            ),
            r#"GRANT USAGE, SELECT, UPDATE ON SEQUENCE "docs_id_seq" TO "app_editor""#,
            r#"GRANT ALL PRIVILEGES ON SEQUENCE "a_seq", "app"."b_seq" TO "app_admin""#,
            r#"GRANT USAGE, CREATE ON SCHEMA "app" TO PUBLIC"#,
            r#"GRANT EXECUTE ON FUNCTION "app"."touch"(integer, text[]) TO "app_user""#,
            r#"GRANT EXECUTE ON FUNCTION "now_utc"() TO "app_user""#,
            r#"GRANT EXECUTE ON PROCEDURE "app"."archive"(bigint) TO "app_user""#,
            r#"GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "app_reader""#,
            r#"GRANT USAGE ON ALL SEQUENCES IN SCHEMA "app" TO "app_reader""#,
            r#"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA "app" TO SESSION_USER"#,
            r#"GRANT CONNECT, TEMPORARY ON DATABASE "appdb" TO "app_user""#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"REVOKE CONNECT, TEMPORARY ON DATABASE "appdb" FROM "app_user""#,
            r#"REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA "app" FROM SESSION_USER"#,
            r#"REVOKE USAGE ON ALL SEQUENCES IN SCHEMA "app" FROM "app_reader""#,
            r#"REVOKE SELECT ON ALL TABLES IN SCHEMA "app" FROM "app_reader""#,
            r#"REVOKE EXECUTE ON PROCEDURE "app"."archive"(bigint) FROM "app_user""#,
            r#"REVOKE EXECUTE ON FUNCTION "now_utc"() FROM "app_user""#,
            r#"REVOKE EXECUTE ON FUNCTION "app"."touch"(integer, text[]) FROM "app_user""#,
            r#"REVOKE USAGE, CREATE ON SCHEMA "app" FROM PUBLIC"#,
            r#"REVOKE ALL PRIVILEGES ON SEQUENCE "a_seq", "app"."b_seq" FROM "app_admin""#,
            r#"REVOKE USAGE, SELECT, UPDATE ON SEQUENCE "docs_id_seq" FROM "app_editor""#,
            concat!(
                r#"REVOKE SELECT, INSERT ("title", "body"), UPDATE ("title"), DELETE, TRUNCATE, REFERENCES, TRIGGER "#,
                r#"ON TABLE "docs", "app"."notes" FROM "app_editor", CURRENT_USER"#
            ),
            r#"REVOKE SELECT ON TABLE "docs" FROM "app_reader""#,
        ]
    );
}

pub(crate) fn revokes(m: &mut Migration) {
    m.revoke(
        [Privilege::Create],
        GrantOn::schema("public"),
        [RoleSpec::Public],
    );
    m.revoke([Privilege::Update], GrantOn::table("docs"), ["app_editor"])
        .with_grant_option();
}

#[test]
fn revoke_is_undone_by_grant_with_the_grant_option_it_names() {
    let (up, down) = sql(revokes);
    assert_eq!(
        up,
        [
            r#"REVOKE CREATE ON SCHEMA "public" FROM PUBLIC"#,
            r#"REVOKE UPDATE ON TABLE "docs" FROM "app_editor""#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"GRANT UPDATE ON TABLE "docs" TO "app_editor" WITH GRANT OPTION"#,
            r#"GRANT CREATE ON SCHEMA "public" TO PUBLIC"#,
        ]
    );
}

pub(crate) fn default_privileges(m: &mut Migration) {
    m.grant_default_privileges([Privilege::Select], DefaultObjects::Tables, ["app_reader"])
        .in_schema("app");
    m.grant_default_privileges(
        [Privilege::Usage, Privilege::Select],
        DefaultObjects::Sequences,
        ["app_reader", "app_editor"],
    )
    .for_role("app_owner")
    .in_schema("app")
    .in_schema("billing")
    .with_grant_option();
    m.revoke_default_privileges(
        [Privilege::Execute],
        DefaultObjects::Functions,
        [RoleSpec::Public],
    );
    m.grant_default_privileges([Privilege::Usage], DefaultObjects::Types, ["app_user"]);
    m.grant_default_privileges(
        [Privilege::Usage, Privilege::Create],
        DefaultObjects::Schemas,
        ["app_admin"],
    );
}

#[test]
fn default_privileges_are_a_pair() {
    let (up, down) = sql(default_privileges);
    assert_eq!(
        up,
        [
            r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "app" GRANT SELECT ON TABLES TO "app_reader""#,
            concat!(
                r#"ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "app", "billing" "#,
                r#"GRANT USAGE, SELECT ON SEQUENCES TO "app_reader", "app_editor" WITH GRANT OPTION"#
            ),
            r#"ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"#,
            r#"ALTER DEFAULT PRIVILEGES GRANT USAGE ON TYPES TO "app_user""#,
            r#"ALTER DEFAULT PRIVILEGES GRANT USAGE, CREATE ON SCHEMAS TO "app_admin""#,
        ]
    );
    assert_eq!(
        down,
        [
            r#"ALTER DEFAULT PRIVILEGES REVOKE USAGE, CREATE ON SCHEMAS FROM "app_admin""#,
            r#"ALTER DEFAULT PRIVILEGES REVOKE USAGE ON TYPES FROM "app_user""#,
            r#"ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC"#,
            concat!(
                r#"ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "app", "billing" "#,
                r#"REVOKE USAGE, SELECT ON SEQUENCES FROM "app_reader", "app_editor""#
            ),
            r#"ALTER DEFAULT PRIVILEGES IN SCHEMA "app" REVOKE SELECT ON TABLES FROM "app_reader""#,
        ]
    );
}

#[test]
fn privileges_that_do_not_apply_are_problems() {
    fn execute_on_a_table(m: &mut Migration) {
        m.grant([Privilege::Execute], GrantOn::table("docs"), ["r"]);
    }
    let found = problems(execute_on_a_table);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("privilege EXECUTE does not apply to tables"),
        "{found:?}"
    );
    fn empty_lists(m: &mut Migration) {
        m.grant(
            Vec::<Privilege>::new(),
            GrantOn::tables(Vec::<&str>::new()),
            Vec::<RoleSpec>::new(),
        );
    }
    let found = problems(empty_lists);
    assert_eq!(found.len(), 3, "{found:?}");
    fn columns_on_a_schema(m: &mut Migration) {
        m.revoke(
            [Privilege::Usage.on_columns(["a"])],
            GrantOn::schema("app"),
            ["r"],
        );
    }
    assert!(problems(columns_on_a_schema)[0].contains("apply to tables only"));
    fn delete_on_columns(m: &mut Migration) {
        m.grant(
            [Privilege::Delete.on_columns(["a"])],
            GrantOn::table("docs"),
            ["r"],
        );
    }
    assert!(problems(delete_on_columns)[0].contains("cannot be limited to columns"));
    fn all_with_others(m: &mut Migration) {
        m.grant(
            [Privilege::All, Privilege::Select],
            GrantOn::table("docs"),
            ["r"],
        );
    }
    assert!(problems(all_with_others)[0].contains("ALL PRIVILEGES cannot be listed"));
    fn schemas_in_schema(m: &mut Migration) {
        m.grant_default_privileges([Privilege::Usage], DefaultObjects::Schemas, ["r"])
            .in_schema("app");
    }
    assert!(problems(schemas_in_schema)[0].contains("ON SCHEMAS"));
}

// ----- checksums ------------------------------------------------------------------------

fn checksum_of<M: Mode>(f: fn(&mut Migration<M>)) -> String {
    migrate_core::plan::preview(f).unwrap().checksum.to_hex()
}

/// Every golden migration of this family hashes to a fixed digest (see `checksums.rs`).
#[test]
fn every_security_migration_has_a_pinned_checksum() {
    let actual = [
        ("row_level_security", checksum_of(row_level_security)),
        ("policies", checksum_of(policies)),
        (
            "drop_policy_with_definition",
            checksum_of(drop_policy_with_definition),
        ),
        ("alter_policies", checksum_of(alter_policies)),
        ("manual_drop_policy", checksum_of(manual_drop_policy)),
        ("grants", checksum_of(grants)),
        ("revokes", checksum_of(revokes)),
        ("default_privileges", checksum_of(default_privileges)),
    ];
    let actual: Vec<(&str, &str)> = actual.iter().map(|(n, h)| (*n, h.as_str())).collect();
    let pinned: &[(&str, &str)] = &[
        (
            "row_level_security",
            "c20464fc0012fc66ee9457362be9f5e691cb745a7b366e55fb80fdc3616fd59b",
        ),
        (
            "policies",
            "63cdba6557306e580e614cb5a05818ff4c1e44a28d789f370969a623f5dee843",
        ),
        (
            "drop_policy_with_definition",
            "8a45f9241ff29e744ab31d7f38288da6ca6ae466773fcb2879cfd02375f05939",
        ),
        (
            "alter_policies",
            "fbc4712a491204d140e111fb66897aa095846fc823f2d594f6ee12a1249c3dee",
        ),
        (
            "manual_drop_policy",
            "cd288f5a5ae4c32e8ab8ba8ea9a9d8969c5b14875026041a74605e4965a0eac0",
        ),
        (
            "grants",
            "fcc021ac95dbd0a230ed0b2a94b36b58a5094cb03b0b1cbbe9e43f46d7c4cead",
        ),
        (
            "revokes",
            "02a749736567e295729dd37ad8a3fa6aab37b0ae6abd9fd4be8bed6e4a685519",
        ),
        (
            "default_privileges",
            "1bed1726934ed6caf2fc1457e3500b62a1a8d968a55f4afc050e9441465c77b6",
        ),
    ];
    assert_eq!(actual, pinned);
}
