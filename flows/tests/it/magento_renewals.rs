//! Subscriptions of Magento customers on Stripe, end to end on the sandbox's fakes: started from
//! the store (`MagentoStripe::start_subscription`) for a customer the customer sync linked, and
//! their paid renewals of physical goods ordered in Magento (`RenewalOrder`).
#![cfg(all(feature = "magento", feature = "stripe"))]

use std::time::Duration;

use flows::workflows::magento_stripe::{StartSubscription, SubscriptionError};
use flows::{Outcome, Store};
use rust_decimal::Decimal;
use sandbox::{Fault, FaultRule, Trigger};
use serde_json::json;
use stripe_client::{
    CreatePrice, CreatePriceRecurring, CreateProduct, InvoiceSettingsParams, PriceInterval,
    UpdateCustomer,
};

use crate::drain;
use crate::magento_stripe::through_the_sandbox::Sandboxed;

/// The sandbox with a Stripe client of its fake, acting as the merchant.
struct Billing {
    app: Sandboxed,
    stripe: stripe_client::Client,
}

impl Billing {
    async fn start() -> Self {
        let app = Sandboxed::start().await;
        let stripe = stripe_client::Client::builder(secrecy::SecretString::from(
            app.stripe.fake.secret_key().to_owned(),
        ))
        .base_url(app.stripe.base_url().as_str())
        .build()
        .unwrap();
        Self { app, stripe }
    }

    /// A Magento customer synced to Stripe by its customer sync; returns both ids.
    async fn synced_customer(&self, email: &str) -> (i64, String) {
        let id = self
            .app
            .magento
            .fake
            .create_customer(email, "Ada", "Lovelace");
        let job = self.app.flows.customer_sync_job(id).unwrap();
        self.app.store.enqueue(job, 0).await.unwrap();
        self.app.drain().await;
        let link = self
            .app
            .store
            .state(&format!("magento/default/customer/{id}/stripe/link"))
            .await
            .unwrap()
            .expect("the customer sync's link");
        (id, link["customer"].as_str().unwrap().to_owned())
    }

    /// Attaches the test card `pm` to `customer`, as its default when `default`.
    async fn card(&self, customer: &str, pm: &str, default: bool) -> String {
        let pm = self
            .stripe
            .payment_methods()
            .attach(pm, customer)
            .await
            .unwrap()
            .id;
        if default {
            self.stripe
                .customers()
                .update(
                    customer,
                    &UpdateCustomer {
                        invoice_settings: Some(InvoiceSettingsParams {
                            default_payment_method: Some(pm.clone()),
                        }),
                        ..UpdateCustomer::default()
                    },
                )
                .await
                .unwrap();
        }
        pm
    }

    /// A monthly price of `amount` cents of a new product.
    async fn price(&self, product: CreateProduct, amount: i64) -> String {
        let product = self.stripe.products().create(&product).await.unwrap();
        self.stripe
            .prices()
            .create(&CreatePrice {
                recurring: Some(CreatePriceRecurring::every(PriceInterval::Month, 1)),
                ..CreatePrice::new(&product.id, amount, "usd")
            })
            .await
            .unwrap()
            .id
    }

    async fn start_subscription(
        &self,
        request: &StartSubscription,
    ) -> Result<stripe_client::Subscription, SubscriptionError> {
        self.app
            .flows
            .start_subscription(&*self.app.store, request)
            .await
    }

    /// The fake's events of `kind`.
    fn events(&self, kind: &str) -> Vec<serde_json::Value> {
        self.app
            .stripe
            .fake
            .events()
            .into_iter()
            .filter(|e| e["type"] == kind)
            .collect()
    }
}

