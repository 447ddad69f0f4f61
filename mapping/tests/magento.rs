//! Magento fixtures through the `magento` client's typed parser and into the canonical model,
//! and canonical payments and customers back into the client's inputs.
#![cfg(feature = "magento")]
#![allow(clippy::unwrap_used)]

use mapping::magento::{
    AmountBasis, CaptureMode, CustomerCtx, FailureCtx, InvoiceCtx, order_from_magento,
    to_magento_customer, to_magento_invoice, to_magento_invoice_items, to_magento_order_status,
    to_magento_payment_comment, to_magento_payment_failure,
};
use mapping::{
    Address, CountryCode, Currency, Customer, ExternalIds, FinancialStatus, LineItem, MappingError,
    Money, Order, Payment, PaymentKind, PaymentStatus, System,
};
use serde_json::{Value, json};

const ORDER_3: &str = include_str!("fixtures/magento/tutorial-GET-orders-3.response.json");
const ORDER_41: &str =
    include_str!("fixtures/magento/handwritten-order-configurable-bundle-eur.json");
const CUSTOMER_RESPONSE: &str =
    include_str!("fixtures/magento/tutorial-POST-customers.response.json");
const CUSTOMER_REQUEST: &str =
    include_str!("fixtures/magento/tutorial-POST-customers.request.json");
const INVOICE_REQUEST: &str =
    include_str!("fixtures/magento/tutorial-POST-order-invoice.request.json");

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

fn magento_order(json: &str) -> magento::Order {
    serde_json::from_str(json).unwrap()
}

/// The fixture with `edit` applied to its JSON, through the typed parser.
fn edited(json: &str, edit: impl FnOnce(&mut Value)) -> magento::Order {
    let mut value: Value = serde_json::from_str(json).unwrap();
    edit(&mut value);
    serde_json::from_value(value).unwrap()
}

fn map_err(order: &magento::Order) -> MappingError {
    Order::try_from(order).unwrap_err()
}

fn ids(id: &str) -> ExternalIds {
    ExternalIds::new().with(System::Magento, id)
}

fn jane_ny(postcode: &str) -> Address {
    Address {
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        company: None,
        lines: vec!["123 Oak Ave".into()],
        city: Some("Purchase".into()),
        region_code: Some("NY".into()),
        postal_code: Some(postcode.into()),
        country: Some(CountryCode::US),
        phone: Some("512-555-1111".into()),
    }
}

#[test]
fn tutorial_order_maps_exactly() {
    let order = Order::try_from(&magento_order(ORDER_3)).unwrap();
    let address = jane_ny("10577");
    let expected = Order {
        ids: ids("3"),
        source: System::Magento,
        number: "000000003".into(),
        currency: Currency::USD,
        customer: Some(Customer {
            ids: ids("3"),
            email: Some("jdoe@example.com".into()),
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            phone: Some("512-555-1111".into()),
            address: Some(address.clone()),
        }),
        email: Some("jdoe@example.com".into()),
        billing_address: Some(address.clone()),
        shipping_address: Some(address),
        line_items: vec![LineItem {
            ids: ids("3"),
            sku: Some("WS12-M-Orange".into()),
            variant_id: Some("1553".into()),
            name: "Radiant Tee-M-Orange".into(),
            quantity: 1,
            unit_price: usd(2200),
            discount: usd(0),
            tax: usd(0),
            total: usd(2200),
        }],
        shipping: usd(500),
        discount: usd(0),
        tax: usd(0),
        total: usd(16500),
        presentment_total: None,
        adjustments: Vec::new(),
        financial_status: FinancialStatus::Pending,
    };
    assert_eq!(order, expected);
    // Base and order currency are both USD: the base view is the same order.
    let base = order_from_magento(&magento_order(ORDER_3), AmountBasis::Base).unwrap();
    assert_eq!(base, expected);
}

