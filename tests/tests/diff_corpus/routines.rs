//! Functions, procedures and triggers.

use super::{Pair, run};

const ORDERS: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, \
                      total numeric(12, 2), updated_at timestamptz);";

fn with_orders(sql: &str) -> String {
    format!("{ORDERS}\n{sql}")
}

#[tokio::test]
async fn p050_trigger_function_and_trigger() {
    let a = with_orders("");
    let b = with_orders(
        r#"
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
"#,
    );
    let out = run(Pair::new("p050_trigger_function_and_trigger", &a, &b)).await;
    assert!(out.code.contains("m.create_function("), "{}", out.code);
    assert!(out.code.contains(".returns_trigger()"), "{}", out.code);
    assert!(
        out.code
            .contains(r#"TriggerDef::new("orders_touch", "orders")"#),
        "{}",
        out.code
    );
    assert!(
        out.code.contains(r#".execute("touch_updated_at")"#),
        "{}",
        out.code
    );
}

#[tokio::test]
async fn p051_sql_function_created_and_dropped() {
    let a = with_orders(
        "CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql STABLE \
         AS 'SELECT count(*) FROM orders';",
    );
    let b = with_orders(
        "CREATE FUNCTION add_tax(amount numeric, rate numeric) RETURNS numeric \
         LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$SELECT amount * (1 + rate)$$;",
    );
    let out = run(Pair::new("p051_sql_function_created_and_dropped", &a, &b)).await;
    assert!(out.code.contains("m.drop_function_with("), "{}", out.code);
    for call in [".immutable()", ".strict()", ".parallel_safe()"] {
        assert!(out.code.contains(call), "{call}: {}", out.code);
    }
}

#[tokio::test]
async fn p052_function_body_changed() {
    let f = |rate: &str| {
        with_orders(&format!(
            "CREATE FUNCTION order_tax(o orders) RETURNS numeric LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN o.total * {rate};
END;
$$;"
        ))
    };
    let out = run(Pair::new(
        "p052_function_body_changed",
        &f("0.19"),
        &f("0.21"),
    ))
    .await;
    assert!(out.code.contains("m.replace_function("), "{}", out.code);
    assert!(
        out.code.contains("0.19") && out.code.contains("0.21"),
        "{}",
        out.code
    );
}

#[tokio::test]
async fn p053_function_signature_changed() {
    let a = "CREATE FUNCTION greet(name text) RETURNS text LANGUAGE sql IMMUTABLE \
               AS $$SELECT 'Hello, ' || name$$;
             CREATE FUNCTION answer() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 42';";
    let b = "CREATE FUNCTION greet(name text, greeting text) RETURNS text LANGUAGE sql IMMUTABLE \
               AS $$SELECT greeting || ', ' || name$$;
             CREATE FUNCTION answer() RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT 42';";
    let out = run(Pair::new("p053_function_signature_changed", a, b)).await;
    // Another input type is another function; another return type cannot be replaced.
    assert_eq!(
        out.code.matches("m.drop_function_with(").count(),
        2,
        "{}",
        out.code
    );
    assert_eq!(
        out.code.matches("m.create_function(").count(),
        2,
        "{}",
        out.code
    );
    assert!(!out.code.contains("replace_function"), "{}", out.code);
}

#[tokio::test]
async fn p054_security_definer_with_search_path() {
    let a = with_orders(
        "CREATE FUNCTION close_order(order_id bigint) RETURNS void LANGUAGE sql \
         AS $$UPDATE public.orders SET status = 'closed' WHERE id = order_id$$;",
    );
    let b = with_orders(
        "CREATE FUNCTION close_order(order_id bigint) RETURNS void LANGUAGE sql \
         SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB' \
         AS $$UPDATE public.orders SET status = 'closed' WHERE id = order_id$$;
         CREATE FUNCTION audit_nothing() RETURNS void LANGUAGE plpgsql SECURITY DEFINER \
         SET search_path = '' AS $$BEGIN END$$;",
    );
    let out = run(Pair::new("p054_security_definer_with_search_path", &a, &b)).await;
    assert!(
        out.code.contains(r#".search_path(["public", "pg_temp"])"#),
        "{}",
        out.code
    );
    assert!(out.code.contains(".empty_search_path()"), "{}", out.code);
    assert!(
        out.code.contains(r#".set("work_mem", "64MB")"#),
        "{}",
        out.code
    );
    assert!(out.code.contains("m.replace_function("), "{}", out.code);
}

#[tokio::test]
async fn p055_procedure_created_and_dropped() {
    let a = with_orders(
        "CREATE PROCEDURE purge_closed() LANGUAGE sql \
         AS $$DELETE FROM orders WHERE status = 'closed'$$;",
    );
    let b = with_orders(
        r#"CREATE PROCEDURE close_stale(INOUT closed integer DEFAULT 0, older_than interval DEFAULT '30 days')
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders SET status = 'closed' WHERE updated_at < now() - older_than;
    GET DIAGNOSTICS closed = ROW_COUNT;
END;
$$;"#,
    );
    let out = run(Pair::new("p055_procedure_created_and_dropped", &a, &b)).await;
    assert!(out.code.contains("m.drop_procedure_with("), "{}", out.code);
    assert!(out.code.contains("m.create_procedure("), "{}", out.code);
    assert!(out.code.contains(".inout()"), "{}", out.code);
}

const AUDIT: &str = r#"
CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE '% on %', TG_OP, TG_TABLE_NAME;
    RETURN NULL;
END;
$$;
CREATE FUNCTION log_change_v2() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE '% on % (%)', TG_OP, TG_TABLE_NAME, TG_ARGV[0];
    RETURN NULL;
END;
$$;
"#;

#[tokio::test]
async fn p056_trigger_changed() {
    let a = with_orders(&format!(
        "{AUDIT}
CREATE TRIGGER orders_status AFTER UPDATE ON orders FOR EACH ROW
    EXECUTE FUNCTION log_change();
CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH STATEMENT
    EXECUTE FUNCTION log_change();"
    ));
    let b = with_orders(&format!(
        "{AUDIT}
CREATE TRIGGER orders_status AFTER UPDATE OF status, total ON orders FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION log_change();
CREATE TRIGGER orders_audit AFTER INSERT ON orders REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION log_change_v2('orders', 'it''s');"
    ));
    let out = run(Pair::new("p056_trigger_changed", &a, &b)).await;
    // Same function: replaced; another function: dropped and created.
    assert!(out.code.contains("m.replace_trigger("), "{}", out.code);
    assert!(
        out.code
            .contains(r#".when(Expr::cust("old.status IS DISTINCT FROM new.status"))"#),
        "{}",
        out.code
    );
    assert!(out.code.contains("m.drop_trigger_with("), "{}", out.code);
    assert!(
        out.code
            .contains(r#".execute_with("log_change_v2", ["orders", "it's"])"#),
        "{}",
        out.code
    );
}

#[tokio::test]
async fn p057_trigger_disabled() {
    let a = with_orders(&format!(
        "{AUDIT}
CREATE TRIGGER orders_log AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER orders_old AFTER DELETE ON orders FOR EACH ROW EXECUTE FUNCTION log_change();
ALTER TABLE orders DISABLE TRIGGER orders_old;
CREATE TRIGGER orders_paused AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION log_change();
ALTER TABLE orders DISABLE TRIGGER orders_paused;"
    ));
    let b = with_orders(&format!(
        "{AUDIT}
CREATE TRIGGER orders_log AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION log_change();
ALTER TABLE orders DISABLE TRIGGER orders_log;
CREATE TRIGGER orders_paused AFTER UPDATE OR DELETE ON orders FOR EACH ROW EXECUTE FUNCTION log_change();
ALTER TABLE orders DISABLE TRIGGER orders_paused;
CREATE TRIGGER orders_new AFTER TRUNCATE ON orders EXECUTE FUNCTION log_change();
ALTER TABLE orders DISABLE TRIGGER orders_new;"
    ));
    let out = run(Pair::new("p057_trigger_disabled", &a, &b)).await;
    assert!(
        out.code
            .contains(r#"m.disable_trigger("orders", "orders_log");"#),
        "{}",
        out.code
    );
    // A disabled trigger is enabled before it is dropped or replaced, so the down
    // puts it back disabled.
    assert!(
        out.code
            .contains(r#"m.enable_trigger("orders", "orders_old");"#),
        "{}",
        out.code
    );
    assert!(
        out.code
            .contains(r#"m.enable_trigger("orders", "orders_paused");"#),
        "{}",
        out.code
    );
}

#[tokio::test]
async fn p058_routines_in_a_schema() {
    let base = "CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, amount numeric NOT NULL, \
  \"Due On\" date);";
    let a = format!(
        "{base}
CREATE FUNCTION billing.old_total() RETURNS numeric LANGUAGE sql STABLE \
  AS $$SELECT sum(amount) FROM billing.invoices$$;"
    );
    let b = format!(
        r#"{base}
CREATE FUNCTION billing.check_amount() RETURNS trigger LANGUAGE plpgsql
SET search_path = billing, "$user" AS $$
BEGIN
    IF NEW.amount < 0 THEN
        RAISE EXCEPTION 'negative amount';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER "Check Amount" BEFORE INSERT OR UPDATE OF amount, "Due On" ON billing.invoices
    FOR EACH ROW EXECUTE FUNCTION billing.check_amount();
CREATE PROCEDURE billing.void_invoice(invoice bigint) LANGUAGE sql
    AS $$DELETE FROM billing.invoices WHERE id = invoice$$;"#
    );
    let out = run(Pair::new("p058_routines_in_a_schema", &a, &b)).await;
    assert!(
        out.code
            .contains(r#"TriggerDef::new("Check Amount", "billing.invoices")"#),
        "{}",
        out.code
    );
    assert!(
        out.code.contains(r#".on_update_of(["amount", "Due On"])"#),
        "{}",
        out.code
    );
    assert!(
        out.code.contains(r#".search_path(["billing", "$user"])"#),
        "{}",
        out.code
    );
    assert!(
        out.code
            .contains(r#"ProcedureDef::new("billing.void_invoice")"#),
        "{}",
        out.code
    );
}

#[tokio::test]
async fn p059_sql_standard_body_needs_review() {
    let a = "CREATE FUNCTION double_it(x integer) RETURNS integer LANGUAGE sql IMMUTABLE \
             RETURN x * 2;";
    let b = "CREATE FUNCTION triple_it(x integer) RETURNS integer LANGUAGE sql IMMUTABLE \
             BEGIN ATOMIC SELECT x * 3; END;";
    let out = run(Pair::new("p059_sql_standard_body_needs_review", a, b)).await;
    assert_eq!(out.generated.needs_review(), 2, "{}", out.code);
    assert!(out.code.contains("BEGIN ATOMIC"), "{}", out.code);
    assert!(
        out.code
            .contains(r##"m.unchecked_sql(r#"DROP FUNCTION "public"."double_it"(x integer)"#);"##),
        "{}",
        out.code
    );
}

#[tokio::test]
async fn p060_arguments_defaults_and_results() {
    let a = with_orders("");
    let b = with_orders(
        r#"
CREATE FUNCTION recent_orders(max_rows integer DEFAULT 10, statuses text[] DEFAULT '{open}')
RETURNS SETOF orders LANGUAGE sql STABLE
AS $$SELECT * FROM orders WHERE status = ANY (statuses) ORDER BY updated_at DESC LIMIT max_rows$$;
CREATE FUNCTION order_summary(IN order_id bigint, OUT status text, OUT total numeric)
LANGUAGE sql STABLE AS $$SELECT status, total FROM orders WHERE id = order_id$$;
CREATE FUNCTION totals_by_status() RETURNS TABLE (status text, "Total" numeric)
LANGUAGE sql STABLE AS $$SELECT status, sum(total) FROM orders GROUP BY status$$;
CREATE FUNCTION sum_all(VARIADIC numbers numeric[]) RETURNS numeric LANGUAGE sql IMMUTABLE
AS $$SELECT sum(n) FROM unnest(numbers) n$$;
CREATE FUNCTION first_of(anyelement, anyelement) RETURNS anyelement LANGUAGE sql IMMUTABLE
AS 'SELECT coalesce($1, $2)';
"#,
    );
    let out = run(Pair::new("p060_arguments_defaults_and_results", &a, &b)).await;
    for call in [
        r#"FunctionArg::new("max_rows", Integer).default(Expr::cust("10"))"#,
        r#".returns_setof(ColumnType::named("orders"))"#,
        r#".out_arg("status", Text)"#,
        r#".returns_table([("status", Text), ("Total", UnconstrainedNumeric)])"#,
        ".variadic()",
        "FunctionArg::unnamed(",
    ] {
        assert!(out.code.contains(call), "{call}: {}", out.code);
    }
}

#[tokio::test]
async fn p061_what_the_dsl_cannot_write_needs_review() {
    let a = with_orders(&format!(
        "{AUDIT}
CREATE FUNCTION is_open(status text) RETURNS boolean LANGUAGE sql IMMUTABLE \
  AS $$SELECT status = 'open'$$;
CREATE TRIGGER orders_replicated AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION log_change();"
    ));
    let b = with_orders(&format!(
        "{AUDIT}
CREATE FUNCTION is_open(status text) RETURNS boolean LANGUAGE sql IMMUTABLE LEAKPROOF COST 5 \
  AS $$SELECT status = 'open'$$;
CREATE TRIGGER orders_replicated AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION log_change();
ALTER TABLE orders ENABLE ALWAYS TRIGGER orders_replicated;
CREATE CONSTRAINT TRIGGER orders_check AFTER UPDATE ON orders DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE AGGREGATE product(numeric) (SFUNC = numeric_mul, STYPE = numeric, INITCOND = '1');"
    ));
    let out = run(Pair::new(
        "p061_what_the_dsl_cannot_write_needs_review",
        &a,
        &b,
    ))
    .await;
    assert_eq!(out.generated.needs_review(), 4, "{}", out.code);
    for sql in [
        "LEAKPROOF",
        "ENABLE ALWAYS TRIGGER",
        "CREATE CONSTRAINT TRIGGER",
        "CREATE AGGREGATE",
    ] {
        assert!(out.code.contains(sql), "{sql}: {}", out.code);
    }
}

#[tokio::test]
async fn p062_trigger_on_a_partitioned_table() {
    let base = format!(
        "{AUDIT}
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"
    );
    let b = format!(
        "{base}
CREATE TRIGGER events_log AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION log_change();"
    );
    let out = run(Pair::new("p062_trigger_on_a_partitioned_table", &base, &b)).await;
    // The partitions' clones of the trigger follow it.
    assert_eq!(
        out.code.matches("m.create_trigger(").count(),
        1,
        "{}",
        out.code
    );
}
