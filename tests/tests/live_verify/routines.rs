//! Functions, procedures and triggers: `verify` catches a wrong down of each kind of object.
//!
//! Each set is a base migration (1), the migration with a wrong hand-written down (2)
//! and one more (3), left unchecked once 2 fails.

#[allow(unused_imports)]
use super::*;

use super::reversibility::failed_down;

fn total(body: &str) -> FunctionDef {
    FunctionDef::new("public.order_total")
        .arg("order_id", BigInt)
        .returns(Numeric(12, 2))
        .language("sql")
        .stable()
        .body(body)
}

const TOTAL_V0: &str = "SELECT sum(amount) FROM lines WHERE order_id = $1";
const TOTAL_V1: &str = "SELECT coalesce(sum(amount), 0) FROM lines WHERE order_id = $1";
const TOTAL_V2: &str =
    "SELECT coalesce(sum(amount), 0) FROM lines WHERE order_id = $1 AND amount > 0";

pub(crate) fn lines(m: &mut Migration) {
    m.create_table("lines", |t| {
        t.column("order_id", BigInt).not_null();
        t.column("amount", Numeric(12, 2)).not_null();
    });
    m.create_function(total(TOTAL_V1));
}
reg!(LINES, 1, lines);

pub(crate) fn later(m: &mut Migration) {
    m.add_column("lines", "note", Text);
}
reg!(LATER, 3, later);

// ----- a down restoring an older function body ------------------------------------------

pub(crate) fn total_v2(m: &mut Migration<Manual>) {
    m.replace_function(total(TOTAL_V1), total(TOTAL_V2));
}
/// The history's classic: the down copies the body from the migration before last.
pub(crate) fn back_to_v0(m: &mut Migration<Manual>) {
    m.replace_function(total(TOTAL_V2), total(TOTAL_V0));
}
manual!(OLDER_BODY, 2, total_v2, back_to_v0);

#[tokio::test]
async fn a_down_restoring_an_older_function_body_is_caught_and_named() {
    let report = run([&LINES, &OLDER_BODY, &LATER]).await;
    let diff = failed_down(&report).await;
    assert_eq!(diff.changes.len(), 1, "{report}");
    let Change::Changed { key, before, after } = &diff.changes[0] else {
        panic!("{report}");
    };
    assert_eq!(key, "function public.order_total(order_id bigint)");
    assert!(
        before.contains(&format!("AS $function${TOTAL_V1}$function$")),
        "{before}"
    );
    assert!(
        after.contains(&format!("AS $function${TOTAL_V0}$function$")),
        "{after}"
    );
    let text = report.to_string();
    assert!(
        text.contains("~ function public.order_total(order_id bigint)"),
        "{text}"
    );
}

/// The same migration with its derived down passes.
pub(crate) fn total_v2_derived(m: &mut Migration) {
    m.replace_function(total(TOTAL_V1), total(TOTAL_V2));
    m.replace_function(total(TOTAL_V2), total(TOTAL_V2).returns(BigInt).volatile());
}
reg!(TOTAL_V2_DERIVED, 2, total_v2_derived);

#[tokio::test]
async fn derived_downs_of_replaced_functions_pass() {
    let report = run([&LINES, &TOTAL_V2_DERIVED, &LATER]).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), [1, 2, 3]);
}

// ----- a trigger re-created FOR EACH ROW instead of FOR EACH STATEMENT ---------------------

fn touch() -> FunctionDef {
    FunctionDef::new("touch")
        .returns_trigger()
        .language("plpgsql")
        .body("BEGIN RETURN NULL; END")
}

fn lines_touched() -> TriggerDef {
    TriggerDef::new("lines_touched", "lines")
        .after()
        .on_insert()
        .on_update()
        .execute("touch")
}

pub(crate) fn touched(m: &mut Migration) {
    m.create_table("lines", |t| {
        t.column("order_id", BigInt).not_null();
    });
    m.create_function(touch());
    m.create_trigger(lines_touched());
}
reg!(TOUCHED, 1, touched);

pub(crate) fn untouched(m: &mut Migration<Manual>) {
    m.drop_trigger("lines", "lines_touched");
}
pub(crate) fn touched_per_row(m: &mut Migration<Manual>) {
    m.create_trigger(lines_touched().for_each_row());
}
manual!(PER_ROW, 2, untouched, touched_per_row);

