//! The same application written with the DSL: every migration's down is derived (or,
//! for the data moves, paired by hand through `reversible`).

use migrate_core::prelude::*;
use migrate_tests::reg;

pub(crate) fn accounts_and_users(m: &mut Migration) {
    m.create_schema("app");
    m.create_enum(
        "app.order_status",
        ["pending", "paid", "shipped", "cancelled"],
    );
    m.create_domain("app.email", Text)
        .check("email_has_at", Expr::cust("VALUE ~ '^[^@]+@[^@]+$'"));
    m.create_table("app.accounts", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("name", Text).not_null();
        t.column("created_at", Timestamptz)
            .not_null()
            .default(DefaultValue::now());
    });
    m.create_table("app.users", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("account_id", BigInt)
            .not_null()
            .references("app.accounts", "id")
            .on_delete(ReferentialAction::Cascade);
        t.column("email", ColumnType::named("app.email")).not_null();
        t.column("display_name", Text);
        t.column("address", Text);
        t.column("orders_count", Integer).not_null().default(0);
        t.column("created_at", Timestamptz)
            .not_null()
            .default(DefaultValue::now());
    });
    m.create_index(
        "users_email_key",
        "app.users",
        [IndexColumn::expr(Expr::cust("lower(email)"))],
    )
    .unique();
    m.create_index(
        "users_display_name_prefix",
        "app.users",
        [IndexColumn::col("display_name").opclass("text_pattern_ops")],
    );
    m.change_comment(
        CommentTarget::table("app.users"),
        None,
        Some("People who sign in; an account has many"),
    );
}

pub(crate) fn catalog_and_orders(m: &mut Migration) {
    m.create_sequence("app.invoice_numbers").start(1000);
    m.create_table("app.products", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("sku", Text).not_null().unique();
        t.column("name", Text).not_null();
        t.column("price", Numeric(12, 2)).not_null();
        t.column("tags", Text.array())
            .not_null()
            .default(DefaultValue::expr(
                Expr::cust("'{}'"),
                Volatility::Immutable,
            ));
        t.check(Expr::col("price").gte(0))
            .name("price_not_negative");
    });
    m.create_table("app.orders", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("user_id", BigInt)
            .not_null()
            .references("app.users", "id");
        t.column("status", ColumnType::named("app.order_status"))
            .not_null()
            .default("pending");
        t.column("invoice_number", BigInt)
            .not_null()
            .default(DefaultValue::expr(
                Expr::cust("nextval('app.invoice_numbers')"),
                Volatility::Volatile,
            ));
        t.column("placed_at", Timestamptz)
            .not_null()
            .default(DefaultValue::now());
        t.column("total", Numeric(12, 2)).not_null().default(0);
    });
    m.alter_sequence_from(
        "app.invoice_numbers",
        |old| {
            old.start(1000);
        },
        |new| {
            new.start(1000).owned_by("app.orders", "invoice_number");
        },
    );
    m.create_table("app.order_lines", |t| {
        t.column("order_id", BigInt)
            .not_null()
            .references("app.orders", "id")
            .on_delete(ReferentialAction::Cascade);
        t.column("product_id", BigInt)
            .not_null()
            .references("app.products", "id");
        t.column("quantity", Integer).not_null();
        t.column("unit_price", Numeric(12, 2)).not_null();
        t.check(Expr::col("quantity").gt(0))
            .name("quantity_positive");
        t.primary_key(["order_id", "product_id"]);
    });
    m.create_index("order_lines_product_id", "app.order_lines", ["product_id"]);
    m.change_comment(
        CommentTarget::column("app.orders", "total"),
        None,
        Some("Kept up to date by a trigger on order_lines"),
    );
}

fn order_total(body: &str) -> FunctionDef {
    FunctionDef::new("app.order_total")
        .arg("p_order_id", BigInt)
        .returns(Numeric(12, 2))
        .language("sql")
        .stable()
        .body(body)
}

const TOTAL_V1: &str = "SELECT coalesce(sum(quantity * unit_price), 0) FROM app.order_lines WHERE order_id = p_order_id";
const TOTAL_V2: &str = "SELECT coalesce(sum(quantity * unit_price), 0)::numeric(12, 2) \
     FROM app.order_lines WHERE order_id = p_order_id";

fn refresh_order_total() -> FunctionDef {
    FunctionDef::new("app.refresh_order_total")
        .returns_trigger()
        .language("plpgsql")
        .body(
            "BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE app.orders SET total = app.order_total(OLD.order_id) WHERE id = OLD.order_id;
  ELSE
    UPDATE app.orders SET total = app.order_total(NEW.order_id) WHERE id = NEW.order_id;
  END IF;
  RETURN NULL;
END",
        )
}

fn count_orders() -> FunctionDef {
    FunctionDef::new("app.count_orders")
        .returns_trigger()
        .language("plpgsql")
        .body(
            "BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE app.users SET orders_count = orders_count + 1 WHERE id = NEW.user_id;
  ELSE
    UPDATE app.users SET orders_count = orders_count - 1 WHERE id = OLD.user_id;
  END IF;
  RETURN NULL;
END",
        )
}

