//! Official PayTrace bodies (see `fixtures/paytrace/README.md`) parsed by the `paytrace` client
//! crate's types and mapped into the canonical model, and canonical data mapped into request
//! bodies compared with PayTrace's own samples.
#![cfg(feature = "paytrace")]
#![allow(clippy::unwrap_used)]

use mapping::paytrace::{
    OrderCtx, SettlementCtx, TransactionCtx, to_capture_request, to_customer_request,
    to_keyed_request, to_payment, to_protect_request, to_refund, to_refund_by_void,
    to_refund_request, to_settlement_lines, to_void_transaction, with_vault_id,
};
use mapping::{
    Address, AvsResult, CountryCode, Currency, Customer, CvvResult, ExternalIds, FinancialStatus,
    MappingError, Money, Order, Payment, PaymentKind, PaymentStatus, Refund, RefundStatus,
    SettlementKind, System,
};
use paytrace::{
    CreditCard, CustomerResponse, ProtectToken, TransactionExport, TransactionId,
    TransactionResponse,
};
use serde_json::Value;
use time::macros::{datetime, offset};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/paytrace/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture as JSON, numbers kept exactly as written.
fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Parses `body` with the client crate's own response type.
fn transaction(body: &str) -> TransactionResponse {
    serde_json::from_str(body).unwrap()
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

const CTX: OrderCtx<'static> = OrderCtx {
    store_prefix: "",
    email_receipt: false,
};

/// The order behind the narch/paytracer keyed sale: $51.88 billed to Nathan Williams.
fn order() -> Order {
    Order {
        ids: ExternalIds::new().with(System::Shopify, "450789469"),
        source: System::Shopify,
        number: "#1001".into(),
        currency: Currency::USD,
        customer: Some(Customer {
            ids: ExternalIds::new().with(System::Paytrace, "1733439821"),
            ..Customer::default()
        }),
        email: Some("nathan@example.com".into()),
        billing_address: Some(Address {
            first_name: Some("Nathan".into()),
            last_name: Some("Williams".into()),
            lines: vec!["1234 Main St.".into()],
            city: Some("Los Angeles".into()),
            region_code: Some("California".into()),
            postal_code: Some("90210".into()),
            country: Some(CountryCode::US),
            ..Address::default()
        }),
        shipping_address: None,
        line_items: vec![],
        shipping: usd(0),
        discount: usd(0),
        tax: usd(0),
        total: usd(5188),
        presentment_total: None,
        adjustments: Vec::new(),
        financial_status: FinancialStatus::Pending,
    }
}

fn sale_ctx(kind: PaymentKind) -> TransactionCtx {
    TransactionCtx::for_order(&order(), kind, &CTX).unwrap()
}

#[test]
fn keyed_sale_body_matches_paytraces_sample() {
    let card = CreditCard::plain("4012000098765439", 12, 2026);
    let request = to_keyed_request(&order(), &CTX, card, None).unwrap();
    let mut expected = fixture_json("keyed_sale_request.json");
    let body = expected.as_object_mut().unwrap();
    // The client adds `integrator_id`; the mapping adds the reference and the ISO country.
    body.remove("integrator_id");
    body.insert("invoice_id".into(), "1001".into());
    body["billing_address"]
        .as_object_mut()
        .unwrap()
        .insert("country".into(), "US".into());
    assert_eq!(serde_json::to_value(&request).unwrap(), expected);
}

#[test]
fn protect_and_vault_bodies() {
    let order = Order {
        tax: usd(388),
        ..order()
    };
    let protect = to_protect_request(&order, &CTX, ProtectToken::new("hpf-1", "enc-1")).unwrap();
    let body = serde_json::to_value(&protect).unwrap();
    assert_eq!(body["hpf_token"], "hpf-1");
    assert_eq!(body["enc_key"], "enc-1");
    assert_eq!(body["amount"].to_string(), "51.88");
    assert_eq!(body["tax_amount"].to_string(), "3.88");
    assert_eq!(body["invoice_id"], "1001");
    assert_eq!(body["billing_address"]["state"], "CA");
    let vault = to_customer_request(&order, &CTX).unwrap();
    assert_eq!(vault.customer_id, "1733439821");
    assert_eq!(vault.amount.to_string(), "51.88");
}

#[test]
fn approved_keyed_sale() {
    let response = transaction(&fixture("keyed_sale_approved.json"));
    let payment = to_payment(&response, &sale_ctx(PaymentKind::Sale)).unwrap();
    let expected = Payment {
        ids: ExternalIds::new().with(System::Paytrace, "125391271"),
        order_number: Some("#1001".into()),
        reference: Some("1001".into()),
        card_last4: Some(mapping::Last4::from_masked("5439", "last4").unwrap()),
        avs: Some(AvsResult::NoMatch),
        cvv: Some(CvvResult::Unavailable),
        approval_code: Some("TAS445".into()),
        ..Payment::new(
            System::Paytrace,
            PaymentKind::Sale,
            PaymentStatus::Captured,
            usd(5188),
        )
    };
    assert_eq!(payment, expected);
}

