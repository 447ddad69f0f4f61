//! Stripe's official fixtures (API 2023-08-16) through `stripe-client`'s typed parser and into
//! the canonical model, with exact amounts, currencies, statuses, ids and error paths.
#![cfg(feature = "stripe")]
#![allow(clippy::unwrap_used)]

use mapping::stripe::{
    PayoutSummary, StripeCtx, to_create_payment_intent, to_settlement_line, to_settlement_lines,
};
use mapping::{
    AvsResult, CardBrand, Currency, Customer, CvvResult, Dispute, DisputeStatus, ExternalIds,
    FinancialStatus, MappingError, Money, Order, Payment, PaymentKind, PaymentStatus, PayoutStatus,
    Refund, RefundStatus, SettlementKind, System,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const FIXTURES: &str = include_str!("fixtures/stripe/official_fixtures.json");

/// The official example object of `resource`.
fn fixture(resource: &str) -> Value {
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    all[resource].clone()
}

/// The fixture with `overrides` applied to its top-level fields, through the typed parser.
fn typed<T: DeserializeOwned>(resource: &str, overrides: Value) -> T {
    let mut value = fixture(resource);
    for (k, v) in overrides.as_object().unwrap() {
        value[k] = v.clone();
    }
    serde_json::from_value(value).unwrap()
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

#[test]
fn official_charge() {
    let charge: stripe_client::Charge = typed("charge", json!({}));
    let mut payment = Payment::try_from(&charge).unwrap();
    assert_eq!(payment.gateway, System::Stripe);
    assert_eq!(
        payment.transaction_id().unwrap(),
        "ch_1NnlpSGPxmnHQRkJcYsK19E8"
    );
    assert_eq!(payment.amount, usd(100));
    // `captured: false` with `status: succeeded`: an authorization waiting for capture.
    assert_eq!(payment.kind, PaymentKind::Authorization);
    assert_eq!(payment.status, PaymentStatus::Authorized);
    assert_eq!(payment.fee, None, "balance_transaction is not expanded");
    assert_eq!(payment.card_brand, Some(CardBrand::Visa));
    assert_eq!(payment.card_last4.as_ref().unwrap().as_str(), "4242");
    assert_eq!(payment.vault_id, None);
    assert_eq!(payment.order_number, None);
    assert_eq!(
        payment.processed_at.unwrap().unix_timestamp(),
        1_234_567_890
    );

    // The official charge's checks: cvc "pass", both address checks null.
    assert_eq!(payment.cvv, Some(CvvResult::Match));
    assert_eq!(payment.avs, None);
    let mut raw = fixture("charge");
    raw["payment_method_details"]["card"]["checks"] = json!({
        "address_line1_check": "pass", "address_postal_code_check": "fail", "cvc_check": "fail"});
    let checked: stripe_client::Charge = serde_json::from_value(raw).unwrap();
    payment = Payment::try_from(&checked).unwrap();
    assert_eq!(payment.avs, Some(AvsResult::StreetOnly));
    assert_eq!(payment.cvv, Some(CvvResult::NoMatch));
}

#[test]
fn official_charge_variants_and_errors() {
    let bt = fixture("balance_transaction");
    let captured: stripe_client::Charge = typed(
        "charge",
        json!({"captured": true, "amount_captured": 100, "balance_transaction": bt}),
    );
    let payment = Payment::try_from(&captured).unwrap();
    assert_eq!(
        (payment.kind, payment.status),
        (PaymentKind::Sale, PaymentStatus::Captured)
    );
    assert_eq!(payment.fee, Some(usd(0)));

    let unknown: stripe_client::Charge = typed("charge", json!({"status": "disputed_later"}));
    assert_eq!(
        Payment::try_from(&unknown).unwrap().status,
        PaymentStatus::Unknown("disputed_later".into())
    );

    let bad_currency: stripe_client::Charge = typed("charge", json!({"currency": "zzz"}));
    assert_eq!(
        Payment::try_from(&bad_currency).unwrap_err(),
        MappingError::UnknownCurrency {
            field: "charge.currency".into(),
            value: "zzz".into()
        }
    );

    // ISK is sent with two decimals that must be zero: 100.50 ISK cannot exist.
    let fractional: stripe_client::Charge =
        typed("charge", json!({"currency": "isk", "amount": 10050}));
    let err = Payment::try_from(&fractional).unwrap_err();
    assert_eq!(
        err,
        MappingError::PrecisionLoss {
            field: "charge.amount".into(),
            value: "10050".into(),
            currency: "ISK".into(),
            exponent: 0
        }
    );
}

#[test]
fn official_payment_intent() {
    let pi: stripe_client::PaymentIntent = typed("payment_intent", json!({}));
    let payment = Payment::try_from(&pi).unwrap();
    assert_eq!(
        payment.transaction_id().unwrap(),
        "pi_1NnlpVGPxmnHQRkJNuz3w9tH"
    );
    assert_eq!(payment.amount, usd(1099));
    assert_eq!(payment.kind, PaymentKind::Sale);
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!((payment.fee, payment.card_brand), (None, None));

    let mut charge = fixture("charge");
    charge["captured"] = json!(true);
    charge["balance_transaction"] = fixture("balance_transaction");
    let succeeded: stripe_client::PaymentIntent = typed(
        "payment_intent",
        json!({"status": "succeeded", "latest_charge": charge,
            "metadata": {"order_number": "000000042", "order_reference": "M1-000000042"}}),
    );
    let payment = Payment::try_from(&succeeded).unwrap();
    assert_eq!(payment.status, PaymentStatus::Captured);
    assert_eq!(payment.fee, Some(usd(0)));
    assert_eq!(payment.card_brand, Some(CardBrand::Visa));
    assert_eq!(payment.card_last4.unwrap().as_str(), "4242");
    assert_eq!(payment.order_number.as_deref(), Some("000000042"));
    assert_eq!(payment.reference.as_deref(), Some("M1-000000042"));

    let declined: stripe_client::PaymentIntent = typed(
        "payment_intent",
        json!({"last_payment_error": {"type": "card_error", "code": "card_declined",
            "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}}),
    );
    let payment = Payment::try_from(&declined).unwrap();
    assert_eq!(payment.status, PaymentStatus::Declined);
    assert_eq!(
        payment.message.as_deref(),
        Some("Your card has insufficient funds.")
    );

    let mut bad = fixture("charge");
    bad["payment_method_details"]["card"]["last4"] = json!("42");
    let bad: stripe_client::PaymentIntent = typed("payment_intent", json!({"latest_charge": bad}));
    assert_eq!(
        Payment::try_from(&bad).unwrap_err().field(),
        "payment_intent.latest_charge.payment_method_details.card.last4"
    );
}

#[test]
fn order_metadata_comes_back_on_the_payment_intent() {
    let order = Order {
        ids: ExternalIds::new().with(System::Magento, "42"),
        source: System::Magento,
        number: "000000042".into(),
        currency: Currency::USD,
        customer: None,
        email: Some("jenny@example.com".into()),
        billing_address: None,
        shipping_address: None,
        line_items: Vec::new(),
        shipping: usd(0),
        discount: usd(0),
        tax: usd(0),
        total: usd(1099),
        presentment_total: None,
        adjustments: Vec::new(),
        financial_status: FinancialStatus::Pending,
    };
    let ctx = StripeCtx {
        store_prefix: "M1".into(),
        manual_capture: true,
    };
    let params = to_create_payment_intent(&order, &ctx).unwrap();
    assert_eq!(
        serde_json::to_value(&params).unwrap(),
        json!({"amount": 1099, "currency": "usd", "capture_method": "manual",
            "description": "Order 000000042", "receipt_email": "jenny@example.com",
            "metadata": {"order_id": "42", "order_number": "000000042",
                "order_reference": "M1-000000042", "store": "magento"}})
    );
    // What Stripe answers carries the same metadata, read back into the payment.
    let pi: stripe_client::PaymentIntent = typed(
        "payment_intent",
        json!({"status": "requires_capture", "capture_method": "manual",
            "metadata": serde_json::to_value(&params.metadata).unwrap()}),
    );
    let payment = Payment::try_from(&pi).unwrap();
    assert_eq!(payment.kind, PaymentKind::Authorization);
    assert_eq!(payment.status, PaymentStatus::Authorized);
    assert_eq!(payment.amount, order.total);
    assert_eq!(payment.order_number.as_deref(), Some("000000042"));
    assert_eq!(payment.reference.as_deref(), Some("M1-000000042"));
}

#[test]
fn official_refund() {
    let refund: stripe_client::Refund = typed("refund", json!({}));
    let canonical = Refund::try_from(&refund).unwrap();
    assert_eq!(
        canonical.ids.get(System::Stripe),
        Some("re_1NnmX5GPxmnHQRkJzG1txqB9")
    );
    assert_eq!(canonical.gateway, System::Stripe);
    assert_eq!(
        canonical.payment_transaction_id.as_deref(),
        Some("ch_1NnlpSGPxmnHQRkJcYsK19E8")
    );
    assert_eq!(canonical.amount, usd(100));
    assert_eq!(canonical.status, RefundStatus::Succeeded);
    assert_eq!(canonical.reason, None);
    assert_eq!(
        canonical.processed_at.unwrap().unix_timestamp(),
        1_234_567_890
    );

    let unknown: stripe_client::Refund = typed("refund", json!({"status": "on_hold"}));
    assert_eq!(
        Refund::try_from(&unknown).unwrap().status,
        RefundStatus::Unknown("on_hold".into())
    );
    let missing: stripe_client::Refund = typed("refund", json!({"status": null}));
    assert_eq!(
        Refund::try_from(&missing).unwrap_err(),
        MappingError::MissingField {
            field: "refund.status".into()
        }
    );
}

#[test]
fn official_dispute() {
    let dispute: stripe_client::Dispute = typed("dispute", json!({}));
    let canonical = Dispute::try_from(&dispute).unwrap();
    assert_eq!(
        canonical.ids.get(System::Stripe),
        Some("dp_1NnmX5GPxmnHQRkJhLm6FrCK")
    );
    assert_eq!(
        canonical.payment_transaction_id,
        "ch_1NnlpSGPxmnHQRkJcYsK19E8"
    );
    assert_eq!(canonical.amount, usd(1000));
    assert_eq!(canonical.status, DisputeStatus::InquiryNeedsResponse);
    assert_eq!(canonical.reason.as_deref(), Some("general"));
    assert_eq!(
        canonical.evidence_due_by.unwrap().unix_timestamp(),
        1_695_772_799
    );
    assert_eq!(canonical.order_number, None);

    let unknown: stripe_client::Dispute = typed("dispute", json!({"status": "arbitration"}));
    assert_eq!(
        Dispute::try_from(&unknown).unwrap().status,
        DisputeStatus::Unknown("arbitration".into())
    );
    let bad: stripe_client::Dispute = typed("dispute", json!({"currency": "usdollar"}));
    assert_eq!(
        Dispute::try_from(&bad).unwrap_err().field(),
        "dispute.currency"
    );
}

#[test]
fn official_payout() {
    let payout: stripe_client::Payout = typed("payout", json!({}));
    let summary = PayoutSummary::try_from(&payout).unwrap();
    assert_eq!(summary.id, "po_1NnmXDGPxmnHQRkJBs2u30y2");
    assert_eq!(summary.amount, usd(1100));
    assert_eq!(summary.status, PayoutStatus::InTransit);
    assert!(summary.automatic);
    assert_eq!(summary.arrival_date.unix_timestamp(), 1_234_567_890);

    let isk: stripe_client::Payout = typed("payout", json!({"currency": "isk", "amount": 1001}));
    let err = PayoutSummary::try_from(&isk).unwrap_err();
    assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{err}");
    assert_eq!(err.field(), "payout.amount");
}

#[test]
fn official_balance_transaction() {
    let payout = "po_1NnmXDGPxmnHQRkJBs2u30y2";
    let bt: stripe_client::BalanceTransaction = typed("balance_transaction", json!({}));
    let line = to_settlement_line(&bt, payout).unwrap();
    assert_eq!(line.gateway, System::Stripe);
    assert_eq!(line.batch_id, payout);
    assert_eq!(line.transaction_id, "ch_1NnlpSGPxmnHQRkJcYsK19E8");
    assert_eq!(line.kind, SettlementKind::Charge);
    assert_eq!(
        (line.gross, line.fee, line.net),
        (usd(100), usd(0), usd(100))
    );
    assert_eq!(line.settled_at.unwrap().unix_timestamp(), 1_234_567_890);
    assert_eq!(line.reference, None);
    line.check().unwrap();

    // A whole payout: the charge, a refund, a dispute, a fee and the payout itself.
    let lines = [
        typed::<stripe_client::BalanceTransaction>(
            "balance_transaction",
            json!({"amount": 10000, "fee": 320, "net": 9680}),
        ),
        typed(
            "balance_transaction",
            json!({"id": "txn_2", "amount": -2500, "fee": 0, "net": -2500, "type": "refund",
                "reporting_category": "refund", "source": "re_1NnmX5GPxmnHQRkJzG1txqB9"}),
        ),
        typed(
            "balance_transaction",
            json!({"id": "txn_3", "amount": -1000, "fee": 1500, "net": -2500,
                "type": "adjustment", "reporting_category": "dispute",
                "source": "dp_1NnmX5GPxmnHQRkJhLm6FrCK"}),
        ),
        typed(
            "balance_transaction",
            json!({"id": "txn_4", "amount": -200, "fee": 0, "net": -200, "type": "stripe_fee",
                "reporting_category": "fee", "source": null}),
        ),
        typed(
            "balance_transaction",
            json!({"id": "txn_5", "amount": -4480, "fee": 0, "net": -4480, "type": "payout",
                "reporting_category": "payout", "source": payout}),
        ),
    ];
    let settled = to_settlement_lines(&lines, payout).unwrap();
    let summary: Vec<(SettlementKind, &str, i64, i64, i64)> = settled
        .iter()
        .map(|l| {
            (
                l.kind.clone(),
                l.transaction_id.as_str(),
                l.gross.minor(),
                l.fee.minor(),
                l.net.minor(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                SettlementKind::Charge,
                "ch_1NnlpSGPxmnHQRkJcYsK19E8",
                10000,
                320,
                9680
            ),
            (
                SettlementKind::Refund,
                "re_1NnmX5GPxmnHQRkJzG1txqB9",
                -2500,
                0,
                -2500
            ),
            (
                SettlementKind::Dispute,
                "dp_1NnmX5GPxmnHQRkJhLm6FrCK",
                -1000,
                1500,
                -2500
            ),
            (SettlementKind::Fee, "txn_4", -200, 0, -200),
            (SettlementKind::Payout, payout, -4480, 0, -4480),
        ]
    );
    let total: i64 = settled.iter().map(|l| l.net.minor()).sum();
    assert_eq!(
        total, 0,
        "the payout line empties what the other lines added"
    );

    let mut broken = lines.to_vec();
    broken[2].net = -2499;
    assert_eq!(
        to_settlement_lines(&broken, payout).unwrap_err().field(),
        "balance_transactions[2].net"
    );
    let bad: stripe_client::BalanceTransaction =
        typed("balance_transaction", json!({"currency": "abc"}));
    assert_eq!(
        to_settlement_line(&bad, payout).unwrap_err(),
        MappingError::UnknownCurrency {
            field: "balance_transaction.currency".into(),
            value: "abc".into()
        }
    );
    let unknown: stripe_client::BalanceTransaction = typed(
        "balance_transaction",
        json!({"type": "obligation_inbound", "reporting_category": "obligation"}),
    );
    assert_eq!(
        to_settlement_line(&unknown, payout).unwrap().kind,
        SettlementKind::Unknown("obligation".into())
    );
}

#[test]
fn official_customers() {
    let customer: stripe_client::Customer = typed("customer", json!({}));
    let canonical = Customer::try_from(&customer).unwrap();
    assert_eq!(
        canonical.ids.get(System::Stripe),
        Some("cus_Oaxlz8kB0PJWGa")
    );
    assert_eq!(canonical.ids.iter().count(), 1);
    assert_eq!(
        (
            canonical.email,
            canonical.first_name,
            canonical.last_name,
            canonical.address
        ),
        (None, None, None, None)
    );

    let filled: stripe_client::Customer = typed(
        "customer",
        json!({"name": "Jenny Rosen", "email": "jenny.rosen@example.com",
            "address": {"line1": "510 Townsend St", "city": "San Francisco", "state": "CA",
                "postal_code": "94103", "country": "US"},
            "metadata": {"magento_customer_id": "7"}}),
    );
    let canonical = Customer::try_from(&filled).unwrap();
    assert_eq!(canonical.ids.get(System::Magento), Some("7"));
    assert_eq!(canonical.first_name.as_deref(), Some("Jenny"));
    assert_eq!(canonical.last_name.as_deref(), Some("Rosen"));
    let address = canonical.address.unwrap();
    assert_eq!(address.lines, ["510 Townsend St"]);
    assert_eq!(address.region_code.as_deref(), Some("CA"));
    assert_eq!(address.postal_code.as_deref(), Some("94103"));
    assert_eq!(address.country.unwrap().as_str(), "US");
    // And back: the same fields as Stripe parameters.
    let params = mapping::stripe::to_update_customer(&Customer {
        address: Some(address),
        ..Customer::try_from(&filled).unwrap()
    })
    .unwrap();
    assert_eq!(params.name.as_deref(), Some("Jenny Rosen"));
    assert_eq!(params.address, filled.address);
    assert_eq!(
        params
            .metadata
            .get("magento_customer_id")
            .map(String::as_str),
        Some("7")
    );

    let bad: stripe_client::Customer = typed(
        "customer",
        json!({"address": {"country": "US", "postal_code": "9410"}}),
    );
    assert_eq!(
        Customer::try_from(&bad).unwrap_err().field(),
        "customer.address.postal_code"
    );
    let deleted: stripe_client::Customer = typed("deleted_customer", json!({}));
    assert_eq!(
        Customer::try_from(&deleted).unwrap_err().field(),
        "customer.deleted"
    );
}

/// `metadata: null` (allowed by Stripe's spec on refunds, payouts and invoices) reads as empty
/// metadata and maps like an object without order metadata, instead of failing the object.
#[test]
fn null_metadata_maps_as_no_order_metadata() {
    let refund: stripe_client::Refund = typed("refund", json!({"metadata": null}));
    let canonical = Refund::try_from(&refund).unwrap();
    assert_eq!(canonical.amount, usd(100));
    assert_eq!(canonical.order_number, None);
    let payout: stripe_client::Payout = typed("payout", json!({"metadata": null}));
    assert_eq!(PayoutSummary::try_from(&payout).unwrap().amount, usd(1100));
}
