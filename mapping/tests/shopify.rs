//! Shopify fixtures through the `shopify` client's typed webhook parser and into the canonical
//! model, and canonical payments and customers back into the client's inputs.
#![cfg(feature = "shopify")]
#![allow(clippy::unwrap_used)]

use mapping::shopify::{
    METAFIELD_NAMESPACE, RefundCtx, customer_set_identifier, order_gid, refund_from_shopify,
    to_customer_input, to_customer_update_input, to_display_financial_status, to_manual_payment,
    to_order_mark_as_paid, to_payment_metafields,
};
use mapping::{
    Address, CountryCode, Currency, Customer, Dispute, DisputeStatus, ExternalIds, FinancialStatus,
    LineItem, MappingError, Money, Order, Payment, PaymentKind, PaymentStatus, Refund,
    RefundStatus, System,
};
use serde_json::{Value, json};
use shopify::models::{CustomerSetIdentifier, OrderDisplayFinancialStatus};
use shopify::{Topic, WebhookPayload};
use time::macros::datetime;

const GET_ORDER: &str =
    include_str!("fixtures/shopify/order_rest_2025-10_get_order_450789469.json");
const ORDER_EXAMPLES: &str = include_str!(
    "fixtures/shopify/order_rest_2025-10_create_with_transactions_and_update_note_tags.json"
);
const SAMPLE_2019: &str =
    include_str!("fixtures/shopify/orders_create_webhook_sample_shopify_canonical_2019.json");
const REFUND_WEBHOOK: &str =
    include_str!("fixtures/shopify/refunds_create_webhook_like_payload.json");
const REFUND_EXAMPLES: &str =
    include_str!("fixtures/shopify/refund_rest_2025-10_create_examples.json");
const DOCUMENTED_REFUND: &str =
    include_str!("fixtures/shopify/refund_rest_resource_doc_example.json");
const MULTI_CURRENCY_REFUND: &str =
    include_str!("fixtures/shopify/derived-refunds-create-multi-currency.json");
const CUSTOMER_EXAMPLES: &str =
    include_str!("fixtures/shopify/customer_rest_2025-10_examples.json");
const DISPUTE: &str = include_str!("fixtures/shopify/handwritten-disputes-create.json");

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn load(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn examples(text: &str, resource: &str) -> Vec<(String, Value)> {
    load(text)["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["test"].as_str().unwrap().to_owned(),
                e["response"][resource].clone(),
            )
        })
        .collect()
}

/// The body through the client's typed webhook parser, as a delivery of `topic` would be.
fn payload(topic: &Topic, body: &Value) -> WebhookPayload {
    WebhookPayload::parse(topic, body.to_string().as_bytes()).unwrap()
}

fn order_via(topic: &Topic, body: &Value) -> Result<Order, MappingError> {
    let WebhookPayload::Order(order) = payload(topic, body) else {
        panic!("not an order")
    };
    Order::try_from(order.as_ref())
}

fn order(body: &Value) -> Result<Order, MappingError> {
    order_via(&Topic::OrdersCreate, body)
}

fn edited_order(text: &str, edit: impl FnOnce(&mut Value)) -> Result<Order, MappingError> {
    let mut body = load(text)["payload"].clone();
    edit(&mut body);
    order(&body)
}

fn customer(body: &Value) -> Result<Customer, MappingError> {
    let WebhookPayload::Customer(customer) = payload(&Topic::CustomersUpdate, body) else {
        panic!("not a customer")
    };
    Customer::try_from(customer.as_ref())
}

fn refund(body: &Value, ctx: &RefundCtx<'_>) -> Result<Refund, MappingError> {
    let WebhookPayload::Refund(refund) = payload(&Topic::RefundsCreate, body) else {
        panic!("not a refund")
    };
    refund_from_shopify(&refund, ctx)
}

/// A USD line; `ids` are the line and variant ids, `amounts` unit price, discount, tax and total
/// in cents.
fn line(ids: [&str; 2], sku: &str, name: &str, qty: u32, amounts: [i64; 4]) -> LineItem {
    let [id, variant] = ids;
    let [unit, disc, tax, total] = amounts;
    LineItem {
        ids: ExternalIds::new().with(System::Shopify, id),
        sku: (!sku.is_empty()).then(|| sku.to_owned()),
        variant_id: Some(variant.to_owned()),
        name: name.to_owned(),
        quantity: qty,
        unit_price: usd(unit),
        discount: usd(disc),
        tax: usd(tax),
        total: usd(total),
    }
}

