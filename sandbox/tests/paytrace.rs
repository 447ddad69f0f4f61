//! The PayTrace fake, driven by the real `paytrace` client over loopback.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use paytrace::{
    Address, AvsResult, ByTransactionRequest, CaptureRequest, Client, CreateCustomerRequest,
    CreditCard, Csc, CscField, CscResult, CustomerFromTransactionRequest, CustomerRequest, Date,
    Decimal, EncryptedValue, Error, ErrorCode, ExportByDateRangeRequest, ExportByIdRequest,
    ExportCustomersRequest, KeyedRequest, Level3LineItem, Level3Network, Level3Request, Month,
    Outcome, ProtectCustomerRequest, ProtectRequest, ProtectToken, RefundRequest, RequestKind,
    ResponseCode, RetryConfig, SaleLookup, SecretString, SettlementStatus, TransactionId,
    TransactionRecord, TransactionType, UpdateCustomerRequest,
};
use sandbox::paytrace::{PaytraceFake, Settlement, TransactionKind};
use sandbox::{Fake, Fault, FaultRule, Faults, Running, Trigger};
use serde_json::Value;

const VISA: &str = "4012000098765439";
const MASTERCARD: &str = "5499740000000057";

struct Env {
    running: Running<PaytraceFake>,
    faults: Faults,
    client: Client,
}

impl Env {
    async fn start() -> Self {
        let faults = Faults::default();
        let running = Running::start(PaytraceFake::new(), &faults).await.unwrap();
        // Start at midday (UTC, the fake's zone) so no test crosses midnight between a sale
        // and the export that looks for it "today".
        let into_day = running.fake.now_unix().rem_euclid(86_400);
        let to_noon = (43_200 - into_day).rem_euclid(86_400);
        running
            .fake
            .advance_clock(Duration::from_secs(u64::try_from(to_noon).unwrap()));
        assert_eq!(running.fake.now_unix().rem_euclid(86_400) / 3600, 12);
        let client = client_for(&running, Duration::from_secs(5));
        Self {
            running,
            faults,
            client,
        }
    }

    fn fake(&self) -> &PaytraceFake {
        &self.running.fake
    }

    fn url(&self, path: &str) -> String {
        self.running.base_url().join(path).unwrap().to_string()
    }

    fn today(&self) -> Date {
        let (y, m, d) = self.fake().today();
        let month = Month::try_from(u8::try_from(m).unwrap()).unwrap();
        Date::from_calendar_date(y, month, u8::try_from(d).unwrap()).unwrap()
    }

    async fn export(&self, id: TransactionId) -> TransactionRecord {
        let export = self
            .client
            .export_transaction(&ExportByIdRequest {
                transaction_id: id,
                include_bin: None,
            })
            .await
            .unwrap();
        assert_eq!(export.transactions.len(), 1);
        export.transactions.into_iter().next().unwrap()
    }

    async fn export_today(
        &self,
        request: impl FnOnce(&mut ExportByDateRangeRequest),
    ) -> Vec<TransactionRecord> {
        let mut req = ExportByDateRangeRequest::new(self.today(), self.today());
        request(&mut req);
        self.client
            .export_transactions(&req)
            .await
            .unwrap()
            .transactions
    }

