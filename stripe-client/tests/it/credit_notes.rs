use serde_json::json;
use stripe_client::{
    CreateCreditNote, CreateCreditNoteLine, CreateCreditNoteReason, CreditNote,
    CreditNoteLineItemType, CreditNoteReason, CreditNoteStatus, CreditNoteType, Event, EventObject,
    EventType, ListCreditNotes,
};
use time::OffsetDateTime;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    HasIdempotencyKey, StripeHeaders, client, failure_cases, fixture, form, list_of, query,
};

#[tokio::test]
async fn create_sends_lines_amounts_reason_memo_and_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/credit_notes"))
        .and(StripeHeaders)
        .and(header("idempotency-key", "cm-77-cn"))
        .and(form(&[
            ("invoice", "in_1"),
            ("lines[0][type]", "invoice_line_item"),
            ("lines[0][invoice_line_item]", "il_1"),
            ("lines[0][quantity]", "1"),
            ("lines[1][type]", "invoice_line_item"),
            ("lines[1][invoice_line_item]", "il_2"),
            ("lines[1][amount]", "250"),
            ("lines[2][type]", "custom_line_item"),
            ("lines[2][description]", "Service credit"),
            ("lines[2][unit_amount]", "500"),
            ("lines[2][quantity]", "2"),
            ("lines[2][metadata][why]", "late"),
            ("refund_amount", "1000"),
            ("credit_amount", "500"),
            ("out_of_band_amount", "190"),
            ("reason", "product_unsatisfactory"),
            ("memo", "Sorry"),
            ("metadata[credit_memo]", "77"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("credit_note")))
        .expect(1)
        .mount(&server)
        .await;
    let mut custom = CreateCreditNoteLine::custom("Service credit", 500, 2);
    custom.metadata.insert("why".into(), "late".into());
    let mut params = CreateCreditNote::new("in_1");
    params.lines = vec![
        CreateCreditNoteLine::invoice_line("il_1", 1),
        CreateCreditNoteLine::invoice_line_amount("il_2", 250),
        custom,
    ];
    params.refund_amount = Some(1000);
    params.credit_amount = Some(500);
    params.out_of_band_amount = Some(190);
    params.reason = Some(CreateCreditNoteReason::ProductUnsatisfactory);
    params.memo = Some("Sorry".into());
    params.metadata.insert("credit_memo".into(), "77".into());
    let note = client(&server)
        .credit_notes()
        .idempotency_key("cm-77-cn")
        .create(&params)
        .await
        .unwrap();
    assert_eq!(note.id, "cn_1Pgc75B7WZ01zgkWJMPt5riP");
}

#[tokio::test]
async fn create_with_one_amount_sends_only_that() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/credit_notes"))
        .and(HasIdempotencyKey)
        .and(form(&[("invoice", "in_1"), ("amount", "1690")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("credit_note")))
        .expect(1)
        .mount(&server)
        .await;
    let params = CreateCreditNote {
        amount: Some(1690),
        ..CreateCreditNote::new("in_1")
    };
    let note = client(&server)
        .credit_notes()
        .create(&params)
        .await
        .unwrap();
    assert_eq!(note.amount, 1690);
}

/// Every field read from Stripe's official `credit_note` fixture (fixtures3.json of 2026-07-29).
#[tokio::test]
async fn retrieve_reads_the_official_fixture_exactly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/credit_notes/cn_1"))
        .and(StripeHeaders)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("credit_note")))
        .expect(1)
        .mount(&server)
        .await;
    let note = client(&server)
        .credit_notes()
        .retrieve("cn_1")
        .await
        .unwrap();
    assert_eq!(note.number, "ABCD-1234-CN-01");
    assert_eq!(note.invoice.id(), "in_1Pgc75B7WZ01zgkWYv4iMwt7");
    assert_eq!(note.customer.id(), "cus_QXg1o8vcGmoR32");
    assert_eq!(note.currency.as_str(), "usd");
    assert_eq!(
        (note.amount, note.subtotal, note.total, note.discount_amount),
        (1690, 1690, 1690, 0)
    );
    assert_eq!(note.subtotal_excluding_tax, Some(1690));
    assert_eq!(note.total_excluding_tax, None);
    assert!(note.total_taxes.is_none());
    assert!(note.discount_amounts.is_empty());
    assert_eq!(note.status, CreditNoteStatus::Issued);
    assert_eq!(note.note_type, CreditNoteType::PrePayment);
    assert_eq!(note.reason, None);
    assert_eq!(note.memo, None);
    assert_eq!(note.out_of_band_amount, None);
    assert_eq!(note.pre_payment_amount, Some(251_024_947));
    assert_eq!(note.post_payment_amount, Some(1_355_257_296));
    let at = OffsetDateTime::from_unix_timestamp(1_234_567_890).unwrap();
    assert_eq!(
        (note.created, note.effective_at, note.voided_at),
        (at, Some(at), Some(at))
    );
    assert_eq!(note.refunds.len(), 1);
    assert_eq!(note.refunds[0].amount_refunded, Some(1_387_154_914));
    assert_eq!(
        note.refunds[0].refund.as_ref().map(|r| r.id()),
        Some("refund")
    );
    assert_eq!(note.amount_refunded(), Some(1_387_154_914));
    let lines = &note.lines.data;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].amount, 1190);
    assert_eq!(lines[0].line_type, CreditNoteLineItemType::InvoiceLineItem);
    assert_eq!(
        lines[0].invoice_line_item.as_deref(),
        Some("il_1Pgc74B7WZ01zgkWWh45tUBA")
    );
    assert_eq!(lines[0].quantity, Some(1));
    assert!(lines[0].metadata.is_empty());
    assert_eq!(lines[1].line_type, CreditNoteLineItemType::CustomLineItem);
    assert_eq!(
        (
            lines[1].amount,
            lines[1].unit_amount,
            lines[1].invoice_line_item.as_deref()
        ),
        (500, Some(500), None)
    );
    assert_eq!(lines[1].description.as_deref(), Some("Service credit"));
}