fn bob_norman_address(phone: &str) -> Address {
    Address {
        first_name: None,
        last_name: None,
        company: None,
        lines: vec!["Chestnut Street 92".into()],
        city: Some("Louisville".into()),
        region_code: Some("KY".into()),
        postal_code: Some("40202".into()),
        country: Some(CountryCode::US),
        phone: Some(phone.into()),
    }
}

fn bob_norman() -> Customer {
    Customer {
        ids: ExternalIds::new().with(System::Shopify, "207119551"),
        email: Some("bob.norman@mail.example.com".into()),
        first_name: Some("Bob".into()),
        last_name: Some("Norman".into()),
        phone: Some("+16136120707".into()),
        address: Some(bob_norman_address("555-625-1199")),
    }
}

/// Order 450789469 (`#1001`) as every 2025-10 fixture of it should map.
fn order_1001() -> Order {
    let billing = Address {
        first_name: Some("Bob".into()),
        last_name: Some("Norman".into()),
        ..bob_norman_address("+1(502)-459-2181")
    };
    Order {
        ids: ExternalIds::new().with(System::Shopify, "450789469"),
        source: System::Shopify,
        number: "#1001".into(),
        currency: Currency::USD,
        customer: Some(bob_norman()),
        email: Some("bob.norman@mail.example.com".into()),
        billing_address: Some(billing.clone()),
        shipping_address: Some(billing),
        line_items: vec![
            line(
                ["466157049", "39072856"],
                "IPOD2008GREEN",
                "IPod Nano - 8gb - green",
                1,
                [19900, 334, 398, 19964],
            ),
            line(
                ["518995019", "49148385"],
                "IPOD2008RED",
                "IPod Nano - 8gb - red",
                1,
                [19900, 333, 398, 19965],
            ),
            line(
                ["703073504", "457924702"],
                "IPOD2008BLACK",
                "IPod Nano - 8gb - black",
                1,
                [19900, 333, 398, 19965],
            ),
        ],
        shipping: usd(0),
        discount: usd(0),
        tax: usd(1194),
        total: usd(59894),
        presentment_total: None,
        adjustments: Vec::new(),
        financial_status: FinancialStatus::PartiallyRefunded,
    }
}

#[test]
fn get_order_450789469_maps_under_every_order_topic() {
    let body = &load(GET_ORDER)["payload"];
    for topic in [Topic::OrdersCreate, Topic::OrdersPaid, Topic::OrdersUpdated] {
        let order = order_via(&topic, body).unwrap();
        assert_eq!(order, order_1001(), "{topic:?}");
        assert_eq!(order.lines_total().unwrap(), order.total);
        assert_eq!(
            to_display_financial_status(&order.financial_status).unwrap(),
            OrderDisplayFinancialStatus::PartiallyRefunded
        );
    }
}

#[test]
fn order_create_and_update_examples_map() {
    let all = examples(ORDER_EXAMPLES, "order");
    assert_eq!(all.len(), 4);
    for (test, body) in &all {
        let mapped = order(body).unwrap();
        if test == "test_16" {
            let eur = |minor| Money::from_minor(minor, Currency::EUR);
            assert_eq!(mapped.ids.get(System::Shopify), Some("1073459976"));
            assert_eq!(mapped.number, "#1002");
            assert_eq!(mapped.currency, Currency::EUR);
            assert_eq!(mapped.financial_status, FinancialStatus::Paid);
            assert_eq!(mapped.total, eur(23847));
            assert_eq!(mapped.tax, eur(1350));
            assert_eq!(mapped.presentment_total, None);
            assert_eq!(mapped.email, None);
            assert_eq!(mapped.customer, None);
            assert_eq!(mapped.billing_address, None);
            let only = &mapped.line_items[..];
            assert_eq!(only.len(), 1);
            assert_eq!(only[0].sku, None);
            assert_eq!(only[0].name, "Big Brown Bear Boots");
            assert_eq!(only[0].quantity, 3);
            assert_eq!(only[0].unit_price, eur(7499));
            assert_eq!(only[0].discount, eur(0));
            assert_eq!(only[0].total, eur(23847));
        } else {
            assert_eq!(mapped, order_1001(), "{test}");
        }
    }
}