#[tokio::test]
async fn a_linked_customer_with_a_default_card_subscribes_once_per_idempotency_key() {
    let b = Billing::start().await;
    let (id, cus) = b.synced_customer("ada@example.com").await;
    b.card(&cus, "pm_card_visa", true).await;
    let coffee = b.price(CreateProduct::new("Coffee beans"), 1_500).await;
    let mugs = b.price(CreateProduct::new("Mug"), 900).await;

    let request = StartSubscription::new(
        id,
        vec![(coffee.clone(), 2), (mugs.clone(), 1)],
        "subscribe-ada-1",
    );
    let first = b.start_subscription(&request).await.unwrap();
    let again = b.start_subscription(&request).await.unwrap();
    assert_eq!(again.id, first.id, "the same key is the same subscription");
    assert_eq!(
        b.app.stripe.fake.ids("subscription"),
        vec![first.id.clone()]
    );

    // The subscription as Stripe holds it: the customer, the items, the metadata.
    let stored = b.app.stripe.fake.object(&first.id).unwrap();
    assert_eq!(stored["customer"], cus.as_str());
    assert_eq!(stored["status"], "active");
    assert_eq!(stored["metadata"]["magento_customer_id"], id.to_string());
    assert_eq!(stored["metadata"]["store_code"], "default");
    assert_eq!(stored["metadata"]["store"], "magento");
    let items: Vec<(String, u64)> = stored["items"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["price"]["id"].as_str().unwrap().to_owned(),
                i["quantity"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(items, vec![(coffee, 2), (mugs, 1)]);
    // Sent under the caller's key: the creation event names it.
    let created = b.events("customer.subscription.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["request"]["idempotency_key"], "subscribe-ada-1");
    // The first invoice was paid with the default card: 2 × 15.00 + 9.00.
    let paid = b.events("invoice.paid");
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["data"]["object"]["amount_paid"], 3_900);
    assert_eq!(
        paid[0]["data"]["object"]["billing_reason"],
        "subscription_create"
    );
}

#[tokio::test]
async fn a_given_payment_method_is_the_subscriptions_default() {
    let b = Billing::start().await;
    let (id, cus) = b.synced_customer("grace@example.com").await;
    let pm = b.card(&cus, "pm_card_mastercard", false).await;
    let price = b.price(CreateProduct::new("Tea"), 700).await;

    let request =
        StartSubscription::new(id, vec![(price, 1)], "subscribe-grace").payment_method(&pm);
    let sub = b.start_subscription(&request).await.unwrap();
    let stored = b.app.stripe.fake.object(&sub.id).unwrap();
    assert_eq!(stored["default_payment_method"], pm.as_str());
    assert_eq!(stored["status"], "active");
}

#[tokio::test]
async fn a_customer_linked_only_in_stripes_metadata_is_found_by_search() {
    let b = Billing::start().await;
    let id = b
        .app
        .magento
        .fake
        .create_customer("alan@example.com", "Alan", "Turing");
    let customer = b
        .stripe
        .customers()
        .create(&stripe_client::CreateCustomer {
            email: Some("alan@example.com".into()),
            metadata: [
                ("magento_customer_id".to_owned(), id.to_string()),
                ("store_code".to_owned(), "default".to_owned()),
            ]
            .into_iter()
            .collect(),
            ..stripe_client::CreateCustomer::default()
        })
        .await
        .unwrap();
    b.card(&customer.id, "pm_card_visa", true).await;
    let price = b.price(CreateProduct::new("Socks"), 1_000).await;

    let sub = b
        .start_subscription(&StartSubscription::new(id, vec![(price, 3)], "alan-socks"))
        .await
        .unwrap();
    assert_eq!(sub.customer.id(), customer.id);
}

#[tokio::test]
async fn unlinked_customers_and_customers_without_a_card_are_typed_errors() {
    let b = Billing::start().await;
    let price = b.price(CreateProduct::new("Coffee beans"), 1_500).await;

    // Never synced: no link, and no Stripe customer names it.
    let lone = b
        .app
        .magento
        .fake
        .create_customer("lone@example.com", "Lone", "Wolf");
    let err = b
        .start_subscription(&StartSubscription::new(
            lone,
            vec![(price.clone(), 1)],
            "k1",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SubscriptionError::NotLinked { magento_customer_id } if magento_customer_id == lone),
        "{err:?}"
    );

    // Linked, with no card saved as its default.
    let (id, cus) = b.synced_customer("nocard@example.com").await;
    let err = b
        .start_subscription(&StartSubscription::new(id, vec![(price.clone(), 1)], "k2"))
        .await
        .unwrap_err();
    match err {
        SubscriptionError::NoPaymentMethod {
            magento_customer_id,
            stripe_customer,
        } => {
            assert_eq!(magento_customer_id, id);
            assert_eq!(stripe_customer, cus);
        }
        other => panic!("{other:?}"),
    }

    // Malformed requests call nothing and name the field.
    let invalid = |request: StartSubscription| {
        let b = &b;
        async move {
            match b.start_subscription(&request).await.unwrap_err() {
                SubscriptionError::Invalid { field, .. } => field,
                other => panic!("{other:?}"),
            }
        }
    };
    assert_eq!(
        invalid(StartSubscription::new(id, vec![], "k3")).await,
        "items"
    );
    assert_eq!(
        invalid(StartSubscription::new(id, vec![(price.clone(), 0)], "k3")).await,
        "items"
    );
    assert_eq!(
        invalid(StartSubscription::new(id, vec![(price.clone(), 1)], " ")).await,
        "idempotency_key"
    );
    assert_eq!(
        invalid(StartSubscription::new(
            id,
            vec![(price.clone(), 1)],
            "k".repeat(256)
        ))
        .await,
        "idempotency_key"
    );
    assert_eq!(
        invalid(StartSubscription::new(0, vec![(price, 1)], "k3")).await,
        "magento_customer_id"
    );
    assert!(b.app.stripe.fake.ids("subscription").is_empty());
}

/// A month and a day: past the first renewal of a monthly subscription.
const MONTH: Duration = Duration::from_secs(32 * 24 * 60 * 60);

impl Billing {
    /// A Magento customer with a default address (created through the API), synced to Stripe
    /// with a default card; returns both ids.
    async fn customer_with_address(&self, email: &str) -> (i64, String) {
        let magento = self.magento();
        let customer: magento::Customer = serde_json::from_value(json!({
            "email": email, "firstname": "Ada", "lastname": "Lovelace", "website_id": 1,
            "addresses": [{
                "firstname": "Ada", "lastname": "Lovelace", "street": ["1 Main St", "Apt 2"],
                "city": "Springfield", "region": {"region_code": "IL", "region": "Illinois"},
                "postcode": "62701", "country_id": "US", "telephone": "+1 217 555 0100",
                "default_billing": true, "default_shipping": true
            }]
        }))
        .unwrap();
        let id = magento
            .customers()
            .create(&magento::NewCustomer::new(customer))
            .await
            .unwrap()
            .id
            .unwrap();
        let job = self.app.flows.customer_sync_job(id).unwrap();
        self.app.store.enqueue(job, 0).await.unwrap();
        self.app.drain().await;
        let link = self
            .app
            .store
            .state(&format!("magento/default/customer/{id}/stripe/link"))
            .await
            .unwrap()
            .expect("the customer sync's link");
        let cus = link["customer"].as_str().unwrap().to_owned();
        self.card(&cus, "pm_card_visa", true).await;
        (id, cus)
    }

    /// A client of the Magento fake, acting as the store's people.
    fn magento(&self) -> magento::Client {
        magento::Client::builder(
            self.app.magento.base_url().as_str(),
            magento::Credentials::oauth(
                self.app.magento.fake.consumer_key(),
                self.app.magento.fake.consumer_secret(),
                self.app.magento.fake.access_token(),
                self.app.magento.fake.access_token_secret(),
            ),
        )
        .store_code("default")
        .build()
        .unwrap()
    }

    /// A product sold as Magento `sku` (in Stripe's metadata and Magento's catalog).
    async fn shippable_price(&self, sku: &str, amount: i64) -> String {
        self.app
            .magento
            .fake
            .add_product(sku, format!("Product {sku}"), Decimal::new(amount, 2));
        let mut product = CreateProduct::new(format!("Product {sku}"));
        product.metadata.insert("magento_sku".into(), sku.into());
        self.price(product, amount).await
    }

    /// The fake's invoices with this `billing_reason`, oldest first.
    fn invoices(&self, reason: &str) -> Vec<serde_json::Value> {
        let fake = &self.app.stripe.fake;
        fake.ids("invoice")
            .iter()
            .filter_map(|id| fake.object(id))
            .filter(|i| i["billing_reason"] == reason)
            .collect()
    }

    /// Runs invoice `id`'s renewal order job; retries wait their backoff. Returns the outcomes.
    async fn order_renewal(&self, id: &str) -> Vec<Outcome> {
        let job = self.app.flows.renewal_order_job(id).unwrap();
        self.app.store.enqueue(job, 0).await.unwrap();
        let mut outcomes = Vec::new();
        for _ in 0..10 {
            let round = drain(&self.app.worker).await;
            let retrying = round.iter().any(|o| matches!(o, Outcome::Retrying { .. }));
            outcomes.extend(round);
            if !retrying {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        outcomes
    }

    /// A subscription of customer `id` to `items`, renewed once (the account's clock moved a
    /// month on); returns the paid renewal invoice.
    async fn renewed(&self, id: i64, items: Vec<(String, u64)>) -> serde_json::Value {
        self.start_subscription(&StartSubscription::new(id, items, format!("sub-{id}")))
            .await
            .unwrap();
        self.app.stripe.fake.advance_clock(MONTH);
        let renewals = self.invoices("subscription_cycle");
        assert_eq!(renewals.len(), 1);
        assert_eq!(renewals[0]["status"], "paid");
        renewals.into_iter().next().unwrap()
    }

    /// The Stripe charge that paid `invoice`.
    async fn charge_of(&self, invoice: &serde_json::Value) -> String {
        let read = self
            .stripe
            .invoices()
            .expand(["payments"])
            .retrieve(invoice["id"].as_str().unwrap())
            .await
            .unwrap();
        let payment = &read.payments.unwrap().data[0].payment;
        let intent = payment.payment_intent.as_ref().unwrap().id().to_owned();
        let intent = self
            .stripe
            .payment_intents()
            .retrieve(&intent)
            .await
            .unwrap();
        intent.latest_charge.unwrap().id().to_owned()
    }
}

#[tokio::test]
async fn a_paid_renewal_of_goods_is_one_paid_magento_order_however_often_its_job_runs() {
    let b = Billing::start().await;
    let (id, _) = b.customer_with_address("ada@example.com").await;
    let coffee = b.shippable_price("COFFEE-1KG", 1_550).await;
    let support = b.price(CreateProduct::new("Brewing support"), 500).await;
    let renewal = b.renewed(id, vec![(coffee, 2), (support, 1)]).await;
    let charge = b.charge_of(&renewal).await;

    // The first invoice's order is the storefront's: its job orders nothing.
    let first = b.invoices("subscription_create").remove(0);
    let outcomes = b.order_renewal(first["id"].as_str().unwrap()).await;
    assert_eq!(outcomes, vec![Outcome::Done]);
    assert!(b.app.magento.fake.orders().is_empty());

    let invoice_id = renewal["id"].as_str().unwrap();
    assert_eq!(b.order_renewal(invoice_id).await, vec![Outcome::Done]);
    // Run again (a second `invoice.paid`, a replay): nothing more.
    let again = b.app.flows.renewal_order_job(invoice_id).unwrap();
    b.app
        .store
        .enqueue(
            flows::NewJob {
                rerun: true,
                ..again
            },
            0,
        )
        .await
        .unwrap();
    b.app.drain().await;

    let orders = b.app.magento.fake.orders();
    assert_eq!(orders.len(), 1, "{orders:?}");
    let order = &orders[0];
    assert_eq!(order.customer_id, Some(id));
    assert_eq!(order.customer_email, "ada@example.com");
    // Only the shippable line, under its Magento SKU, at the invoice's quantity.
    let lines: Vec<(&str, Decimal)> = order
        .items
        .iter()
        .map(|i| (i.sku.as_str(), i.qty_ordered))
        .collect();
    assert_eq!(lines, vec![("COFFEE-1KG", Decimal::from(2))]);
    assert_eq!(order.payment.method, "checkmo");
    let shipping = order.shipping_address.clone().unwrap();
    assert_eq!(
        (shipping.city.as_str(), shipping.postcode.as_str()),
        ("Springfield", "62701")
    );
    // Marked paid: one offline invoice naming the charge, the order processing.
    assert_eq!(order.state, "processing");
    let invoices = b.app.magento.fake.invoices_of(order.entity_id);
    assert_eq!(invoices.len(), 1);
    let comment = invoices[0].comment.clone().unwrap();
    assert!(comment.contains(&charge), "{comment}");
    assert!(comment.contains(invoice_id), "{comment}");
    let json = b.app.magento.fake.order_json(order.entity_id).unwrap();
    let histories = json["status_histories"].as_array().unwrap();
    assert_eq!(histories.len(), 1, "{json}");
    assert_eq!(histories[0]["comment"], comment.as_str());
    // Placed from the cart the job recorded.
    let cart = b
        .app
        .store
        .effect(&format!(
            "stripe/acct_123/invoice/{invoice_id}/renewal/cart"
        ))
        .await
        .unwrap();
    let cart = cart.map(|e| e.detail.as_i64().unwrap());
    assert_eq!(cart, Some(order.quote_id));
}

#[tokio::test]
async fn an_order_whose_answer_was_lost_is_found_by_its_cart_not_placed_again() {
    let b = Billing::start().await;
    let (id, _) = b.customer_with_address("grace@example.com").await;
    let beans = b.shippable_price("BEANS", 1_000).await;
    let renewal = b.renewed(id, vec![(beans, 3)]).await;
    // Magento places the order and the answer is lost.
    let lost = b.app.faults.add(
        FaultRule::new("magento", Fault::Drop, Trigger::Count(1))
            .method("PUT")
            .path("/rest/default/V1/carts/"),
    );
    let outcomes = b.order_renewal(renewal["id"].as_str().unwrap()).await;
    assert_eq!(b.app.faults.fired(lost), 1);
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Retrying { .. })),
        "{outcomes:?}"
    );
    assert_eq!(outcomes.last(), Some(&Outcome::Done), "{outcomes:?}");
    let orders = b.app.magento.fake.orders();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(b.app.magento.fake.invoices_of(orders[0].entity_id).len(), 1);
    assert_eq!(orders[0].items[0].qty_ordered, Decimal::from(3));
}

#[tokio::test]
async fn a_renewal_of_nothing_shippable_orders_nothing() {
    let b = Billing::start().await;
    let (id, _) = b.customer_with_address("alan@example.com").await;
    let plan = b.price(CreateProduct::new("Support plan"), 2_000).await;
    let renewal = b.renewed(id, vec![(plan, 1)]).await;
    assert_eq!(
        b.order_renewal(renewal["id"].as_str().unwrap()).await,
        vec![Outcome::Done]
    );
    assert!(b.app.magento.fake.orders().is_empty());
    assert!(b.app.magento.fake.carts().is_empty());
}

#[tokio::test]
async fn a_cart_holding_the_customers_own_products_is_a_dead_letter_not_an_order_of_them() {
    let b = Billing::start().await;
    let (id, _) = b.customer_with_address("edsger@example.com").await;
    let beans = b.shippable_price("BEANS", 1_000).await;
    let renewal = b.renewed(id, vec![(beans, 1)]).await;
    // The customer left a mug in the storefront cart.
    b.app
        .magento
        .fake
        .add_product("MUG", "Mug", Decimal::from(9));
    let magento = b.magento();
    let cart = magento.carts().create_for_customer(id).await.unwrap();
    magento
        .carts()
        .add_item(cart, &magento::CartItem::new(cart, "MUG", Decimal::ONE))
        .await
        .unwrap();

    let outcomes = b.order_renewal(renewal["id"].as_str().unwrap()).await;
    match outcomes.as_slice() {
        [Outcome::DeadLettered { reason }] => {
            assert!(reason.contains("MUG"), "{reason}");
            assert!(reason.contains(&format!("cart {cart}")), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(b.app.magento.fake.orders().is_empty());
    let carts = b.app.magento.fake.carts();
    assert_eq!(carts.len(), 1);
    assert_eq!(
        carts[0].items.len(),
        1,
        "nothing added to the customer's cart"
    );
}