    /// A raw token for hand-written requests.
    async fn raw_token(&self) -> String {
        let fake = self.fake();
        let response = reqwest::Client::new()
            .post(self.url("oauth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", fake.username()),
                ("password", fake.password()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"].to_string(), "7200");
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn raw_post(&self, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn client_for(running: &Running<PaytraceFake>, timeout: Duration) -> Client {
    let fake = &running.fake;
    Client::builder(fake.username(), SecretString::from(fake.password()))
        .base_url(running.base_url().as_str())
        .integrator_id(fake.integrator_id())
        .timeout(timeout)
        .retry(
            RetryConfig::standard().with_backoff(Duration::from_millis(10), Duration::from_secs(5)),
        )
        .build()
        .unwrap()
}

fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn billing() -> Address {
    Address {
        name: Some("Nathan Williams".into()),
        street_address: Some("1234 Main St.".into()),
        city: Some("Los Angeles".into()),
        state: Some("CA".into()),
        zip: Some("90210".into()),
        ..Address::default()
    }
}

fn keyed(cents: i64, invoice: &str) -> KeyedRequest {
    let mut sale = KeyedRequest::new(dollars(cents), CreditCard::plain(VISA, 12, 2030));
    sale.csc = Some(CscField::Plain(Csc::new("999")));
    sale.billing_address = Some(billing());
    sale.details.invoice_id = Some(invoice.into());
    sale
}

fn validation(err: Error) -> Vec<ErrorCode> {
    match err {
        Error::Validation(v) => v.codes().collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn keyed_sale_settle_and_refund_change_what_exports_show() {
    let env = Env::start().await;
    let client = &env.client;

    let sale = client
        .sale_keyed(&keyed(5188, "shop/order/1/sale"))
        .await
        .unwrap();
    assert_eq!(sale.outcome(), Outcome::Approved);
    assert_eq!(sale.response_code, ResponseCode::Approved);
    assert_eq!(
        sale.status_message,
        "Your transaction was successfully approved."
    );
    assert_eq!(sale.masked_card_number.as_deref(), Some("xxxxxxxxxxxx5439"));
    assert_eq!(
        sale.avs_response.as_ref().unwrap().result,
        AvsResult::FullExactMatch
    );
    assert_eq!(sale.csc_response.as_ref().unwrap().result, CscResult::Match);
    assert!(sale.approval_code.is_some());
    let id = sale.transaction_id.unwrap();

    let record = env.export(id).await;
    assert_eq!(record.transaction_type, Some(TransactionType::Sale));
    assert_eq!(record.amount, dollars(5188));
    assert_eq!(record.invoice_id.as_deref(), Some("shop/order/1/sale"));
    assert_eq!(record.status_code, Some(SettlementStatus::Pending));
    assert_eq!(record.settled, None);
    assert_eq!(
        record
            .credit_card
            .as_ref()
            .unwrap()
            .masked_number
            .as_deref(),
        Some("************5439")
    );
    assert_eq!(
        record.billing_address.as_ref().unwrap().zip.as_deref(),
        Some("90210")
    );
    assert!(record.created.as_ref().unwrap().at.is_some());

    // Unsettled: PayTrace refuses the refund with 817 ("void instead").
    let err = client
        .refund_transaction(&RefundRequest {
            transaction_id: id,
            amount: None,
        })
        .await
        .unwrap_err();
    assert_eq!(validation(err), vec![ErrorCode::REFUND_UNSETTLED]);

    let settled = client.settle_now().await.unwrap();
    assert!(settled.success);
    assert_eq!(settled.response_code, ResponseCode::Other(175));
    let record = env.export(id).await;
    assert_eq!(
        record.status_code,
        Some(SettlementStatus::Settled { batch_number: 1 })
    );
    assert!(record.settled.is_some());

    let partial = client
        .refund_transaction(&RefundRequest {
            transaction_id: id,
            amount: Some(dollars(1000)),
        })
        .await
        .unwrap();
    assert_eq!(partial.response_code, ResponseCode::Refunded);
    let refund_id = partial.transaction_id.unwrap();
    assert_ne!(refund_id, id);
    let rest = client
        .refund_transaction(&RefundRequest {
            transaction_id: id,
            amount: None,
        })
        .await
        .unwrap();
    assert_eq!(rest.outcome(), Outcome::Approved);
    let too_much = client
        .refund_transaction(&RefundRequest {
            transaction_id: id,
            amount: Some(dollars(1)),
        })
        .await
        .unwrap();
    assert_eq!(too_much.outcome(), Outcome::NotCompleted);
    assert_eq!(too_much.response_code, ResponseCode::NotRefunded);
    assert_eq!(
        env.fake().transaction(id.0).unwrap().refunded,
        dollars(5188)
    );

    let refunds = env
        .export_today(|r| r.transaction_type = Some(TransactionType::Refund))
        .await;
    let amounts: Vec<Decimal> = refunds.iter().map(|r| r.amount).collect();
    assert_eq!(amounts, vec![dollars(1000), dollars(4188)]);
    assert!(
        refunds
            .iter()
            .all(|r| r.status_code == Some(SettlementStatus::Pending))
    );
    assert!(
        refunds
            .iter()
            .all(|r| r.invoice_id.as_deref() == Some("shop/order/1/sale"))
    );
    let everything = env.export_today(|_| {}).await;
    assert_eq!(everything.len(), 3);
}

#[tokio::test]
async fn void_only_while_unsettled() {
    let env = Env::start().await;
    let client = &env.client;
    let sale = client.sale_keyed(&keyed(2500, "void-1")).await.unwrap();
    let id = sale.transaction_id.unwrap();

    let voided = client.void(id).await.unwrap();
    assert_eq!(voided.response_code, ResponseCode::Voided);
    assert_eq!(voided.transaction_id, Some(id));
    let again = client.void(id).await.unwrap();
    assert_eq!(again.response_code, ResponseCode::NotVoided);
    assert_eq!(again.outcome(), Outcome::NotCompleted);
    assert_eq!(
        env.export(id).await.status_code,
        Some(SettlementStatus::NotSettling)
    );
    // Nothing pending: settling closes no batch.
    assert_eq!(env.fake().settle_now(), None);

    let settled = client
        .sale_keyed(&keyed(2600, "void-2"))
        .await
        .unwrap()
        .transaction_id
        .unwrap();
    assert_eq!(env.fake().settle_now(), Some(1));
    assert_eq!(
        client.void(settled).await.unwrap().response_code,
        ResponseCode::NotVoided
    );
    assert_eq!(
        validation(client.void(TransactionId(42)).await.unwrap_err()),
        vec![ErrorCode::TRANSACTION_ID]
    );
}

#[tokio::test]
async fn authorization_capture_and_settlement() {
    let env = Env::start().await;
    let client = &env.client;
    let mut auth = keyed(10_000, "auth-1");
    auth.credit_card = CreditCard::plain(MASTERCARD, 1, 2031);
    auth.csc = Some(CscField::Plain(Csc::new("123")));
    let authorized = client.authorize_keyed(&auth).await.unwrap();
    assert_eq!(authorized.outcome(), Outcome::Approved);
    assert_eq!(authorized.csc_response.as_ref().unwrap().raw, "No Match");
    let id = authorized.transaction_id.unwrap();
    assert_eq!(
        env.export(id).await.status_code,
        Some(SettlementStatus::NotSettling)
    );

    let over = client
        .capture(&CaptureRequest {
            transaction_id: id,
            amount: Some(dollars(10_001)),
        })
        .await
        .unwrap();
    assert_eq!(over.response_code, ResponseCode::NotCaptured);
    let captured = client
        .capture(&CaptureRequest {
            transaction_id: id,
            amount: Some(dollars(8000)),
        })
        .await
        .unwrap();
    assert_eq!(captured.response_code, ResponseCode::Captured);
    assert_eq!(captured.transaction_id, Some(id));
    let twice = client
        .capture(&CaptureRequest {
            transaction_id: id,
            amount: None,
        })
        .await
        .unwrap();
    assert_eq!(twice.response_code, ResponseCode::NotCaptured);
    let record = env.export(id).await;
    assert_eq!(record.amount, dollars(8000));
    assert_eq!(record.status_code, Some(SettlementStatus::Pending));

    let uncaptured = client
        .authorize_keyed(&keyed(500, "auth-2"))
        .await
        .unwrap()
        .transaction_id
        .unwrap();
    let sale = client
        .sale_keyed(&keyed(700, "sale-1"))
        .await
        .unwrap()
        .transaction_id
        .unwrap();
    let err = client
        .capture(&CaptureRequest {
            transaction_id: TransactionId(1),
            amount: None,
        })
        .await
        .unwrap_err();
    assert_eq!(validation(err), vec![ErrorCode::TRANSACTION_ID]);
    assert_eq!(
        client
            .capture(&CaptureRequest {
                transaction_id: sale,
                amount: None
            })
            .await
            .unwrap()
            .response_code,
        ResponseCode::NotCaptured
    );

    let batch = env.fake().settle_now().unwrap();
    assert_eq!(
        env.export(id).await.status_code,
        Some(SettlementStatus::Settled {
            batch_number: batch
        })
    );
    assert_eq!(
        env.export(uncaptured).await.status_code,
        Some(SettlementStatus::NotSettling)
    );
    assert_eq!(
        env.fake().transaction(uncaptured.0).unwrap().settlement(),
        Settlement::NotSettling
    );
    let refund = client
        .refund_transaction(&RefundRequest {
            transaction_id: id,
            amount: None,
        })
        .await
        .unwrap();
    assert_eq!(
        env.fake()
            .transaction(refund.transaction_id.unwrap().0)
            .unwrap()
            .amount,
        dollars(8000)
    );
}

#[tokio::test]
async fn declines_by_documented_test_amounts_and_expired_cards() {
    let env = Env::start().await;
    let client = &env.client;

    let sale = client.sale_keyed(&keyed(29, "d-1")).await.unwrap();
    assert_eq!(sale.outcome(), Outcome::Declined);
    assert_eq!(sale.response_code, ResponseCode::Declined);
    assert!(!sale.success);
    assert_eq!(sale.approval_code, None);
    assert_eq!(
        sale.approval_message_trimmed(),
        Some("DECLINE - Do not honor")
    );
    assert!(sale.transaction_id.is_some());

    let auth = client.authorize_keyed(&keyed(29, "d-2")).await.unwrap();
    assert_eq!(auth.outcome(), Outcome::Declined);
    assert_eq!(
        auth.approval_message_trimmed(),
        Some("EXPIRED CARD - Expired card")
    );

    assert_eq!(
        client
            .sale_keyed(&keyed(112, "d-3"))
            .await
            .unwrap()
            .outcome(),
        Outcome::Declined
    );
    let funds = client.sale_keyed(&keyed(1902, "d-4")).await.unwrap();
    assert_eq!(
        funds.approval_message_trimmed(),
        Some("DECLINE - Insufficient funds")
    );
    let mut expired = keyed(1000, "d-5");
    expired.credit_card = CreditCard::plain(VISA, 1, 2020);
    let expired = client.sale_keyed(&expired).await.unwrap();
    assert_eq!(
        expired.approval_message_trimmed(),
        Some("EXPIRED CARD - Expired card")
    );

    let approved = client.sale_keyed(&keyed(1903, "ok-1")).await.unwrap();
    assert_eq!(approved.outcome(), Outcome::Approved);

    // Declines never settle and only the DECLINED export lists them.
    let listed: Vec<_> = env
        .export_today(|_| {})
        .await
        .into_iter()
        .map(|r| r.transaction_id)
        .collect();
    assert_eq!(listed, vec![approved.transaction_id.unwrap()]);
    let declined = env
        .export_today(|r| r.transaction_type = Some(TransactionType::Declined))
        .await;
    assert_eq!(declined.len(), 5);
    assert!(
        declined
            .iter()
            .all(|r| r.approval_code.is_none()
                && r.status_code == Some(SettlementStatus::NotSettling))
    );
    env.fake().settle_now().unwrap();
    assert_eq!(
        env.fake().batches()[0].transaction_ids,
        vec![approved.transaction_id.unwrap().0]
    );
}

#[tokio::test]
async fn avs_results_follow_the_billing_address() {
    let env = Env::start().await;
    let mut zip_only = keyed(1000, "avs-1");
    zip_only.billing_address = Some(Address {
        zip: Some("99201".into()),
        ..Address::default()
    });
    zip_only.csc = None;
    let r = env.client.sale_keyed(&zip_only).await.unwrap();
    assert_eq!(
        r.avs_response.as_ref().unwrap().result,
        AvsResult::ZipMatchOnly
    );
    assert_eq!(
        r.csc_response.as_ref().unwrap().result,
        CscResult::NotReturned
    );
    let mut no_match = keyed(1000, "avs-2");
    no_match.billing_address = Some(Address {
        zip: Some("00000".into()),
        ..billing()
    });
    let r = env.client.sale_keyed(&no_match).await.unwrap();
    assert_eq!(r.avs_response.as_ref().unwrap().result, AvsResult::NoMatch);
    assert_eq!(
        r.approval_message_trimmed(),
        Some("NO  MATCH - Approved and completed")
    );
}

#[tokio::test]
async fn validation_errors_list_every_code() {
    let env = Env::start().await;
    let mut bad = keyed(1000, "v-1");
    bad.credit_card = CreditCard::plain("4012000098765438", 13, 2030);
    assert_eq!(
        validation(env.client.sale_keyed(&bad).await.unwrap_err()),
        vec![ErrorCode::CARD_NUMBER, ErrorCode::EXPIRATION_MONTH]
    );
    let too_precise = keyed(1000, "v-2");
    let too_precise = KeyedRequest {
        amount: Decimal::new(1234, 3),
        ..too_precise
    };
    assert_eq!(
        validation(env.client.sale_keyed(&too_precise).await.unwrap_err()),
        vec![ErrorCode(33)]
    );
    assert!(env.fake().transactions().is_empty());
}

#[tokio::test]
async fn vault_customer_lifecycle() {
    let env = Env::start().await;
    let client = &env.client;
    let mut create =
        CreateCustomerRequest::new("cust-1", CreditCard::plain(VISA, 12, 2030), billing());
    create.contact.email = Some("nathan@example.com".into());
    let created = client.create_customer(&create).await.unwrap();
    assert_eq!(created.response_code, ResponseCode::CustomerCreated);
    assert_eq!(created.customer_id.as_deref(), Some("cust-1"));
    assert_eq!(
        created.masked_card_number.as_deref(),
        Some("xxxxxxxxxxxx5439")
    );
    assert_eq!(
        created.status_message,
        "The customer profile for cust-1/Nathan Williams was successfully created."
    );
    assert_eq!(
        validation(client.create_customer(&create).await.unwrap_err()),
        vec![ErrorCode::CUSTOMER_ID_NOT_UNIQUE]
    );

    let mut charge = CustomerRequest::new("cust-1", dollars(1999));
    charge.details.invoice_id = Some("vault-1".into());
    let sale = client.sale_by_customer(&charge).await.unwrap();
    assert_eq!(sale.outcome(), Outcome::Approved);
    assert_eq!(sale.masked_card_number, None);
    let auth = client.authorize_by_customer(&charge).await.unwrap();
    assert_eq!(auth.outcome(), Outcome::Approved);
    assert_eq!(
        env.fake()
            .transaction(sale.transaction_id.unwrap().0)
            .unwrap()
            .customer_id
            .as_deref(),
        Some("cust-1")
    );

    let mut update = UpdateCustomerRequest::new("cust-1");
    update.new_id = Some("cust-2".into());
    update.contact.phone = Some("555-0100".into());
    update.credit_card = Some(CreditCard::plain(MASTERCARD, 6, 2032));
    let updated = client.update_customer(&update).await.unwrap();
    assert_eq!(updated.response_code, ResponseCode::CustomerUpdated);
    assert_eq!(updated.customer_id.as_deref(), Some("cust-2"));
    assert_eq!(
        updated.masked_card_number.as_deref(),
        Some("xxxxxxxxxxxx0057")
    );
    assert!(env.fake().customer("cust-1").is_none());

    let export = client
        .export_customers(&ExportCustomersRequest {
            customer_id: Some("cust-2".into()),
            email: None,
        })
        .await
        .unwrap();
    assert_eq!(export.customers.len(), 1);
    let c = &export.customers[0];
    assert_eq!(c.email.as_deref(), Some("nathan@example.com"));
    assert_eq!(c.phone.as_deref(), Some("555-0100"));
    assert_eq!(
        c.credit_card.as_ref().unwrap().expiration_year.as_deref(),
        Some("2032")
    );
    assert_eq!(
        c.billing_address.as_ref().unwrap().name.as_deref(),
        Some("Nathan Williams")
    );
    let by_email = client
        .export_customers(&ExportCustomersRequest {
            customer_id: None,
            email: Some("nathan@example.com".into()),
        })
        .await
        .unwrap();
    assert_eq!(by_email.customers.len(), 1);

    let err = client.sale_by_customer(&charge).await.unwrap_err();
    assert_eq!(validation(err), vec![ErrorCode::CUSTOMER_NOT_FOUND]);
    let refund = client
        .refund_to_customer(&CustomerRequest::new("cust-2", dollars(500)))
        .await
        .unwrap();
    assert_eq!(refund.response_code, ResponseCode::Refunded);
    let by_customer = env
        .export_today(|r| r.customer_id = Some("cust-2".into()))
        .await;
    assert_eq!(by_customer.len(), 1);
    assert_eq!(
        by_customer[0].transaction_type,
        Some(TransactionType::Refund)
    );

    let deleted = client.delete_customer("cust-2").await.unwrap();
    assert_eq!(deleted.response_code, ResponseCode::Other(162));
    assert_eq!(
        validation(client.delete_customer("cust-2").await.unwrap_err()),
        vec![ErrorCode::CUSTOMER_NOT_FOUND]
    );
    assert!(
        client
            .export_customers(&ExportCustomersRequest::default())
            .await
            .unwrap()
            .customers
            .is_empty()
    );
}

#[tokio::test]
async fn protect_tokens_by_transaction_encrypted_fields_and_keyed_refunds() {
    let env = Env::start().await;
    let client = &env.client;
    let fake = env.fake();

    let key = client.create_protect_client_key().await.unwrap();
    assert!(!key.client_key.is_empty());
    assert_eq!(fake.client_keys_issued(), 1);

    let pair = fake.protect_token(VISA, 12, 2030, Some("999"));
    let mut request = ProtectRequest::new(
        ProtectToken::new(pair.hpf_token.clone(), pair.enc_key.clone()),
        dollars(2550),
    );
    request.billing_address = Some(Address {
        zip: Some("99201".into()),
        ..Address::default()
    });
    let sale = client.sale_protect(&request).await.unwrap();
    assert_eq!(sale.outcome(), Outcome::Approved);
    assert_eq!(sale.csc_response.as_ref().unwrap().result, CscResult::Match);
    // Single use.
    assert_eq!(
        validation(client.sale_protect(&request).await.unwrap_err()),
        vec![ErrorCode(180)]
    );
    let pair = fake.protect_token(MASTERCARD, 12, 2030, None);
    let auth = client
        .authorize_protect(&ProtectRequest::new(
            ProtectToken::new(pair.hpf_token, pair.enc_key),
            dollars(100),
        ))
        .await
        .unwrap();
    assert_eq!(auth.masked_card_number.as_deref(), Some("xxxxxxxxxxxx0057"));

    let pair = fake.protect_token(VISA, 12, 2030, None);
    let protect_customer = ProtectCustomerRequest::new(
        "hpf-cust",
        ProtectToken::new(pair.hpf_token, pair.enc_key),
        billing(),
    );
    assert_eq!(
        client
            .create_customer_protect(&protect_customer)
            .await
            .unwrap()
            .response_code,
        ResponseCode::CustomerCreated
    );
    let from_tx = CustomerFromTransactionRequest::new("tx-cust", auth.transaction_id.unwrap());
    let created = client
        .create_customer_from_transaction(&from_tx)
        .await
        .unwrap();
    assert_eq!(created.customer_id.as_deref(), Some("tx-cust"));
    assert_eq!(fake.customer("tx-cust").unwrap().card.last4, "0057");

    let again = ByTransactionRequest::new(sale.transaction_id.unwrap(), dollars(500));
    let repeat = client.sale_by_transaction(&again).await.unwrap();
    assert_eq!(
        repeat.masked_card_number.as_deref(),
        Some("xxxxxxxxxxxx5439")
    );
    assert_eq!(
        client
            .authorize_by_transaction(&again)
            .await
            .unwrap()
            .outcome(),
        Outcome::Approved
    );
    let unknown = ByTransactionRequest::new(TransactionId(7), dollars(500));
    assert_eq!(
        validation(client.sale_by_transaction(&unknown).await.unwrap_err()),
        vec![ErrorCode::TRANSACTION_ID]
    );

    let mut encrypted = KeyedRequest::new(
        dollars(100),
        CreditCard::encrypted(PaytraceFake::encrypt(VISA), 12, 2030),
    );
    encrypted.csc = Some(CscField::Encrypted(EncryptedValue::new(
        PaytraceFake::encrypt("999"),
    )));
    let r = client.sale_keyed(&encrypted).await.unwrap();
    assert_eq!(r.csc_response.as_ref().unwrap().result, CscResult::Match);
    let garbage = KeyedRequest::new(dollars(100), CreditCard::encrypted("not-sealed", 12, 2030));
    assert_eq!(
        validation(client.sale_keyed(&garbage).await.unwrap_err()),
        vec![ErrorCode::CARD_NUMBER]
    );

    let refund = client.refund_keyed(&keyed(1500, "credit-1")).await.unwrap();
    assert_eq!(refund.response_code, ResponseCode::Refunded);
    assert_eq!(
        fake.transaction(refund.transaction_id.unwrap().0)
            .unwrap()
            .kind,
        TransactionKind::Refund
    );

    let mut level3 = Level3Request::new(sale.transaction_id.unwrap());
    level3.line_items.push(Level3LineItem {
        description: Some("Widget".into()),
        ..Level3LineItem::default()
    });
    let added = client
        .add_level3(Level3Network::Visa, &level3)
        .await
        .unwrap();
    assert_eq!(added.response_code, ResponseCode::Level3Added);
    fake.settle_now().unwrap();
    assert_eq!(
        validation(
            client
                .add_level3(Level3Network::Visa, &level3)
                .await
                .unwrap_err()
        ),
        vec![ErrorCode::TRANSACTION_ID]
    );
}

#[tokio::test]
async fn batches_close_on_settle_and_list_their_transactions() {
    let env = Env::start().await;
    let client = &env.client;
    let fake = env.fake();
    assert_eq!(
        validation(client.export_batch(None).await.unwrap_err()),
        vec![ErrorCode::TRANSACTION_ID]
    );

    let a = client
        .sale_keyed(&keyed(11_000, "b-1"))
        .await
        .unwrap()
        .transaction_id
        .unwrap();
    let b = client
        .sale_keyed(&keyed(810, "b-2"))
        .await
        .unwrap()
        .transaction_id
        .unwrap();
    let first = fake.settle_now().unwrap();

    let latest = client.export_batch(None).await.unwrap();
    let summary = latest.batch.unwrap();
    assert_eq!(summary.number, Some(first));
    assert_eq!(summary.other["transaction_count"].to_string(), "2");
    assert_eq!(summary.other["net_amount"].to_string(), "118.10");
    let listed = client.batch_transactions(first).await.unwrap();
    let ids: Vec<_> = listed
        .transactions
        .iter()
        .map(|t| t.transaction_id)
        .collect();
    assert_eq!(ids, vec![a, b]);
    assert!(listed.transactions.iter().all(|t| t.status_code
        == Some(SettlementStatus::Settled {
            batch_number: first
        })));

    // Two days later a refund settles in a second batch.
    fake.advance_clock(Duration::from_secs(2 * 86_400));
    client
        .refund_transaction(&RefundRequest {
            transaction_id: a,
            amount: Some(dollars(1000)),
        })
        .await
        .unwrap();
    let settled = client.settle_now().await.unwrap();
    assert!(
        settled.status_message.contains('2'),
        "{}",
        settled.status_message
    );
    let second = fake.batches()[1].number;
    assert_eq!(second, first + 1);
    let summary = client
        .export_batch(Some(second))
        .await
        .unwrap()
        .batch
        .unwrap();
    assert_eq!(summary.other["refund_amount"].to_string(), "10.00");
    assert_eq!(summary.other["net_amount"].to_string(), "-10.00");

    let today = env.today();
    let recent = client.export_batches(today, today).await.unwrap();
    assert_eq!(
        recent.batches.iter().map(|b| b.number).collect::<Vec<_>>(),
        vec![Some(second)]
    );
    let both = client
        .export_batches(
            today
                .previous_day()
                .unwrap()
                .previous_day()
                .unwrap()
                .previous_day()
                .unwrap(),
            today,
        )
        .await
        .unwrap();
    assert_eq!(both.batches.len(), 2);
    assert_eq!(
        validation(client.batch_transactions(99).await.unwrap_err()),
        vec![ErrorCode::TRANSACTION_ID]
    );
    assert_eq!(
        validation(client.export_batch(Some(99)).await.unwrap_err()),
        vec![ErrorCode::TRANSACTION_ID]
    );
    // The date-range export follows the fake's clock: the sales were two days ago.
    assert_eq!(env.export_today(|_| {}).await.len(), 1);
}

#[tokio::test]
async fn resolver_finds_sales_by_invoice() {
    let env = Env::start().await;
    let client = &env.client;
    let today = env.today();
    assert_eq!(
        client.find_sale_by_invoice("inv-1", today).await.unwrap(),
        SaleLookup::NotFound
    );
    let sale = client
        .sale_keyed(&keyed(4200, "inv-1"))
        .await
        .unwrap()
        .transaction_id
        .unwrap();
    match client.find_sale_by_invoice("inv-1", today).await.unwrap() {
        SaleLookup::Approved(record) => {
            assert_eq!(record.transaction_id, sale);
            assert!(record.approval_code.is_some());
        }
        other => panic!("{other:?}"),
    }
    env.fake().settle_now().unwrap();
    client
        .refund_transaction(&RefundRequest {
            transaction_id: sale,
            amount: None,
        })
        .await
        .unwrap();
    assert!(matches!(
        client.find_sale_by_invoice("inv-1", today).await.unwrap(),
        SaleLookup::Approved(_)
    ));
    client.sale_keyed(&keyed(4200, "inv-1")).await.unwrap();
    assert!(
        matches!(client.find_sale_by_invoice("inv-1", today).await.unwrap(), SaleLookup::Multiple(v) if v.len() == 2)
    );
}

#[tokio::test]
async fn expired_tokens_are_refreshed_by_the_client() {
    let env = Env::start().await;
    let client = &env.client;
    let fake = env.fake();
    client.sale_keyed(&keyed(100, "t-1")).await.unwrap();
    client.sale_keyed(&keyed(100, "t-2")).await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);

    // The client still trusts its cached token; the fake says it expired.
    fake.advance_clock(Duration::from_secs(7201));
    assert_eq!(
        client
            .sale_keyed(&keyed(100, "t-3"))
            .await
            .unwrap()
            .outcome(),
        Outcome::Approved
    );
    assert_eq!(fake.tokens_issued(), 2);
    fake.expire_tokens();
    client
        .export_transactions(&ExportByDateRangeRequest::new(env.today(), env.today()))
        .await
        .unwrap();
    assert_eq!(fake.tokens_issued(), 3);
    assert_eq!(fake.transactions().len(), 3);

    let (status, body) = env
        .raw_post(
            "v1/transactions/void",
            Some("bogus"),
            r#"{"transaction_id": 1}"#,
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    let (status, body) = env
        .raw_post("v1/transactions/void", None, r#"{"transaction_id": 1}"#)
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_request");

    let wrong = Client::builder(fake.username(), SecretString::from("wrong"))
        .base_url(env.running.base_url().as_str())
        .build()
        .unwrap();
    match wrong.void(TransactionId(1)).await.unwrap_err() {
        Error::Auth { error, description } => {
            assert_eq!(error, "invalid_grant");
            assert!(
                description
                    .unwrap()
                    .starts_with("The provided authorization grant is invalid")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn malformed_requests_get_paytrace_errors_not_panics() {
    let env = Env::start().await;
    let token = env.raw_token().await;
    let t = Some(token.as_str());
    let (status, body) = env
        .raw_post("v1/transactions/sale/keyed", t, "not json")
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["response_code"].to_string(), "1");
    assert!(body["errors"]["5"].is_array(), "{body}");
    let (status, body) = env
        .raw_post(
            "v1/transactions/sale/keyed",
            t,
            r#"{"amount": "abc", "credit_card": 7}"#,
        )
        .await;
    assert_eq!(status, 400);
    let codes: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
    assert_eq!(codes, vec!["33", "35"]);
    let (status, _) = env
        .raw_post(
            "v1/transactions/export/by_date_range",
            t,
            r#"{"start_date": "2024-01-01", "end_date": "02/30/2024"}"#,
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = env
        .raw_post("v1/transactions/void", t, r#"{"transaction_id": -3}"#)
        .await;
    assert_eq!((status, body["errors"]["58"].is_array()), (400, true));
    let huge = r#"{"amount": 79228162514264337593543950335, "credit_card": {"number": "4012000098765439", "expiration_month": "12", "expiration_year": "2030"}}"#;
    let (status, body) = env.raw_post("v1/transactions/sale/keyed", t, huge).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["33"]
    );
    let (status, _) = env.raw_post("v1/nope", t, "{}").await;
    assert_eq!(status, 404);
    let (status, body) = env
        .raw_post(
            "v1/transactions/refund/for_transaction",
            t,
            r#"{"transaction_id": "1", "amount": [1]}"#,
        )
        .await;
    assert_eq!((status, body["errors"]["33"].is_array()), (400, true));
    let response = reqwest::Client::new()
        .post(env.url("oauth/token"))
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    // The fake still works.
    assert_eq!(
        env.client
            .sale_keyed(&keyed(100, "after"))
            .await
            .unwrap()
            .outcome(),
        Outcome::Approved
    );
}

#[tokio::test]
async fn rate_limit_fault_reaches_the_client_with_retry_after() {
    let env = Env::start().await;
    let rule = env.faults.add(
        FaultRule::new(
            PaytraceFake::SERVICE,
            Fault::too_many_requests(7),
            Trigger::Count(1),
        )
        .path("/v1/transactions/sale"),
    );
    let err = env
        .client
        .sale_keyed(&keyed(100, "rl-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)),
        "{err:?}"
    );
    assert_eq!(env.faults.fired(rule), 1);
    assert!(
        env.fake().transactions().is_empty(),
        "a 429 is answered before the sale runs"
    );
    assert_eq!(
        env.client
            .sale_keyed(&keyed(100, "rl-1"))
            .await
            .unwrap()
            .outcome(),
        Outcome::Approved
    );
    assert_eq!(env.faults.fired(rule), 1);

    // A safe call waits for Retry-After and succeeds on the retry.
    let export_rule = env.faults.add(
        FaultRule::new("paytrace", Fault::too_many_requests(1), Trigger::Count(1))
            .path("/v1/transactions/export"),
    );
    let started = std::time::Instant::now();
    let found = env.export_today(|_| {}).await;
    assert_eq!(found.len(), 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(env.faults.fired(export_rule), 1);
}

#[tokio::test]
async fn server_error_fault_is_ambiguous_and_nothing_was_charged() {
    let env = Env::start().await;
    let rule = env.faults.add(
        FaultRule::new("paytrace", Fault::status(503), Trigger::Count(1))
            .path("/v1/transactions/sale")
            .method("post"),
    );
    let err = env
        .client
        .sale_keyed(&keyed(100, "srv-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 503,
                kind: RequestKind::Transaction
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    assert_eq!(env.faults.fired(rule), 1);
    assert_eq!(
        env.client
            .find_sale_by_invoice("srv-1", env.today())
            .await
            .unwrap(),
        SaleLookup::NotFound
    );

    // Safe calls are retried through a 5xx.
    let export_rule = env.faults.add(
        FaultRule::new("paytrace", Fault::status(502), Trigger::Count(2))
            .path("/v1/customer/export"),
    );
    assert!(
        env.client
            .export_customers(&ExportCustomersRequest::default())
            .await
            .unwrap()
            .success
    );
    assert_eq!(env.faults.fired(export_rule), 2);
    // Rules for other services never touch this fake.
    let other = env.faults.add(FaultRule::new(
        "stripe",
        Fault::status(500),
        Trigger::Always,
    ));
    assert_eq!(
        env.client
            .sale_keyed(&keyed(100, "srv-2"))
            .await
            .unwrap()
            .outcome(),
        Outcome::Approved
    );
    assert_eq!(env.faults.fired(other), 0);
}

#[tokio::test]
async fn dropped_connection_after_the_charge_is_resolved_by_invoice() {
    let env = Env::start().await;
    let rule = env.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1))
            .path("/v1/transactions/sale/keyed"),
    );
    let err = env
        .client
        .sale_keyed(&keyed(4321, "drop-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_ambiguous());
    assert_eq!(env.faults.fired(rule), 1);
    // The sale went through before the connection broke: the resolver finds it.
    let charged = env.fake().transactions_by_invoice("drop-1");
    assert_eq!(charged.len(), 1);
    match env
        .client
        .find_sale_by_invoice("drop-1", env.today())
        .await
        .unwrap()
    {
        SaleLookup::Approved(record) => {
            assert_eq!(record.transaction_id.0, charged[0].id);
            assert_eq!(record.amount, dollars(4321));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn latency_fault_times_the_client_out() {
    let env = Env::start().await;
    let impatient = client_for(&env.running, Duration::from_millis(300));
    // Fetch the token first so that only the sale is slow.
    impatient
        .export_transactions(&ExportByDateRangeRequest::new(env.today(), env.today()))
        .await
        .unwrap();
    let rule = env.faults.add(
        FaultRule::new(
            "paytrace",
            Fault::Latency(Duration::from_millis(800)),
            Trigger::Count(1),
        )
        .path("/v1/transactions/sale"),
    );
    let err = impatient
        .sale_keyed(&keyed(100, "slow-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref path, kind: RequestKind::Transaction } if path == "/v1/transactions/sale/keyed"),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    assert_eq!(env.faults.fired(rule), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // Whatever happened server-side, the resolver reports exactly what the fake holds.
    let held = env.fake().transactions_by_invoice("slow-1").len();
    let lookup = env
        .client
        .find_sale_by_invoice("slow-1", env.today())
        .await
        .unwrap();
    match held {
        0 => assert_eq!(lookup, SaleLookup::NotFound),
        _ => assert!(matches!(lookup, SaleLookup::Approved(_))),
    }
    // Without the fault the same client is fast enough.
    assert_eq!(
        impatient
            .sale_keyed(&keyed(100, "slow-2"))
            .await
            .unwrap()
            .outcome(),
        Outcome::Approved
    );
}

/// A vault customer for the hold tests, and a sale by it with `invoice`.
fn vault_sale(env: &Env, customer_id: &str, invoice: &str, cents: i64) -> CustomerRequest {
    let billing = sandbox::paytrace::Address {
        zip: Some("90210".into()),
        ..Default::default()
    };
    assert!(
        env.fake()
            .seed_customer(customer_id, VISA, 12, 2030, billing)
    );
    let mut charge = CustomerRequest::new(customer_id, dollars(cents));
    charge.details.invoice_id = Some(invoice.into());
    charge
}

#[tokio::test]
async fn apply_after_fault_charges_although_the_client_hung_up() {
    let env = Env::start().await;
    let charge = vault_sale(&env, "held-cust", "held-1", 2500);
    let impatient = client_for(&env.running, Duration::from_millis(300));
    // Fetch the token first so that only the sale is held.
    impatient
        .export_transactions(&ExportByDateRangeRequest::new(env.today(), env.today()))
        .await
        .unwrap();
    let rule = env.faults.add(
        FaultRule::new(
            "paytrace",
            Fault::ApplyAfter(Duration::from_millis(1500)),
            Trigger::Count(1),
        )
        .path("/v1/transactions/sale/by_customer")
        .method("POST"),
    );
    let err = impatient.sale_by_customer(&charge).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { ref path, kind: RequestKind::Transaction } if path == "/v1/transactions/sale/by_customer"),
        "{err:?}"
    );
    assert!(err.is_ambiguous());
    assert_eq!(env.faults.fired(rule), 1);
    // Still held when the client gives up...
    assert!(env.fake().transactions_by_invoice("held-1").is_empty());
    // ...and applied once the hold ends, with nobody waiting for the answer.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while env.fake().transactions_by_invoice("held-1").is_empty()
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let charged = env.fake().transactions_by_invoice("held-1");
    assert_eq!(charged.len(), 1, "{charged:?}");
    assert_eq!(charged[0].kind, TransactionKind::Sale);
    assert!(charged[0].approved);
    assert_eq!(charged[0].amount, dollars(2500));
    assert_eq!(charged[0].customer_id.as_deref(), Some("held-cust"));
    match env
        .client
        .find_sale_by_invoice("held-1", env.today())
        .await
        .unwrap()
    {
        SaleLookup::Approved(record) => assert_eq!(record.transaction_id.0, charged[0].id),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn apply_after_fault_shorter_than_the_timeout_answers_normally() {
    let env = Env::start().await;
    let charge = vault_sale(&env, "patient-cust", "held-2", 1800);
    let rule = env.faults.add(
        FaultRule::new(
            "paytrace",
            Fault::ApplyAfter(Duration::from_millis(200)),
            Trigger::Count(1),
        )
        .path("/v1/transactions/sale/by_customer"),
    );
    let started = std::time::Instant::now();
    let sale = env.client.sale_by_customer(&charge).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(sale.outcome(), Outcome::Approved);
    assert_eq!(env.faults.fired(rule), 1);
    let charged = env.fake().transactions_by_invoice("held-2");
    assert_eq!(charged.len(), 1);
    assert_eq!(Some(charged[0].id), sale.transaction_id.map(|t| t.0));
}