#[test]
fn sample_2019_orders_create() {
    // Shopify's own sample puts a Canadian postal code in a US billing address.
    let err = edited_order(SAMPLE_2019, |_| {}).unwrap_err();
    assert_eq!(err.field(), "order.billing_address.zip");
    assert_eq!(err.value(), Some("K2P0B0"));
    assert!(err.is_permanent());

    let order = edited_order(SAMPLE_2019, |v| {
        v["billing_address"]["zip"] = json!("40202")
    })
    .unwrap();
    assert_eq!(order.ids.get(System::Shopify), Some("820982911946154508"));
    assert_eq!(order.number, "#9999");
    assert_eq!(order.financial_status, FinancialStatus::Voided);
    assert_eq!(order.email.as_deref(), Some("jon@doe.ca"));
    assert_eq!(order.total, usd(40300));
    assert_eq!(order.shipping, usd(1000));
    assert_eq!(order.discount, usd(0));
    assert_eq!(order.tax, usd(0));
    assert_eq!(
        order.line_items,
        vec![
            line(
                ["866550311766439020", "808950810"],
                "IPOD2008PINK",
                "IPod Nano - 8GB",
                1,
                [19900, 0, 0, 19900]
            ),
            line(
                ["141249953214522974", "808950810"],
                "IPOD2008PINK",
                "IPod Nano - 8GB",
                1,
                [19900, 500, 0, 19400]
            ),
        ]
    );
    let total = order
        .lines_total()
        .unwrap()
        .checked_add(order.shipping)
        .unwrap();
    assert_eq!(total, order.total);
    let billing = order.billing_address.unwrap();
    assert_eq!(billing.company.as_deref(), Some("My Company"));
    assert_eq!(billing.lines, vec!["123 Billing Street".to_owned()]);
    assert_eq!(billing.phone.as_deref(), Some("555-555-BILL"));
    let shipping = order.shipping_address.unwrap();
    assert_eq!(shipping.first_name.as_deref(), Some("Steve"));
    assert_eq!(shipping.region_code.as_deref(), Some("KY"));
    assert_eq!(shipping.postal_code.as_deref(), Some("40003"));
    let customer = order.customer.unwrap();
    assert_eq!(
        customer.ids.get(System::Shopify),
        Some("115310627314723954")
    );
    assert_eq!(customer.email.as_deref(), Some("john@test.com"));
    let address = customer.address.unwrap();
    assert_eq!(address.country.unwrap().as_str(), "CA");
    assert_eq!(address.region_code.as_deref(), Some("ON"));
    assert_eq!(address.postal_code.as_deref(), Some("K2H 7A8"));
    assert_eq!(address.city.as_deref(), Some("Ottawa"));
}

#[test]
fn presentment_money_is_kept_when_it_differs() {
    let order = edited_order(GET_ORDER, |v| {
        v["presentment_currency"] = json!("EUR");
        v["total_price_set"]["presentment_money"] =
            json!({"amount": "553.26", "currency_code": "EUR"});
    })
    .unwrap();
    assert_eq!(order.currency, Currency::USD);
    assert_eq!(order.total, usd(59894));
    assert_eq!(
        order.presentment_total,
        Some(Money::from_minor(55326, Currency::EUR))
    );
}