#[test]
fn approved_vault_sale_has_no_card_digits() {
    let response = transaction(&fixture("sale_by_customer_ok.json"));
    let ctx = TransactionCtx::for_vault_order(&order(), PaymentKind::Sale, &CTX).unwrap();
    let payment = to_payment(&response, &ctx).unwrap();
    assert_eq!(payment.transaction_id().unwrap(), "125391269");
    assert_eq!(payment.status, PaymentStatus::Captured);
    assert_eq!(payment.approval_code.as_deref(), Some("TAS349"));
    assert_eq!(payment.vault_id.as_deref(), Some("1733439821"));
    assert_eq!(payment.card_last4, None);
}

#[test]
fn declines_are_payments_with_a_message() {
    let cases = [
        (
            "sale_declined.json",
            PaymentKind::Sale,
            "392501201",
            "DECLINE - Do not honor",
        ),
        (
            "auth_declined_expired.json",
            PaymentKind::Authorization,
            "395971008",
            "EXPIRED CARD - Expired card",
        ),
    ];
    for (name, kind, id, message) in cases {
        let payment = to_payment(&transaction(&fixture(name)), &sale_ctx(kind)).unwrap();
        assert_eq!(payment.status, PaymentStatus::Declined, "{name}");
        assert_eq!(payment.kind, kind);
        assert_eq!(payment.transaction_id().unwrap(), id);
        assert_eq!(payment.message.as_deref(), Some(message));
        assert_eq!(payment.approval_code, None);
        assert_eq!(payment.avs, Some(AvsResult::NoMatch));
        assert_eq!(payment.card_last4.as_ref().unwrap().as_str(), "5439");
        assert_eq!(payment.amount, usd(5188));
    }
}

fn authorized() -> Payment {
    let response =
        transaction(&fixture("keyed_sale_approved.json").replace("125391271", "392442990"));
    to_payment(&response, &sale_ctx(PaymentKind::Authorization)).unwrap()
}

#[test]
fn capture_then_void_round_trip() {
    let auth = authorized();
    assert_eq!(auth.status, PaymentStatus::Authorized);
    let capture = to_capture_request(&auth, Some(&usd(5000))).unwrap();
    assert_eq!(capture.transaction_id, TransactionId(392442990));
    assert_eq!(capture.amount.unwrap().to_string(), "50.00");

    let ctx = TransactionCtx {
        kind: PaymentKind::Capture,
        amount: usd(5000),
        ..sale_ctx(PaymentKind::Capture)
    };
    let captured = to_payment(&transaction(&fixture("capture_ok.json")), &ctx).unwrap();
    assert_eq!(captured.status, PaymentStatus::Captured);
    assert_eq!(captured.transaction_id().unwrap(), "392442990");
    assert_eq!(captured.amount, usd(5000));
    assert_eq!((captured.avs.clone(), captured.cvv.clone()), (None, None));

    assert_eq!(
        to_void_transaction(&captured).unwrap(),
        TransactionId(392442990)
    );
    let ctx = TransactionCtx {
        kind: PaymentKind::Void,
        ..ctx
    };
    let voided = to_payment(&transaction(&fixture("void_ok.json")), &ctx).unwrap();
    assert_eq!(voided.status, PaymentStatus::Voided);
    assert_eq!(voided.transaction_id().unwrap(), "395971574");
}

fn refund() -> Refund {
    Refund {
        ids: ExternalIds::new().with(System::Shopify, "509562969"),
        gateway: System::Paytrace,
        payment_transaction_id: Some("79388123".into()),
        order_number: Some("#1001".into()),
        amount: usd(1050),
        presentment_amount: None,
        status: RefundStatus::Pending,
        reason: Some("damaged".into()),
        processed_at: None,
    }
}

#[test]
fn refund_request_and_responses() {
    let request = to_refund_request(&refund()).unwrap();
    assert_eq!(request.transaction_id, TransactionId(79388123));
    assert_eq!(request.amount.unwrap().to_string(), "10.50");

    let refunded = to_refund(&refund(), &transaction(&fixture("refund_ok.json"))).unwrap();
    assert_eq!(refunded.status, RefundStatus::Succeeded);
    assert_eq!(refunded.ids.get(System::Paytrace), Some("105968559"));
    assert_eq!(refunded.ids.get(System::Shopify), Some("509562969"));
    assert_eq!(refunded.amount, usd(1050));
    // Sending the same refund twice would pay it out twice: refused.
    assert_eq!(
        to_refund_request(&refunded).unwrap_err().field(),
        "refund.ids.paytrace"
    );

    let by_void = to_refund_by_void(&refund(), &transaction(&fixture("void_ok.json"))).unwrap();
    assert_eq!(by_void.status, RefundStatus::Succeeded);
    assert_eq!(by_void.ids.get(System::Paytrace), Some("395971574"));
}

#[test]
fn vault_ids_from_customer_responses() {
    let customer = Customer {
        ids: ExternalIds::new().with(System::Shopify, "207119551"),
        ..Customer::default()
    };
    for (name, id) in [
        ("customer_create_ok.json", "1733439821"),
        ("customer_update_ok.json", "customer456"),
    ] {
        let response: CustomerResponse = serde_json::from_str(&fixture(name)).unwrap();
        let vaulted = with_vault_id(&customer, &response).unwrap();
        assert_eq!(vaulted.ids.get(System::Paytrace), Some(id), "{name}");
        assert_eq!(vaulted.ids.get(System::Shopify), Some("207119551"));
    }
}