#[tokio::test]
async fn list_by_invoice_and_void() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/credit_notes"))
        .and(query(&[("invoice", "in_1"), ("limit", "10")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/credit_notes",
            vec![fixture("credit_note")],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut voided = fixture("credit_note");
    voided["status"] = json!("void");
    Mock::given(method("POST"))
        .and(path("/v1/credit_notes/cn_1/void"))
        .and(StripeHeaders)
        .and(header("idempotency-key", "cn_1/void"))
        .and(body_string(""))
        .respond_with(ResponseTemplate::new(200).set_body_json(voided))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let mut params = ListCreditNotes {
        invoice: Some("in_1".into()),
        ..Default::default()
    };
    params.page.limit = Some(10);
    let page = c.credit_notes().list(&params).await.unwrap();
    assert_eq!(page.data.len(), 1);
    let note = c
        .credit_notes()
        .idempotency_key("cn_1/void")
        .void("cn_1")
        .await
        .unwrap();
    assert_eq!(note.status, CreditNoteStatus::Void);
}

#[test]
fn unknown_values_are_kept_and_a_missing_required_field_is_named() {
    let mut raw = fixture("credit_note");
    raw["reason"] = json!("goodwill");
    raw["type"] = json!("mixed");
    raw["status"] = json!("archived");
    let note: CreditNote = serde_json::from_value(raw).unwrap();
    assert_eq!(
        note.reason,
        Some(CreditNoteReason::Other("goodwill".into()))
    );
    assert_eq!(note.note_type, CreditNoteType::Mixed);
    assert_eq!(note.status, CreditNoteStatus::Other("archived".into()));
    for field in ["total_taxes", "refunds", "invoice", "total"] {
        let mut raw = fixture("credit_note");
        raw.as_object_mut().unwrap().remove(field);
        let err = serde_json::from_value::<CreditNote>(raw).unwrap_err();
        assert_eq!(err.to_string(), format!("missing field `{field}`"));
    }
}

fn event(api_version: &str, event_type: &str, object: serde_json::Value) -> serde_json::Value {
    json!({
        "id": "evt_cn", "object": "event", "api_version": api_version, "created": 1_700_000_000,
        "livemode": false, "pending_webhooks": 1, "type": event_type,
        "data": {"object": object},
    })
}

#[test]
fn credit_note_events_carry_a_typed_credit_note() {
    for (event_type, expected) in [
        ("credit_note.created", EventType::CreditNoteCreated),
        ("credit_note.updated", EventType::CreditNoteUpdated),
        ("credit_note.voided", EventType::CreditNoteVoided),
    ] {
        let body = event("2026-10-28.endive", event_type, fixture("credit_note"));
        let event = Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(event.event_type, expected);
        let EventObject::CreditNote(note) = &event.data.object else {
            panic!("{:?}", event.data.object)
        };
        assert_eq!(note.total, 1690);
        // Written back, it parses to the same credit note.
        let again = Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap();
        let EventObject::CreditNote(again) = again.data.object else {
            panic!()
        };
        assert_eq!(again.id, note.id);
        assert_eq!(again.refunds.len(), 1);
    }
}

failure_cases!("POST", "/v1/credit_notes", |c| c
    .credit_notes()
    .create(&stripe_client::CreateCreditNote::new("in_1")));