#[test]
fn order_error_paths_on_the_official_fixture() {
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 9] = [
        (|v| v["currency"] = json!("ZZZ"), "order.currency"),
        (|v| v["total_price"] = json!("598.945"), "order.total_price"),
        (
            |v| v["line_items"][2]["price"] = json!("199.001"),
            "order.line_items[2].price",
        ),
        (
            |v| v["line_items"][1]["discount_allocations"][0]["amount"] = json!("3.331"),
            "order.line_items[1].discount_allocations[0].amount",
        ),
        (
            |v| v["line_items"][0]["tax_lines"][0]["price"] = json!("3.981"),
            "order.line_items[0].tax_lines[0].price",
        ),
        (|v| v["name"] = Value::Null, "order.name"),
        (
            |v| v["financial_status"] = Value::Null,
            "order.financial_status",
        ),
        (
            |v| v["shipping_address"]["province_code"] = json!("XX"),
            "order.shipping_address.province_code",
        ),
        (
            |v| v["customer"]["default_address"]["zip"] = json!("4020"),
            "order.customer.default_address.zip",
        ),
    ];
    for (edit, field) in cases {
        let err = edited_order(GET_ORDER, edit).unwrap_err();
        assert_eq!(err.field(), field, "{err}");
    }
    let err = edited_order(GET_ORDER, |v| v["currency"] = json!("ZZZ")).unwrap_err();
    assert!(matches!(err, MappingError::UnknownCurrency { .. }));
    let err = edited_order(GET_ORDER, |v| v["total_price"] = json!("598.945")).unwrap_err();
    assert!(matches!(err, MappingError::PrecisionLoss { .. }));
    let err = edited_order(GET_ORDER, |v| v["name"] = Value::Null).unwrap_err();
    assert!(matches!(err, MappingError::MissingField { .. }));
    // An unknown status is kept, not refused.
    let order = edited_order(GET_ORDER, |v| v["financial_status"] = json!("on_hold")).unwrap();
    assert_eq!(
        order.financial_status,
        FinancialStatus::Unknown("on_hold".into())
    );
    assert!(to_display_financial_status(&order.financial_status).is_err());
}

#[test]
fn customer_examples_map_and_sync_back() {
    let all = examples(CUSTOMER_EXAMPLES, "customer");
    assert_eq!(all.len(), 3);
    for (test, body) in &all {
        match test.as_str() {
            "test_12" => assert_eq!(customer(body).unwrap(), bob_norman()),
            "test_16" => {
                let mut expected = bob_norman();
                expected.email = Some("changed@example.com".into());
                assert_eq!(customer(body).unwrap(), expected);
            }
            "test_18" => {
                let err = customer(body).unwrap_err();
                assert_eq!(err.field(), "customer.default_address.zip");
                assert_eq!(err.value(), Some("123 ABC"));
                let mut fixed = body.clone();
                fixed["default_address"]["zip"] = json!("k1a0b1");
                let mapped = customer(&fixed).unwrap();
                assert_eq!(mapped.ids.get(System::Shopify), Some("1073339458"));
                assert_eq!(mapped.phone.as_deref(), Some("+15142546011"));
                let address = mapped.address.unwrap();
                assert_eq!(address.first_name.as_deref(), Some("Mother"));
                assert_eq!(address.last_name.as_deref(), Some("Lastnameson"));
                assert_eq!(address.region_code.as_deref(), Some("ON"));
                assert_eq!(address.postal_code.as_deref(), Some("K1A 0B1"));
                assert_eq!(address.country.unwrap().as_str(), "CA");
            }
            other => panic!("unexpected example {other}"),
        }
    }

    let bob = customer(&all[0].1).unwrap();
    let input = to_customer_input(&bob).unwrap();
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        json!({"email": "bob.norman@mail.example.com", "phone": "+16136120707",
               "firstName": "Bob", "lastName": "Norman",
               "addresses": [{"address1": "Chestnut Street 92", "city": "Louisville",
                              "provinceCode": "KY", "countryCode": "US", "zip": "40202",
                              "phone": "555-625-1199"}]})
    );
    assert_eq!(
        customer_set_identifier(&bob).unwrap(),
        CustomerSetIdentifier::Id(shopify::Gid::new("Customer", 207119551))
    );
    let update = to_customer_update_input(&bob).unwrap();
    assert_eq!(
        update.id.unwrap().as_str(),
        "gid://shopify/Customer/207119551"
    );
}

#[test]
fn refunds_create_payload() {
    let body = &load(REFUND_WEBHOOK)["payload"];
    // The fixture's gateway is Shopify's test gateway `bogus`: no system, so no guess.
    let WebhookPayload::Refund(wire) = payload(&Topic::RefundsCreate, body) else {
        panic!("not a refund")
    };
    let err = Refund::try_from(wire.as_ref()).unwrap_err();
    assert_eq!(err.field(), "refund.transactions[0].gateway");
    assert_eq!(err.value(), Some("bogus"));

    let ctx = RefundCtx {
        order_number: Some("#1001"),
        gateways: &[("bogus", System::Paytrace)],
        ..RefundCtx::default()
    };
    let refund = refund(body, &ctx).unwrap();
    assert_eq!(
        refund,
        Refund {
            ids: ExternalIds::new().with(System::Shopify, "929361472"),
            gateway: System::Paytrace,
            payment_transaction_id: None,
            order_number: Some("#1001".into()),
            amount: usd(4194),
            presentment_amount: None,
            status: RefundStatus::Succeeded,
            reason: Some("wrong size".into()),
            processed_at: Some(datetime!(2025-04-02 11:38:34 -5)),
        }
    );
}