const SETTLEMENT: SettlementCtx = SettlementCtx {
    account_utc_offset: offset!(-7),
};

#[test]
fn exported_batch_into_settlement_lines() {
    let export: TransactionExport =
        serde_json::from_str(&fixture("export_by_date_range.json")).unwrap();
    let lines = to_settlement_lines(&export, &SETTLEMENT).unwrap();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line.gateway, System::Paytrace);
    assert_eq!(line.batch_id, "571");
    assert_eq!(line.transaction_id, "79388123");
    assert_eq!(line.reference.as_deref(), Some("inv1234"));
    assert_eq!(line.kind, SettlementKind::Charge);
    assert_eq!(line.gross, usd(11000));
    assert_eq!(line.fee, usd(0));
    assert_eq!(line.net, usd(11000));
    assert_eq!(line.settled_at, Some(datetime!(2015-04-10 20:13:45 -7)));
    line.check().unwrap();

    let record = &export.transactions[0];
    let billing = Address::try_from(record.billing_address.as_ref().unwrap()).unwrap();
    assert_eq!(
        billing,
        Address {
            first_name: Some("Kevin".into()),
            lines: vec!["8320 E. West St.".into()],
            city: Some("Spokane".into()),
            region_code: Some("WA".into()),
            postal_code: Some("85284".into()),
            country: Some(CountryCode::US),
            ..Address::default()
        }
    );
    let shipping =
        mapping::paytrace::address_from_paytrace(record.shipping_address.as_ref()).unwrap();
    assert_eq!(shipping.unwrap().postal_code.as_deref(), Some("85284"));
}

/// The export fixture with one record field replaced (or removed when `value` is `None`).
fn export_with(field: &str, value: Option<Value>) -> TransactionExport {
    let mut body = fixture_json("export_by_date_range.json");
    let record = body["transactions"][0].as_object_mut().unwrap();
    match value {
        Some(value) => record.insert(field.into(), value),
        None => record.remove(field),
    };
    serde_json::from_value(body).unwrap()
}

#[test]
fn error_paths_name_the_field() {
    // Missing field: an export record without its type, an approval without its id.
    let err = to_settlement_lines(&export_with("transaction_type", None), &SETTLEMENT).unwrap_err();
    assert_eq!(
        err,
        MappingError::MissingField {
            field: "transactions[0].transaction_type".into()
        }
    );
    let mut approved = fixture_json("keyed_sale_approved.json");
    approved.as_object_mut().unwrap().remove("transaction_id");
    let approved: TransactionResponse = serde_json::from_value(approved).unwrap();
    let err = to_payment(&approved, &sale_ctx(PaymentKind::Sale)).unwrap_err();
    assert_eq!(
        err,
        MappingError::MissingField {
            field: "transaction_id".into()
        }
    );

    // Bad currency: PayTrace transactions are in US dollars.
    let eur = Order {
        currency: Currency::EUR,
        total: Money::from_minor(5188, Currency::EUR),
        ..order()
    };
    let err = to_customer_request(&eur, &CTX).unwrap_err();
    assert!(matches!(err, MappingError::Unrepresentable { .. }), "{err}");
    assert_eq!(err.field(), "order.total");

    // Too many decimals: a settled amount with three.
    let three = serde_json::from_str::<Value>("110.005").unwrap();
    let err = to_settlement_lines(&export_with("amount", Some(three)), &SETTLEMENT).unwrap_err();
    assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{err}");
    assert_eq!(err.field(), "transactions[0].amount");

    // A record that has not settled cannot be a settlement line.
    let err = to_settlement_lines(&export_with("status_code", Some("Y".into())), &SETTLEMENT)
        .unwrap_err();
    assert_eq!(err.field(), "transactions[0].status_code");

    // Unknown status: an unknown response code maps to `Unknown`, which cannot then be captured.
    let odd = transaction(&fixture("keyed_sale_approved.json").replace("101", "175"));
    let payment = to_payment(&odd, &sale_ctx(PaymentKind::Authorization)).unwrap();
    assert_eq!(
        payment.status,
        PaymentStatus::Unknown("175 for authorization".into())
    );
    let err = to_capture_request(&payment, None).unwrap_err();
    assert!(matches!(err, MappingError::UnknownStatus { .. }), "{err}");
    assert_eq!(err.field(), "payment.status");
    assert_eq!(err.value(), Some("175 for authorization"));

    // Bad address data in an order names the canonical field.
    let mut bad_zip = order();
    bad_zip.billing_address.as_mut().unwrap().postal_code = Some("9021".into());
    let err = to_keyed_request(
        &bad_zip,
        &CTX,
        CreditCard::plain("4012000098765439", 12, 2026),
        None,
    )
    .unwrap_err();
    assert_eq!(err.field(), "order.billing_address.postal_code");
    assert!(!err.to_string().contains("4012000098765439"));
}