#[tokio::test]
async fn a_down_re_creating_a_trigger_for_each_row_instead_of_statement_is_caught() {
    let report = run([&TOUCHED, &PER_ROW, &LATER]).await;
    let diff = failed_down(&report).await;
    assert_eq!(
        diff.changes,
        [Change::Changed {
            key: "trigger public.lines.lines_touched".into(),
            before: "CREATE TRIGGER lines_touched AFTER INSERT OR UPDATE ON public.lines \
                     FOR EACH STATEMENT EXECUTE FUNCTION public.touch()"
                .into(),
            after: "CREATE TRIGGER lines_touched AFTER INSERT OR UPDATE ON public.lines \
                    FOR EACH ROW EXECUTE FUNCTION public.touch()"
                .into(),
        }]
    );
}

// ----- a disabled trigger left disabled ------------------------------------------------

pub(crate) fn paused(m: &mut Migration<Manual>) {
    m.disable_trigger("lines", "lines_touched");
    m.add_column("lines", "paused_at", Timestamptz);
}
pub(crate) fn forgets_to_enable(m: &mut Migration<Manual>) {
    m.drop_column("lines", "paused_at");
}
manual!(LEFT_DISABLED, 2, paused, forgets_to_enable);

#[tokio::test]
async fn a_down_that_leaves_a_trigger_disabled_is_caught() {
    let report = run([&TOUCHED, &LEFT_DISABLED, &LATER]).await;
    let diff = failed_down(&report).await;
    assert_eq!(
        diff.changes,
        [Change::Changed {
            key: "trigger public.lines.lines_touched".into(),
            before: "CREATE TRIGGER lines_touched AFTER INSERT OR UPDATE ON public.lines \
                     FOR EACH STATEMENT EXECUTE FUNCTION public.touch()"
                .into(),
            after: "CREATE TRIGGER lines_touched AFTER INSERT OR UPDATE ON public.lines \
                    FOR EACH STATEMENT EXECUTE FUNCTION public.touch(), disabled"
                .into(),
        }]
    );
}

// ----- a procedure -------------------------------------------------------------------

fn archive(body: &str) -> ProcedureDef {
    ProcedureDef::new("archive")
        .arg("below", Numeric(12, 2))
        .language("sql")
        .body(body)
}

const ARCHIVE: &str = "DELETE FROM lines WHERE amount < below";

pub(crate) fn archived(m: &mut Migration) {
    m.create_procedure(archive(ARCHIVE));
}

pub(crate) fn archive_dropped(m: &mut Migration<Manual>) {
    m.drop_procedure("archive", [Numeric(12, 2)]);
}
/// Re-creates it with the argument `INOUT`: another procedure to every `CALL`.
pub(crate) fn archive_inout(m: &mut Migration<Manual>) {
    m.create_procedure(
        ProcedureDef::new("archive")
            .param(FunctionArg::new("below", Numeric(12, 2)).inout())
            .language("sql")
            .body("DELETE FROM lines WHERE amount < below RETURNING 0"),
    );
}
manual!(ARCHIVE_WRONG, 2, archive_dropped, archive_inout);

#[tokio::test]
async fn a_down_re_creating_a_procedure_differently_is_caught() {
    // Its base: the procedure, created with the derived down (which passes).
    fn base(m: &mut Migration) {
        lines(m);
        archived(m);
    }
    reg!(BASE, 1, base);
    let ok = run([&BASE, &LATER]).await;
    assert!(ok.is_success(), "{ok}");

    let report = run([&BASE, &ARCHIVE_WRONG, &LATER]).await;
    let diff = failed_down(&report).await;
    // Another argument mode is another procedure: one gone, one left (PostgreSQL 14+
    // writes procedure arguments with their mode: `IN below numeric`).
    let keys: Vec<_> = diff.changes.iter().map(|c| (c.sign(), c.key())).collect();
    assert_eq!(keys.len(), 2, "{report}");
    assert_eq!(keys[0].0, '-', "{report}");
    assert!(
        keys[0].1.starts_with("procedure public.archive("),
        "{report}"
    );
    assert!(!keys[0].1.contains("INOUT"), "{report}");
    assert_eq!(keys[1].0, '+', "{report}");
    assert!(
        keys[1]
            .1
            .starts_with("procedure public.archive(INOUT below numeric"),
        "{report}"
    );
    assert!(
        diff.changes[0].before().unwrap().contains(ARCHIVE),
        "{report}"
    );
}