fn cad(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CAD)
}

/// The derived multi-currency refund body (shop USD, customer CAD), edited.
fn multi_currency(edit: impl FnOnce(&mut Value)) -> Value {
    let mut body = load(MULTI_CURRENCY_REFUND)["payload"].clone();
    edit(&mut body);
    body
}

const USD_ORDER: RefundCtx<'static> = RefundCtx {
    order_currency: Some(Currency::USD),
    order_number: Some("#1002"),
    gateways: &[],
};

#[test]
fn a_multi_currency_refund_is_in_the_shop_currency_with_the_customers_alongside() {
    let refund = refund(&multi_currency(|_| {}), &USD_ORDER).unwrap();
    assert_eq!(
        refund,
        Refund {
            ids: ExternalIds::new().with(System::Shopify, "92738740"),
            gateway: System::Shopify,
            payment_transaction_id: None,
            order_number: Some("#1002".into()),
            // 195.67 + 3.98 + 5.00 shipping - 0.73 discrepancy; the -5.00 shipping_refund
            // adjustment is the shipping line again and is not counted twice.
            amount: usd(20392),
            // The CAD transaction.
            presentment_amount: Some(cad(27855)),
            status: RefundStatus::Succeeded,
            reason: Some("Item was damaged during shipping".into()),
            // `2024-01-15T10:00:00-05:00`: 15:00 UTC, offset kept.
            processed_at: Some(datetime!(2024-01-15 10:00:00 -5)),
        }
    );
    assert_eq!(refund.processed_at.unwrap().unix_timestamp(), 1_705_330_800);
    // Without the order's currency the body's shop money names it.
    let alone = refund_from_body_alone(&multi_currency(|_| {}));
    assert_eq!(alone.amount, usd(20392));
    assert_eq!(alone.presentment_amount, Some(cad(27855)));
}

fn refund_from_body_alone(body: &Value) -> Refund {
    let WebhookPayload::Refund(wire) = payload(&Topic::RefundsCreate, body) else {
        panic!("not a refund")
    };
    Refund::try_from(wire.as_ref()).unwrap()
}

#[test]
fn a_refund_without_items_or_with_old_style_shipping_books_its_adjustments() {
    // A refund of an amount alone: Shopify records it as a negative refund discrepancy.
    let body = multi_currency(|v| {
        v["refund_line_items"] = json!([]);
        v["refund_shipping_lines"] = json!([]);
        v["order_adjustments"] = json!([{
            "id": 1, "kind": "refund_discrepancy", "amount": "-10.00",
            "amount_set": {"shop_money": {"amount": "-10.00", "currency_code": "USD"},
                           "presentment_money": {"amount": "-13.66", "currency_code": "CAD"}}}]);
        v["transactions"][0]["amount"] = json!("13.66");
    });
    let amount_only = refund(&body, &USD_ORDER).unwrap();
    assert_eq!(
        (amount_only.amount, amount_only.presentment_amount),
        (usd(1000), Some(cad(1366)))
    );
    // Shipping before refund shipping lines existed: only the adjustment, with its tax.
    let body = multi_currency(|v| {
        v["refund_line_items"] = json!([]);
        v["refund_shipping_lines"] = json!([]);
        v["order_adjustments"] = json!([{
            "id": 1, "kind": "shipping_refund", "amount": "-5.00", "tax_amount": "-0.40",
            "amount_set": {"shop_money": {"amount": "-5.00", "currency_code": "USD"},
                           "presentment_money": {"amount": "-6.83", "currency_code": "CAD"}},
            "tax_amount_set": {"shop_money": {"amount": "-0.40", "currency_code": "USD"},
                               "presentment_money": {"amount": "-0.55", "currency_code": "CAD"}}}]);
        v["transactions"][0]["amount"] = json!("7.38");
    });
    let shipping = refund(&body, &USD_ORDER).unwrap();
    assert_eq!(
        (shipping.amount, shipping.presentment_amount),
        (usd(540), Some(cad(738)))
    );
}