pub(crate) fn order_totals_and_counts(m: &mut Migration) {
    m.create_function(order_total(TOTAL_V1));
    m.create_function(refresh_order_total());
    m.create_trigger(
        TriggerDef::new("order_lines_total", "app.order_lines")
            .after()
            .on_insert()
            .on_update()
            .on_delete()
            .for_each_row()
            .execute("app.refresh_order_total"),
    );
    m.create_function(count_orders());
    m.create_trigger(
        TriggerDef::new("orders_count", "app.orders")
            .after()
            .on_insert()
            .on_delete()
            .for_each_row()
            .execute("app.count_orders"),
    );
}

pub(crate) fn reporting(m: &mut Migration) {
    m.create_view(
        "app.order_summaries",
        "SELECT o.id, u.email, a.name AS account, o.status, o.total, o.placed_at \
         FROM app.orders o JOIN app.users u ON u.id = o.user_id JOIN app.accounts a ON a.id = u.account_id",
    );
    m.create_materialized_view(
        "app.product_sales",
        "SELECT p.id, p.sku, coalesce(sum(l.quantity), 0) AS units \
         FROM app.products p LEFT JOIN app.order_lines l ON l.product_id = p.id GROUP BY p.id, p.sku",
    );
    m.create_index("product_sales_id", "app.product_sales", ["id"])
        .unique();
    m.change_comment(
        CommentTarget::view("app.order_summaries"),
        None,
        Some("One line per order, for the back office"),
    );
    m.grant(
        [Privilege::Select],
        GrantOn::table("app.order_summaries"),
        [RoleSpec::Public],
    );
}

pub(crate) fn account_isolation(m: &mut Migration) {
    m.enable_row_level_security("app.orders");
    m.create_policy("app.orders", "account_isolation").using(Expr::cust(
        "user_id IN (SELECT id FROM app.users WHERE account_id = current_setting('app.account_id', true)::bigint)",
    ));
}

pub(crate) fn addresses(m: &mut Migration) {
    m.create_table("app.addresses", |t| {
        t.column("id", BigInt).identity().primary_key();
        t.column("user_id", BigInt)
            .not_null()
            .references("app.users", "id")
            .on_delete(ReferentialAction::Cascade);
        t.column("line", Text).not_null();
    });
    m.reversible(
        |up| {
            up.insert_select(
                "app.addresses",
                ["user_id", "line"],
                Query::select()
                    .columns(["id", "address"])
                    .from(("app", "users"))
                    .and_where(Expr::col("address").is_not_null())
                    .take(),
            );
        },
        |down| {
            down.update_from("app.users", "app.addresses")
                .set("address", Expr::col(("addresses", "line")))
                .filter(Expr::col(("addresses", "user_id")).equals(("users", "id")));
        },
    );
    m.drop_column_with("app.users", "address", Text);
    m.allow(
        Rule::BreakingChange,
        "the application reads addresses from app.addresses since 2.4",
    );
}

pub(crate) fn orders_account(m: &mut Migration) {
    m.add_column("app.orders", "account_id", BigInt);
    m.reversible(
        |up| {
            up.update_from("app.orders", FromItem::table_as("app.users", "u"))
                .set("account_id", Expr::col(("u", "account_id")))
                .filter(Expr::col(("u", "id")).equals(("orders", "user_id")));
        },
        |_down| {},
    );
    m.add_foreign_key(
        "app.orders",
        "orders_account_id_fkey",
        ["account_id"],
        "app.accounts",
        ["id"],
    );
    m.create_index_concurrently("orders_account_id", "app.orders", ["account_id"]);
}

pub(crate) fn purge_test_products(m: &mut Migration<Manual>) {
    m.delete_using("app.order_lines", FromItem::table_as("app.products", "p"))
        .filter(
            Expr::col(("p", "id"))
                .equals(("order_lines", "product_id"))
                .and(Expr::col(("p", "sku")).like("test-%")),
        );
    m.refresh_materialized_view_concurrently("app.product_sales");
}

pub(crate) fn reporting_v2(m: &mut Migration) {
    m.replace_function(order_total(TOTAL_V1), order_total(TOTAL_V2));
    m.rename_view("app.order_summaries", "order_overview");
    m.allow(
        Rule::BreakingChange,
        "the back office reads app.order_overview since 2.6",
    );
    m.rename_sequence("app.invoice_numbers", "invoice_number_seq");
    m.add_check(
        "app.orders",
        "total_not_negative",
        Expr::col("total").gte(0),
    );
    m.disable_trigger("app.orders", "orders_count");
}

reg!(ACCOUNTS_AND_USERS, 1, accounts_and_users);
reg!(CATALOG_AND_ORDERS, 2, catalog_and_orders);
reg!(ORDER_TOTALS_AND_COUNTS, 3, order_totals_and_counts);
reg!(REPORTING, 4, reporting);
reg!(ACCOUNT_ISOLATION, 5, account_isolation);
reg!(ADDRESSES, 6, addresses);
reg!(ORDERS_ACCOUNT, 7, orders_account);
reg!(PURGE_TEST_PRODUCTS, 8, purge_test_products, irreversible);
reg!(REPORTING_V2, 9, reporting_v2);

/// Every migration, in order.
pub(crate) const ALL: [&migrate_core::Registration; 9] = [
    &ACCOUNTS_AND_USERS,
    &CATALOG_AND_ORDERS,
    &ORDER_TOTALS_AND_COUNTS,
    &REPORTING,
    &ACCOUNT_ISOLATION,
    &ADDRESSES,
    &ORDERS_ACCOUNT,
    &PURGE_TEST_PRODUCTS,
    &REPORTING_V2,
];
