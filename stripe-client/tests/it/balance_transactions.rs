use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use stripe_client::{BalanceTransactionType, ListBalanceTransactions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{StripeHeaders, client, failure_cases, fixture, list_of, query};

#[tokio::test]
async fn list_all_of_a_payout_with_expanded_sources() {
    let server = MockServer::start().await;
    let mut txn = fixture("balance_transaction");
    txn["fee"] = json!(59);
    txn["net"] = json!(41);
    txn["exchange_rate"] = json!(1.0850123456789);
    txn["fee_details"] = json!([{"amount": 59, "currency": "usd", "description": "Stripe processing fees", "type": "stripe_fee", "application": null}]);
    Mock::given(method("GET"))
        .and(path("/v1/balance_transactions"))
        .and(StripeHeaders)
        .and(query(&[("payout", "po_1"), ("expand[]", "data.source")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_of(
            "/v1/balance_transactions",
            vec![txn],
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let lines: Vec<_> = client(&server)
        .balance_transactions()
        .expand(["data.source"])
        .list_all(&ListBalanceTransactions::for_payout("po_1"))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let t = &lines[0];
    assert_eq!((t.amount, t.fee, t.net), (100, 59, 41));
    assert_eq!(t.transaction_type, BalanceTransactionType::Charge);
    assert_eq!(t.fee_details[0].fee_type, "stripe_fee");
    // The exchange rate keeps every digit: no f64 on the way.
    assert_eq!(
        t.exchange_rate,
        Some("1.0850123456789".parse::<Decimal>().unwrap())
    );
}

#[tokio::test]
async fn retrieve() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/balance_transactions/txn_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("balance_transaction")))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server)
        .balance_transactions()
        .retrieve("txn_1")
        .await
        .unwrap();
    assert_eq!(t.source.unwrap().as_object(), None);
}

failure_cases!("GET", "/v1/balance_transactions", |c| c
    .balance_transactions()
    .list(&stripe_client::ListBalanceTransactions::for_payout("po_1")));