#[test]
fn a_multi_currency_refund_whose_parts_do_not_add_up_is_refused() {
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 6] = [
        // One cent more paid than the parts explain: the shop amount is unknown.
        (
            |v| v["transactions"][0]["amount"] = json!("278.56"),
            "refund.transactions",
        ),
        (
            |v| {
                v["refund_line_items"][0]["subtotal_set"]["shop_money"]["currency_code"] =
                    json!("EUR");
            },
            "refund.refund_line_items[0].subtotal_set.shop_money.currency_code",
        ),
        (
            |v| {
                v["refund_shipping_lines"][0]["subtotal_amount_set"]["presentment_money"]["currency_code"] =
                    json!("EUR");
            },
            "refund.refund_shipping_lines[0].subtotal_amount_set.presentment_money.currency_code",
        ),
        (
            |v| {
                v["refund_line_items"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("total_tax_set");
            },
            "refund.refund_line_items[0].total_tax_set",
        ),
        (
            |v| v["order_adjustments"][1]["amount_set"] = Value::Null,
            "refund.order_adjustments[1].amount_set",
        ),
        (
            |v| {
                v["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"] = json!("195.675")
            },
            "refund.refund_line_items[0].subtotal_set.shop_money.amount",
        ),
    ];
    for (edit, field) in cases {
        let err = refund(&multi_currency(edit), &USD_ORDER).unwrap_err();
        assert_eq!(err.field(), field, "{err}");
    }
    // The order's currency must be the one the body's shop money is in.
    let cad_order = RefundCtx {
        order_currency: Some(Currency::CAD),
        ..USD_ORDER
    };
    let err = refund(&multi_currency(|_| {}), &cad_order).unwrap_err();
    assert!(
        matches!(err, MappingError::CurrencyMismatch { .. }),
        "{err}"
    );
    assert_eq!(
        err.field(),
        "refund.refund_line_items[0].subtotal_set.shop_money.currency_code"
    );
}

#[test]
fn the_documented_refund_parses_and_its_illustrative_amounts_are_refused() {
    // `"line_item": {}` and `"shipping_line": {}` no longer reject the body; the documented
    // amounts (a 209.00 USD transaction for parts worth 6.62 USD) do not add up, so the shop
    // amount is unknown and the mapping says which field.
    let body = &load(DOCUMENTED_REFUND)["payload"];
    let ctx = RefundCtx {
        order_currency: Some(Currency::CAD),
        ..RefundCtx::default()
    };
    let err = refund(body, &ctx).unwrap_err();
    assert_eq!(err.field(), "refund.transactions", "{err}");
    assert!(err.to_string().contains("209.00 USD"), "{err}");
}

#[test]
fn refund_examples_map_and_calculations_are_refused() {
    let ctx = RefundCtx {
        gateways: &[("bogus", System::Stripe)],
        ..RefundCtx::default()
    };
    let all = examples(REFUND_EXAMPLES, "refund");
    assert_eq!(all.len(), 4);
    for (test, body) in &all {
        let result = refund(body, &ctx);
        match test.as_str() {
            "test_2" => assert_eq!(result.unwrap().amount, usd(4194)),
            "test_3" => {
                let refund = result.unwrap();
                assert_eq!(refund.amount, usd(500));
                assert_eq!(refund.gateway, System::Stripe);
                assert_eq!(refund.reason, None);
                assert_eq!(refund.ids.get(System::Shopify), Some("929361471"));
            }
            // Refund calculations: no id and only `suggested_refund` transactions.
            "test_5" | "test_6" => assert_eq!(result.unwrap_err().field(), "refund.id"),
            other => panic!("unexpected example {other}"),
        }
    }
}