#[test]
fn configurable_and_bundles_are_counted_once_in_the_order_currency() {
    let order = Order::try_from(&magento_order(ORDER_41)).unwrap();
    assert_eq!(order.currency, Currency::EUR);
    assert_eq!(order.ids.get(System::Magento), Some("41"));
    assert_eq!(order.number, "000000041");
    let lines: Vec<_> = order
        .line_items
        .iter()
        .map(|l| {
            (
                l.ids.get(System::Magento).unwrap(),
                l.sku.as_deref().unwrap(),
                l.name.as_str(),
                l.quantity,
                l.unit_price,
                l.discount,
                l.tax,
                l.total,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            // Configurable: the parent's price, quantity and name, the child's SKU.
            (
                "10",
                "WS12-M-Orange",
                "Radiant Tee",
                2,
                eur(2200),
                eur(440),
                eur(320),
                eur(4280)
            ),
            // Dynamic bundle: the priced children, not the parent.
            (
                "13",
                "24-WG081-blue",
                "Sprite Stasis Ball 55 cm",
                1,
                eur(2300),
                eur(0),
                eur(184),
                eur(2484)
            ),
            (
                "14",
                "24-WG085",
                "Sprite Yoga Strap 6 foot",
                2,
                eur(1400),
                eur(0),
                eur(224),
                eur(3024)
            ),
            // Fixed-price bundle: the parent only.
            (
                "15",
                "FK-1",
                "Fixed Kit",
                1,
                eur(5000),
                eur(0),
                eur(0),
                eur(5000)
            ),
        ]
    );
    assert_eq!(order.shipping, eur(1000));
    assert_eq!(order.tax, eur(728));
    // -5.40 on the order, 4.40 of it on the tee: the 1.00 shipping discount is order-level.
    assert_eq!(order.discount, eur(100));
    assert_eq!(order.total, eur(15688));
    assert_eq!(order.presentment_total, None);
    assert_eq!(
        order
            .lines_total()
            .unwrap()
            .checked_add(order.shipping)
            .unwrap()
            .checked_sub(order.discount)
            .unwrap(),
        order.total
    );
    assert_eq!(order.financial_status, FinancialStatus::Paid);
    assert_eq!(order.email.as_deref(), Some("guest@example.com"));
    let customer = order.customer.as_ref().unwrap();
    assert_eq!(
        customer.ids,
        ExternalIds::new(),
        "a guest has no Magento customer id"
    );
    assert_eq!(customer.first_name.as_deref(), Some("Ada"));
    assert_eq!(customer.phone.as_deref(), Some("415-555-0100"));
    assert_eq!(
        order.billing_address,
        Some(Address {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            company: None,
            lines: vec!["1 Market St".into(), "Suite 300".into()],
            city: Some("San Francisco".into()),
            region_code: Some("CA".into()),
            postal_code: Some("94103-1234".into()),
            country: Some(CountryCode::US),
            phone: Some("415-555-0100".into()),
        })
    );
    assert_eq!(
        order.shipping_address,
        Some(Address {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            company: None,
            lines: vec!["1250 Boulevard René-Lévesque O".into()],
            city: Some("Montréal".into()),
            region_code: Some("QC".into()),
            postal_code: Some("H3B 4W8".into()),
            country: Some(CountryCode::CA),
            phone: Some("514-555-0199".into()),
        })
    );
}

#[test]
fn base_basis_uses_base_amounts_and_fills_the_presentment_total() {
    let order = order_from_magento(&magento_order(ORDER_41), AmountBasis::Base).unwrap();
    assert_eq!(order.currency, Currency::USD);
    let totals: Vec<_> = order.line_items.iter().map(|l| l.total).collect();
    assert_eq!(totals, vec![usd(5350), usd(3105), usd(3780), usd(6250)]);
    assert_eq!(order.line_items[0].unit_price, usd(2750));
    assert_eq!(order.shipping, usd(1250));
    assert_eq!(order.tax, usd(910));
    assert_eq!(order.discount, usd(125));
    assert_eq!(order.total, usd(19610));
    assert_eq!(order.presentment_total, Some(eur(15688)));
}

#[test]
fn error_paths_name_the_magento_field() {
    let cases: Vec<(magento::Order, &str)> = vec![
        (
            edited(ORDER_3, |v| v["entity_id"] = Value::Null),
            "order.entity_id",
        ),
        (
            edited(ORDER_3, |v| v["increment_id"] = json!("")),
            "order.increment_id",
        ),
        (
            edited(ORDER_3, |v| v["order_currency_code"] = Value::Null),
            "order.order_currency_code",
        ),
        (
            edited(ORDER_3, |v| v["grand_total"] = Value::Null),
            "order.grand_total",
        ),
        (
            edited(ORDER_3, |v| v["items"][0]["price"] = Value::Null),
            "order.items[0].price",
        ),
        (
            edited(ORDER_3, |v| v["items"][0]["name"] = Value::Null),
            "order.items[0].name",
        ),
    ];
    for (order, path) in cases {
        let err = map_err(&order);
        assert_eq!(
            err,
            MappingError::MissingField { field: path.into() },
            "{path}"
        );
    }

    let err = map_err(&edited(ORDER_3, |v| {
        v["order_currency_code"] = json!("ZZZ")
    }));
    assert_eq!(
        err,
        MappingError::UnknownCurrency {
            field: "order.order_currency_code".into(),
            value: "ZZZ".into()
        }
    );
    let err = order_from_magento(
        &edited(ORDER_3, |v| v["base_currency_code"] = json!("XAU")),
        AmountBasis::Base,
    )
    .unwrap_err();
    assert_eq!(err.field(), "order.base_currency_code");

    let err = map_err(&edited(ORDER_3, |v| {
        v["items"][0]["price"] = json!("22.0050")
    }));
    assert_eq!(
        err,
        MappingError::PrecisionLoss {
            field: "order.items[0].price".into(),
            value: "22.0050".into(),
            currency: "USD".into(),
            exponent: 2
        }
    );
    let err = map_err(&edited(ORDER_3, |v| v["grand_total"] = json!(165.001)));
    assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{err}");
    assert_eq!(err.field(), "order.grand_total");
    let err = map_err(&edited(ORDER_41, |v| {
        v["items"][3]["tax_amount"] = json!("1.8450")
    }));
    assert_eq!(err.field(), "order.items[3].tax_amount");
    let err = map_err(&edited(ORDER_41, |v| {
        v["shipping_amount"] = json!("10.005")
    }));
    assert_eq!(err.field(), "order.shipping_amount");

    let invalid = [
        (
            edited(ORDER_3, |v| v["items"][0]["qty_ordered"] = json!(1.5)),
            "order.items[0].qty_ordered",
        ),
        (
            edited(ORDER_3, |v| v["items"][0]["qty_ordered"] = json!(0)),
            "order.items[0].qty_ordered",
        ),
        (
            edited(ORDER_3, |v| {
                v["billing_address"]["postcode"] = json!("ABCDE")
            }),
            "order.billing_address.postcode",
        ),
        (
            edited(ORDER_3, |v| {
                v["billing_address"]["country_id"] = json!("XX")
            }),
            "order.billing_address.country_id",
        ),
        (
            edited(ORDER_3, |v| {
                v["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]["region_code"] =
                    json!("ZZ")
            }),
            "order.extension_attributes.shipping_assignments[0].shipping.address.region_code",
        ),
        (
            edited(ORDER_41, |v| {
                v["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]["region"] =
                    json!("Texas")
            }),
            "order.extension_attributes.shipping_assignments[0].shipping.address.region",
        ),
        (
            edited(ORDER_3, |v| v["items"][0]["parent_item_id"] = json!(99)),
            "order.items[0].parent_item_id",
        ),
        (
            edited(ORDER_3, |v| v["discount_amount"] = json!(5)),
            "order.discount_amount",
        ),
        (
            // The order says 1.00 of discount, the tee alone carries 4.40.
            edited(ORDER_41, |v| v["discount_amount"] = json!(-1)),
            "order.discount_amount",
        ),
    ];
    for (order, path) in invalid {
        let err = map_err(&order);
        assert!(
            matches!(err, MappingError::InvalidValue { .. }),
            "{path}: {err}"
        );
        assert_eq!(err.field(), path);
    }
}

#[test]
fn financial_status_from_state_status_and_totals() {
    let status = |edit: fn(&mut Value)| {
        Order::try_from(&edited(ORDER_3, edit))
            .unwrap()
            .financial_status
    };
    assert_eq!(status(|_| {}), FinancialStatus::Pending);
    assert_eq!(
        status(|v| {
            v["state"] = json!("processing");
            v["total_paid"] = json!(165);
        }),
        FinancialStatus::Paid
    );
    assert_eq!(
        status(|v| {
            v["state"] = json!("processing");
            v["total_paid"] = json!("100.0000");
        }),
        FinancialStatus::PartiallyPaid
    );
    assert_eq!(
        status(|v| {
            v["state"] = json!("closed");
            v["total_paid"] = json!(165);
            v["total_refunded"] = json!(165);
        }),
        FinancialStatus::Refunded
    );
    assert_eq!(
        status(|v| {
            v["payment"]["amount_authorized"] = json!(165);
            v["state"] = json!("processing");
        }),
        FinancialStatus::Authorized
    );
    assert_eq!(
        status(|v| v["state"] = json!("canceled")),
        FinancialStatus::Voided
    );
    assert_eq!(
        status(|v| {
            v["state"] = Value::Null;
            v["status"] = json!("payment_failed");
        }),
        FinancialStatus::Unknown("payment_failed".into())
    );
    assert_eq!(
        status(|v| v["state"] = json!("fraud_check")),
        FinancialStatus::Unknown("fraud_check".into())
    );
}

#[test]
fn financial_status_into_magento_state_and_status() {
    let update = to_magento_order_status(&FinancialStatus::Paid).unwrap();
    assert_eq!(update.state, magento::OrderState::Processing);
    assert_eq!(update.status, "processing");
    let update = to_magento_order_status(&FinancialStatus::Refunded).unwrap();
    assert_eq!(update.state, magento::OrderState::Closed);
    let err = to_magento_order_status(&FinancialStatus::Unknown("weird".into())).unwrap_err();
    assert_eq!(
        err,
        MappingError::UnknownStatus {
            field: "order.financial_status".into(),
            value: "weird".into(),
            target: "Magento"
        }
    );
}

fn stripe_payment(kind: PaymentKind, status: PaymentStatus, amount: Money) -> Payment {
    Payment {
        ids: ExternalIds::new().with(System::Stripe, "pi_3Nabc"),
        order_number: Some("000000003".into()),
        card_brand: Some(mapping::CardBrand::Visa),
        card_last4: Some(mapping::Last4::from_masked("4242", "card").unwrap()),
        ..Payment::new(System::Stripe, kind, status, amount)
    }
}

#[test]
fn captured_payment_becomes_an_offline_invoice_with_a_comment() {
    let order = magento_order(ORDER_3);
    let payment = stripe_payment(PaymentKind::Sale, PaymentStatus::Captured, usd(16500));
    let ctx = InvoiceCtx {
        order: &order,
        capture: CaptureMode::Offline,
        lines: None,
        notify: true,
    };
    let invoice = to_magento_invoice(&payment, &ctx).unwrap();
    assert_eq!(
        invoice,
        magento::CreateInvoice {
            capture: false,
            items: vec![],
            notify: true,
            append_comment: false,
            comment: Some(magento::DocumentComment::internal(
                "Stripe captured 165.00 USD, transaction pi_3Nabc."
            )),
        }
    );
    let text = &invoice.comment.unwrap().comment;
    assert!(
        !text.contains("4242") && !text.to_lowercase().contains("visa"),
        "{text}"
    );

    let comment = to_magento_payment_comment(&payment, &FinancialStatus::Paid).unwrap();
    assert_eq!(
        comment,
        magento::NewOrderComment {
            comment: "Stripe captured 165.00 USD, transaction pi_3Nabc.".into(),
            status: Some("processing".into()),
            notify_customer: false,
            visible_on_front: false,
        }
    );
}

#[test]
fn online_capture_matches_the_tutorial_invoice_request() {
    let order = magento_order(ORDER_3);
    let payment = stripe_payment(
        PaymentKind::Authorization,
        PaymentStatus::Authorized,
        usd(16500),
    );
    let ctx = InvoiceCtx {
        order: &order,
        capture: CaptureMode::Online,
        lines: None,
        notify: true,
    };
    let invoice = to_magento_invoice(&payment, &ctx).unwrap();
    let mut body = serde_json::to_value(&invoice).unwrap();
    assert_eq!(
        body["comment"]["comment"],
        "Stripe authorized 165.00 USD, transaction pi_3Nabc."
    );
    body.as_object_mut().unwrap().remove("comment");
    let tutorial: Value = serde_json::from_str(INVOICE_REQUEST).unwrap();
    assert_eq!(body, tutorial);
}

#[test]
fn partial_invoices_take_lines_and_bad_inputs_are_refused() {
    let wire = magento_order(ORDER_41);
    let order = Order::try_from(&wire).unwrap();
    let partial = stripe_payment(PaymentKind::Sale, PaymentStatus::Captured, eur(5000));
    let unpaid = edited(ORDER_41, |v| v["total_invoiced"] = Value::Null);
    let lines = [order.line_items[3].clone()];
    let ctx = InvoiceCtx {
        order: &unpaid,
        capture: CaptureMode::Offline,
        lines: Some(&lines),
        notify: false,
    };
    let invoice = to_magento_invoice(&partial, &ctx).unwrap();
    assert_eq!(invoice.items, vec![magento::ItemQty::new(15, 1)]);
    assert_eq!(
        to_magento_invoice_items(&order.line_items).unwrap(),
        vec![
            magento::ItemQty::new(10, 2),
            magento::ItemQty::new(13, 1),
            magento::ItemQty::new(14, 2),
            magento::ItemQty::new(15, 1),
        ]
    );

    let without_lines = InvoiceCtx { lines: None, ..ctx };
    let err = to_magento_invoice(&partial, &without_lines).unwrap_err();
    assert_eq!(err.field(), "payment.amount");
    assert!(matches!(err, MappingError::InvalidValue { .. }));
    // Everything already invoiced: nothing is due, so the full amount does not match either.
    let full = stripe_payment(PaymentKind::Sale, PaymentStatus::Captured, eur(15688));
    let invoiced = InvoiceCtx {
        order: &wire,
        ..without_lines
    };
    assert_eq!(
        to_magento_invoice(&full, &invoiced).unwrap_err().field(),
        "payment.amount"
    );
    assert!(
        to_magento_invoice(&full, &without_lines)
            .unwrap()
            .items
            .is_empty()
    );

    let in_usd = stripe_payment(PaymentKind::Sale, PaymentStatus::Captured, usd(15688));
    assert_eq!(
        to_magento_invoice(&in_usd, &without_lines).unwrap_err(),
        MappingError::CurrencyMismatch {
            field: "payment.amount".into(),
            left: "USD".into(),
            right: "EUR".into()
        }
    );
    let authorized = stripe_payment(
        PaymentKind::Authorization,
        PaymentStatus::Authorized,
        eur(15688),
    );
    assert_eq!(
        to_magento_invoice(&authorized, &without_lines)
            .unwrap_err()
            .field(),
        "payment.status"
    );
    let online = InvoiceCtx {
        capture: CaptureMode::Online,
        ..without_lines
    };
    assert_eq!(
        to_magento_invoice(&full, &online).unwrap_err().field(),
        "payment.status"
    );

    let mut no_id = full.clone();
    no_id.ids = ExternalIds::new();
    assert_eq!(
        to_magento_invoice(&no_id, &without_lines).unwrap_err(),
        MappingError::MissingField {
            field: "payment.transaction_id".into()
        }
    );
    let mut foreign = order.line_items[0].clone();
    foreign.ids = ExternalIds::new();
    assert_eq!(
        to_magento_invoice_items(&[foreign]).unwrap_err().field(),
        "lines[0].ids.magento"
    );
}

#[test]
fn declined_payment_becomes_the_failed_payment_input() {
    let mut payment = stripe_payment(PaymentKind::Sale, PaymentStatus::Declined, usd(16500));
    payment.ids = ExternalIds::new().with(System::Stripe, "ch_3Ndecl");
    payment.message = Some("Your card was declined (card 4242 4242 4242 4242)".into());
    let ctx = FailureCtx {
        status: "payment_failed".into(),
        state: magento::OrderState::PendingPayment,
        notify_customer: false,
    };
    let failure = to_magento_payment_failure(&payment, &ctx).unwrap();
    assert_eq!(
        failure,
        magento::PaymentFailure {
            status: "payment_failed".into(),
            state: magento::OrderState::PendingPayment,
            comment: "Stripe declined 165.00 USD, transaction ch_3Ndecl. Reason: Your card was declined (card [redacted]).".into(),
            notify_customer: false,
        }
    );
    payment.ids = ExternalIds::new();
    payment.message = None;
    assert_eq!(
        to_magento_payment_failure(&payment, &ctx).unwrap().comment,
        "Stripe declined 165.00 USD, no transaction id."
    );
    let captured = stripe_payment(PaymentKind::Sale, PaymentStatus::Captured, usd(16500));
    assert_eq!(
        to_magento_payment_failure(&captured, &ctx)
            .unwrap_err()
            .field(),
        "payment.status"
    );
    let unset = FailureCtx {
        status: " ".into(),
        ..ctx
    };
    assert_eq!(
        to_magento_payment_failure(&payment, &unset).unwrap_err(),
        MappingError::MissingField {
            field: "failure.status".into()
        }
    );
}

#[test]
fn tutorial_customer_round_trips() {
    let wire: magento::Customer = serde_json::from_str(CUSTOMER_RESPONSE).unwrap();
    let customer = Customer::try_from(&wire).unwrap();
    assert_eq!(
        customer,
        Customer {
            ids: ids("2"),
            email: Some("jdoe@example.com".into()),
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            phone: Some("512-555-1111".into()),
            address: Some(jane_ny("10755")),
        }
    );
    let ctx = CustomerCtx {
        existing: Some(&wire),
        ..CustomerCtx::default()
    };
    assert_eq!(to_magento_customer(&customer, &ctx).unwrap(), wire);

    // A change of address replaces the default billing address in place, keeping its id.
    let mut moved = customer.clone();
    let address = moved.address.as_mut().unwrap();
    address.region_code = Some("Ontario".into());
    address.country = Some(CountryCode::CA);
    address.postal_code = Some("k1a0b1".into());
    let out = to_magento_customer(&moved, &ctx).unwrap();
    assert_eq!(out.addresses.len(), 1);
    let written = &out.addresses[0];
    assert_eq!(
        (written.id, written.default_shipping),
        (Some(2), Some(true))
    );
    assert_eq!(
        written.region,
        Some(magento::Region {
            region_code: Some("ON".into()),
            region: Some("Ontario".into()),
            region_id: None
        })
    );
    assert_eq!(
        written.region_id, None,
        "the old New York region id must not follow"
    );
    assert_eq!(written.postcode.as_deref(), Some("K1A 0B1"));
}

#[test]
fn tutorial_customer_request_maps_in_and_out() {
    let body: Value = serde_json::from_str(CUSTOMER_REQUEST).unwrap();
    let wire: magento::Customer = serde_json::from_value(body["customer"].clone()).unwrap();
    let customer = Customer::try_from(&wire).unwrap();
    assert_eq!(customer.ids, ExternalIds::new());
    assert_eq!(customer.address, Some(jane_ny("10755")));
    let out = to_magento_customer(
        &customer,
        &CustomerCtx {
            website_id: Some(1),
            ..CustomerCtx::default()
        },
    )
    .unwrap();
    let sent = serde_json::to_value(&out).unwrap();
    assert_eq!(
        sent,
        json!({
            "website_id": 1,
            "email": "jdoe@example.com",
            "firstname": "Jane",
            "lastname": "Doe",
            "addresses": [{
                "region": {"region_code": "NY", "region": "New York"},
                "country_id": "US",
                "street": ["123 Oak Ave"],
                "telephone": "512-555-1111",
                "postcode": "10755",
                "city": "Purchase",
                "firstname": "Jane",
                "lastname": "Doe",
                "default_billing": true
            }]
        })
    );
}

#[test]
fn customer_errors_name_the_field() {
    let wire: magento::Customer = serde_json::from_str(CUSTOMER_RESPONSE).unwrap();
    let mut bad = serde_json::to_value(&wire).unwrap();
    bad["addresses"][0]["region"]["region_code"] = json!("ZZ");
    let err =
        Customer::try_from(&serde_json::from_value::<magento::Customer>(bad).unwrap()).unwrap_err();
    assert_eq!(err.field(), "customer.addresses[0].region.region_code");

    let good = Customer::try_from(&wire).unwrap();
    let ctx = CustomerCtx::default();
    type Edit = fn(&mut Customer);
    let cases: Vec<(Edit, &str)> = vec![
        (|c| c.email = None, "customer.email"),
        (|c| c.first_name = Some(" ".into()), "customer.first_name"),
        (|c| c.last_name = None, "customer.last_name"),
        (
            |c| c.address.as_mut().unwrap().lines.clear(),
            "customer.address.lines",
        ),
        (
            |c| c.address.as_mut().unwrap().city = None,
            "customer.address.city",
        ),
        (
            |c| c.address.as_mut().unwrap().country = None,
            "customer.address.country",
        ),
    ];
    for (edit, path) in cases {
        let mut customer = good.clone();
        edit(&mut customer);
        let err = to_magento_customer(&customer, &ctx).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingField { field: path.into() },
            "{path}"
        );
    }
    let mut customer = good.clone();
    customer.address.as_mut().unwrap().region_code = Some("Atlantis".into());
    assert_eq!(
        to_magento_customer(&customer, &ctx).unwrap_err().field(),
        "customer.address.region_code"
    );
    let mut customer = good.clone();
    customer.ids = ids("7");
    let other = CustomerCtx {
        existing: Some(&wire),
        ..ctx
    };
    assert_eq!(
        to_magento_customer(&customer, &other).unwrap_err().field(),
        "customer.ids.magento"
    );
    customer.ids = ids("not-a-number");
    assert_eq!(
        to_magento_customer(&customer, &ctx).unwrap_err().field(),
        "customer.ids.magento"
    );
}
