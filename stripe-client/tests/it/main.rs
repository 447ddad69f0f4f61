//! Integration tests: every operation against wiremock, retries, contract with the official spec.
#![allow(clippy::unwrap_used)]

mod helpers;

mod balance_transactions;
mod charges;
mod contract;
mod credit_notes;
mod customers;
mod disputes;
mod early_fraud_warnings;
mod events;
mod invoices;
mod payment_intents;
mod payment_methods;
mod payouts;
mod refunds;
mod retries;
mod subscriptions;
mod versions;

/// The client, its futures and its streams can cross threads (axum handlers, `tokio::spawn`).
#[test]
fn client_futures_and_streams_are_send() {
    fn is_send_sync<T: Send + Sync>(_: &T) {}
    fn is_send<T: Send>(_: &T) {}
    let client = stripe_client::Client::new(secrecy::SecretString::from("sk_test_x")).unwrap();
    is_send_sync(&client);
    let params = stripe_client::CreatePaymentIntent::new(100, "usd");
    let api = client.payment_intents();
    is_send(&api.create(&params));
    is_send(
        &api.list_all(&stripe_client::ListPaymentIntents::default())
            .unwrap(),
    );
}
