//! The same job through `stripe-client`, touching every resource family so none is dropped by the
//! linker.
use secrecy::SecretString;
use stripe_client::{
    Client, CreatePaymentIntent, ListBalanceTransactions, ListCharges, ListCustomers, ListDisputes,
    ListEarlyFraudWarnings, ListEvents, ListInvoices, ListPaymentIntents, ListPayouts, ListRefunds,
    ListSubscriptions,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(SecretString::from("sk_test_x"))
        .base_url("http://127.0.0.1:9")
        .build()?;
    let created = client
        .payment_intents()
        .create(&CreatePaymentIntent::new(1099, "usd"))
        .await;
    println!("{:?}", created.is_ok());
    println!(
        "{:?}",
        client
            .payment_intents()
            .list(&ListPaymentIntents::default())
            .await
            .is_ok()
    );
    println!(
        "{:?}",
        client.charges().list(&ListCharges::default()).await.is_ok()
    );
    println!(
        "{:?}",
        client.refunds().list(&ListRefunds::default()).await.is_ok()
    );
    println!(
        "{:?}",
        client
            .customers()
            .list(&ListCustomers::default())
            .await
            .is_ok()
    );
    println!(
        "{:?}",
        client.payouts().list(&ListPayouts::default()).await.is_ok()
    );
    println!(
        "{:?}",
        client
            .balance_transactions()
            .list(&ListBalanceTransactions::default())
            .await
            .is_ok()
    );
    println!(
        "{:?}",
        client
            .disputes()
            .list(&ListDisputes::default())
            .await
            .is_ok()
    );
    println!(
        "{:?}",
        client
            .early_fraud_warnings()
            .list(&ListEarlyFraudWarnings::default())
            .await
            .is_ok()
    );
    println!(
        "{:?}",
        client
            .subscriptions()
            .list(&ListSubscriptions::default())
            .await
            .is_ok()
    );
    println!(
        "{:?}",
        client
            .invoices()
            .list(&ListInvoices::default())
            .await
            .is_ok()
    );
    println!(
        "{:?}",
        client.events().list(&ListEvents::default()).await.is_ok()
    );
    let header =
        stripe_client::webhook::generate_test_header(b"{}", &SecretString::from("whsec_x"), 0);
    println!("{header}");
    Ok(())
}