#[test]
fn refund_error_paths_on_the_official_fixture() {
    let ctx = RefundCtx {
        gateways: &[("bogus", System::Paytrace)],
        ..RefundCtx::default()
    };
    let edited = |edit: fn(&mut Value)| {
        let mut body = load(REFUND_WEBHOOK)["payload"].clone();
        edit(&mut body);
        refund(&body, &ctx)
    };
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 4] = [
        (
            |v| v["transactions"][0]["currency"] = json!("ZZZ"),
            "refund.transactions[0].currency",
        ),
        (
            |v| v["transactions"][0]["amount"] = json!("41.945"),
            "refund.transactions[0].amount",
        ),
        (
            |v| v["transactions"][0]["status"] = Value::Null,
            "refund.transactions[0].status",
        ),
        (|v| v["transactions"] = json!([]), "refund.transactions"),
    ];
    for (edit, field) in cases {
        assert_eq!(edited(edit).unwrap_err().field(), field);
    }
    let unknown = edited(|v| v["transactions"][0]["status"] = json!("reversed")).unwrap();
    assert_eq!(unknown.status, RefundStatus::Unknown("reversed".into()));
    // Without a currency on the transaction the order's currency is used when the flow gives it.
    let mut body = load(REFUND_WEBHOOK)["payload"].clone();
    body["transactions"][0]["currency"] = Value::Null;
    assert_eq!(
        refund(&body, &ctx).unwrap_err().field(),
        "refund.transactions[0].currency"
    );
    let with_currency = RefundCtx {
        order_currency: Some(Currency::USD),
        ..ctx
    };
    assert_eq!(refund(&body, &with_currency).unwrap().amount, usd(4194));
}

#[test]
fn payment_into_mark_as_paid_and_metafields() {
    let order = order(&load(GET_ORDER)["payload"]).unwrap();
    let payment = Payment {
        ids: ExternalIds::new().with(System::Paytrace, "987654"),
        order_number: Some(order.number.clone()),
        reference: Some("shopify/450789469".into()),
        approval_code: Some("TAS610".into()),
        vault_id: Some("42".into()),
        processed_at: Some(datetime!(2025-04-02 16:40:00 UTC)),
        ..Payment::new(
            System::Paytrace,
            PaymentKind::Sale,
            PaymentStatus::Captured,
            order.total,
        )
    };
    assert_eq!(
        order_gid(&order).unwrap().as_str(),
        "gid://shopify/Order/450789469"
    );
    assert_eq!(
        to_order_mark_as_paid(&payment, &order).unwrap(),
        shopify::Gid::new("Order", 450789469)
    );
    let fields = to_payment_metafields(&payment, &order).unwrap();
    let pairs: Vec<(&str, &str, &str)> = fields
        .iter()
        .map(|f| (f.key.as_str(), f.value.as_str(), f.kind.as_deref().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("transaction_id", "987654", "single_line_text_field"),
            ("gateway", "paytrace", "single_line_text_field"),
            ("vault_id", "42", "single_line_text_field"),
        ]
    );
    assert!(
        fields
            .iter()
            .all(|f| f.namespace.as_deref() == Some(METAFIELD_NAMESPACE))
    );
    assert!(
        fields
            .iter()
            .all(|f| f.owner_id.as_str() == "gid://shopify/Order/450789469")
    );

    let mut part = payment.clone();
    part.amount = usd(20000);
    assert_eq!(
        to_order_mark_as_paid(&part, &order).unwrap_err().field(),
        "payment.amount"
    );
    let manual = to_manual_payment(&part, &order).unwrap();
    assert_eq!(
        serde_json::to_value(&manual).unwrap(),
        json!({"id": "gid://shopify/Order/450789469",
               "amount": {"amount": "200.00", "currencyCode": "USD"},
               "paymentMethodName": "PayTrace", "processedAt": "2025-04-02T16:40:00Z"})
    );
}

#[test]
fn disputes_create() {
    let body = &load(DISPUTE)["payload"];
    let WebhookPayload::Dispute(wire) = payload(&Topic::DisputesCreate, body) else {
        panic!("not a dispute")
    };
    let dispute = Dispute::try_from(wire.as_ref()).unwrap();
    assert_eq!(
        dispute,
        Dispute {
            ids: ExternalIds::new().with(System::Shopify, "598735659"),
            gateway: System::Shopify,
            payment_transaction_id: "625362839".into(),
            order_number: None,
            amount: usd(1150),
            reason: Some("fraudulent".into()),
            status: DisputeStatus::NeedsResponse,
            evidence_due_by: Some(datetime!(2013-07-03 19:00:00 -4)),
        }
    );
    let mut bad = body.clone();
    bad["currency"] = json!("ZZZ");
    let WebhookPayload::Dispute(wire) = payload(&Topic::DisputesCreate, &bad) else {
        panic!("not a dispute")
    };
    assert_eq!(
        Dispute::try_from(wire.as_ref()).unwrap_err().field(),
        "dispute.currency"
    );
}
