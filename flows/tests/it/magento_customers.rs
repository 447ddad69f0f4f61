//! Customer sync between Magento and Stripe end to end: the sandbox's fakes over loopback, their
//! customer events through the intake (Stripe's signed webhooks; Magento's Adobe Commerce
//! events as the fake records them), the SQLite store and a worker.
#![cfg(all(feature = "magento", feature = "stripe"))]

use std::sync::{Arc, Mutex};

use flows::intake::AdobeCommerceWebhooks;
use flows::notify::{Notice, NoticeKind};
use flows::workflows::magento_stripe::SyncedFields;
use flows::{Outcome, Store, Worker};
use mapping::System;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sandbox::Faults;
use serde_json::json;

use crate::drain;
use crate::magento_stripe::through_the_sandbox::Sandboxed;
use crate::magento_webhooks::KEYS;
use crate::notify::{Recording, notifying};

/// The Magento + Stripe sandbox whose intake also takes Adobe Commerce's customer events, with a
/// worker that records notices, and clients of both fakes acting as the people who edit.
struct Customers {
    app: Sandboxed,
    worker: Worker,
    notices: Arc<Recording>,
    magento: magento::Client,
    stripe: stripe_client::Client,
    magento_seen: Mutex<usize>,
}

impl Customers {
    async fn start() -> Self {
        let app = Sandboxed::start_with(
            Faults::default(),
            |config| config,
            |intake| {
                intake.source(AdobeCommerceWebhooks::new(
                    magento::WebhookVerifier::from_public_key_pem(&KEYS.1).unwrap(),
                ))
            },
            |worker| worker,
        )
        .await;
        let (worker, notices) = notifying(&app.store, |w| app.flows.register(w));
        let magento = magento::Client::builder(
            app.magento.base_url().as_str(),
            magento::Credentials::oauth(
                app.magento.fake.consumer_key(),
                app.magento.fake.consumer_secret(),
                app.magento.fake.access_token(),
                app.magento.fake.access_token_secret(),
            ),
        )
        .store_code("default")
        .build()
        .unwrap();
        let stripe = stripe_client::Client::builder(secrecy::SecretString::from(
            app.stripe.fake.secret_key().to_owned(),
        ))
        .base_url(app.stripe.base_url().as_str())
        .build()
        .unwrap();
        Self {
            app,
            worker,
            notices,
            magento,
            stripe,
            magento_seen: Mutex::new(0),
        }
    }

    /// Stores both fakes' new customer events through the intake, as their webhooks would.
    async fn deliver(&self) -> usize {
        let before = self.app.stripe.fake.events().len();
        self.app.deliver_events().await;
        let stripe = self.app.stripe.fake.events().len() - before;
        let events = self.app.magento.fake.customer_events();
        let start = std::mem::replace(&mut *self.magento_seen.lock().unwrap(), events.len());
        for event in &events[start..] {
            let body = serde_json::to_vec(event).unwrap();
            self.app
                .intake
                .ingest(System::Magento, &body)
                .await
                .unwrap();
        }
        stripe + events.len() - start
    }

    /// Runs the worker and delivers the events its writes cause until nothing is left; every
    /// run succeeded.
    async fn settle(&self) {
        loop {
            self.deliver().await;
            let outcomes = drain(&self.worker).await;
            assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
            if outcomes.is_empty() {
                return;
            }
        }
    }

    /// A Magento customer created through the API, with a US default billing address.
    async fn magento_customer(&self, email: &str, first: &str, last: &str, website: i64) -> i64 {
        let customer: magento::Customer = serde_json::from_value(json!({
            "email": email, "firstname": first, "lastname": last, "website_id": website,
            "addresses": [{
                "firstname": first, "lastname": last, "street": ["1 Main St", "Apt 2"],
                "city": "Springfield", "region": {"region_code": "IL", "region": "Illinois"},
                "postcode": "62701", "country_id": "US", "telephone": "+1 217 555 0100",
                "default_billing": true, "default_shipping": true
            }]
        }))
        .unwrap();
        self.magento
            .customers()
            .create(&magento::NewCustomer::new(customer))
            .await
            .unwrap()
            .id
            .unwrap()
    }

    /// Edits a Magento customer as a person would, through the API.
    async fn edit_magento(&self, id: i64, edit: impl FnOnce(&mut magento::Customer)) {
        let mut customer = self.magento.customers().get(id).await.unwrap();
        edit(&mut customer);
        self.magento
            .customers()
            .update(id, &customer)
            .await
            .unwrap();
    }

    async fn linked(&self, id: i64) -> Option<String> {
        let link = self
            .app
            .store
            .state(&format!("magento/default/customer/{id}/stripe/link"))
            .await
            .unwrap();
        link.and_then(|l| l["customer"].as_str().map(str::to_owned))
    }

    async fn stripe_customer(&self, id: &str) -> stripe_client::Customer {
        self.stripe.customers().retrieve(id).await.unwrap()
    }

    async fn synced_magento(&self, id: i64) -> SyncedFields {
        let customer = self.magento.customers().get(id).await.unwrap();
        SyncedFields::of(&mapping::Customer::try_from(&customer).unwrap())
    }

    async fn synced_stripe(&self, id: &str) -> SyncedFields {
        let customer = self.stripe_customer(id).await;
        SyncedFields::of(&mapping::Customer::try_from(&customer).unwrap())
    }

    /// The ERP customer of Magento customer `id`.
    async fn erp_customer(&self, id: i64) -> erp::Customer {
        self.app
            .ledger
            .customer(&format!("magento/default/customer/{id}"))
            .await
            .unwrap()
            .expect("an ERP customer")
    }

    fn notices(&self, kind: NoticeKind) -> Vec<Notice> {
        self.notices
            .sent()
            .into_iter()
            .filter(|n| n.kind == kind)
            .collect()
    }

    /// Stripe `customer.updated` events so far, and Magento customer saves.
    fn writes(&self) -> (usize, usize) {
        let stripe = self
            .app
            .stripe
            .fake
            .events()
            .iter()
            .filter(|e| e["type"] == "customer.updated")
            .count();
        (stripe, self.app.magento.fake.customer_events().len())
    }
}

#[tokio::test]
async fn a_magento_customer_creates_then_updates_its_stripe_customer() {
    let c = Customers::start().await;
    let id = c
        .magento_customer("ada@example.com", "Ada", "Lovelace", 1)
        .await;
    c.settle().await;

    let cus = c.linked(id).await.expect("linked");
    let stripe = c.stripe_customer(&cus).await;
    assert_eq!(stripe.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(stripe.email.as_deref(), Some("ada@example.com"));
    assert_eq!(stripe.phone.as_deref(), Some("+1 217 555 0100"));
    let address = stripe.address.clone().unwrap();
    assert_eq!(address.line1.as_deref(), Some("1 Main St"));
    assert_eq!(address.line2.as_deref(), Some("Apt 2"));
    assert_eq!(address.state.as_deref(), Some("IL"));
    assert_eq!(address.country.as_deref(), Some("US"));
    assert_eq!(stripe.metadata["magento_customer_id"], id.to_string());
    assert_eq!(stripe.metadata["store"], "magento");
    assert_eq!(stripe.metadata["store_code"], "default");
    // Its own creation's echoes (customer.created, Magento's save event) wrote nothing.
    assert_eq!(c.writes(), (0, 1));
    let stripe_vault = |cus: &str| erp::VaultId {
        gateway: erp::Gateway::new("stripe").unwrap(),
        vault_id: cus.to_owned(),
    };
    let booked = c.erp_customer(id).await;
    assert_eq!(booked.name, "Ada Lovelace");
    assert_eq!(booked.email.as_deref(), Some("ada@example.com"));
    assert_eq!(booked.vault_ids, vec![stripe_vault(&cus)]);

    c.edit_magento(id, |m| {
        m.lastname = "Byron".into();
        m.addresses[0].city = Some("Chicago".into());
    })
    .await;
    c.settle().await;
    let stripe = c.stripe_customer(&cus).await;
    assert_eq!(stripe.name.as_deref(), Some("Ada Byron"));
    assert_eq!(stripe.address.unwrap().city.as_deref(), Some("Chicago"));
    // One Stripe write for the one change; nothing written back to Magento.
    assert_eq!(c.writes(), (1, 2));
    assert_eq!(c.synced_magento(id).await, c.synced_stripe(&cus).await);
    let booked = c.erp_customer(id).await;
    assert_eq!(booked.name, "Ada Byron");
    assert_eq!(booked.vault_ids, vec![stripe_vault(&cus)]);
}

#[tokio::test]
async fn a_stripe_change_updates_magento_with_the_name_split_at_its_last_space() {
    let c = Customers::start().await;
    let id = c
        .magento_customer("mary@example.com", "Mary", "Smith", 1)
        .await;
    c.settle().await;
    let cus = c.linked(id).await.unwrap();

    let mut address = c.stripe_customer(&cus).await.address.unwrap();
    address.city = Some("Peoria".into());
    address.line2 = None;
    c.stripe
        .customers()
        .update(
            &cus,
            &stripe_client::UpdateCustomer {
                name: Some("Mary Ann van Smith".into()),
                email: Some("mary.ann@example.com".into()),
                address: Some(address),
                ..stripe_client::UpdateCustomer::default()
            },
        )
        .await
        .unwrap();
    c.settle().await;

    let magento = c.magento.customers().get(id).await.unwrap();
    assert_eq!(magento.firstname, "Mary Ann van");
    assert_eq!(magento.lastname, "Smith");
    assert_eq!(magento.email, "mary.ann@example.com");
    let billing = &magento.addresses[0];
    assert_eq!(billing.city.as_deref(), Some("Peoria"));
    assert_eq!(billing.street, vec!["1 Main St".to_owned()]);
    assert_eq!(billing.telephone.as_deref(), Some("+1 217 555 0100"));
    // One Magento write; its echo wrote nothing to Stripe.
    assert_eq!(c.writes(), (1, 2));
    assert_eq!(c.synced_magento(id).await, c.synced_stripe(&cus).await);
    // The ERP customer follows the Stripe change Magento took.
    let booked = c.erp_customer(id).await;
    assert_eq!(booked.name, "Mary Ann van Smith");
    assert_eq!(booked.email.as_deref(), Some("mary.ann@example.com"));
}

#[tokio::test]
async fn stripe_customers_are_linked_by_email_only_with_exactly_one_match() {
    let c = Customers::start().await;
    let one = c
        .magento_customer("one@example.com", "Only", "One", 1)
        .await;
    // The same e-mail in two websites: two matches.
    let twin_a = c.magento_customer("twin@example.com", "Twin", "A", 1).await;
    let twin_b = c.magento_customer("twin@example.com", "Twin", "B", 2).await;
    c.settle().await;
    // Those got Stripe customers of their own: deleted, so the ones below are found by e-mail.
    for id in [one, twin_a, twin_b] {
        let cus = c.linked(id).await.unwrap();
        c.stripe.customers().delete(&cus).await.unwrap();
    }
    c.settle().await;
    assert_eq!(c.linked(one).await, None);

    let create = |email: &str| stripe_client::CreateCustomer {
        email: Some(email.to_owned()),
        name: Some("Walk In".to_owned()),
        ..stripe_client::CreateCustomer::default()
    };
    let matched = c
        .stripe
        .customers()
        .create(&create("one@example.com"))
        .await
        .unwrap();
    let nobody = c
        .stripe
        .customers()
        .create(&create("nobody@example.com"))
        .await
        .unwrap();
    let twins = c
        .stripe
        .customers()
        .create(&create("twin@example.com"))
        .await
        .unwrap();
    c.settle().await;

    let matched = c.stripe_customer(&matched.id).await;
    assert_eq!(matched.metadata["magento_customer_id"], one.to_string());
    assert_eq!(c.linked(one).await.as_deref(), Some(matched.id.as_str()));
    // The link's first agreement: no earlier one to compare with, so the store's values win.
    assert_eq!(matched.name.as_deref(), Some("Only One"));
    assert_eq!(
        c.synced_magento(one).await,
        c.synced_stripe(&matched.id).await
    );

    for cus in [&nobody.id, &twins.id] {
        assert!(
            !c.stripe_customer(cus)
                .await
                .metadata
                .contains_key("magento_customer_id")
        );
    }
    let unlinked = c.notices(NoticeKind::CustomerUnlinked);
    let about = |cus: &str| unlinked.iter().filter(|n| n.title.contains(cus)).count();
    assert_eq!(about(&nobody.id), 1, "{unlinked:?}");
    assert_eq!(about(&twins.id), 1, "{unlinked:?}");
    assert_eq!(about(&matched.id), 0);
    assert!(
        unlinked
            .iter()
            .any(|n| n.text.contains("no Magento customer"))
    );
    assert!(
        unlinked
            .iter()
            .any(|n| n.text.contains("several Magento customers"))
    );
}

#[tokio::test]
async fn a_deleted_stripe_customer_unlinks_and_never_deletes_the_magento_customer() {
    let c = Customers::start().await;
    let id = c
        .magento_customer("gone@example.com", "Gone", "Soon", 1)
        .await;
    c.settle().await;
    let cus = c.linked(id).await.unwrap();
    c.stripe.customers().delete(&cus).await.unwrap();
    c.settle().await;
    assert_eq!(c.linked(id).await, None);
    assert!(c.app.magento.fake.customer(id).is_some());

    // The next Magento change links a new Stripe customer.
    c.edit_magento(id, |m| m.firstname = "Back".into()).await;
    c.settle().await;
    let again = c.linked(id).await.unwrap();
    assert_ne!(again, cus);
    assert_eq!(
        c.stripe_customer(&again).await.name.as_deref(),
        Some("Back Soon")
    );
}

#[tokio::test]
async fn an_order_of_a_linked_customer_pays_as_its_stripe_customer() {
    let c = Customers::start().await;
    let id = c
        .magento_customer("buyer@example.com", "Bu", "Yer", 1)
        .await;
    c.settle().await;
    let cus = c.linked(id).await.unwrap();

    let mut order = sandbox::magento::NewOrder::new("buyer@example.com")
        .item("TEE-1", 1, 20.into())
        .customer(id, "Bu", "Yer");
    order.payment_method = "stripe_payments".into();
    order.payment_info = vec![("stripe_payment_method".into(), "pm_card_visa".into())];
    order.state = "pending_payment".into();
    let order = c.app.magento.fake.create_order(order);
    c.app
        .store
        .enqueue(
            flows::workflow::job(
                &c.app.flows.order_payment(),
                &flows::workflows::magento_stripe::MagentoOrder { entity_id: order },
            )
            .unwrap(),
            0,
        )
        .await
        .unwrap();
    c.settle().await;
    let pi = c.app.payment_intent(order).await;
    let intent = c.stripe.payment_intents().retrieve(&pi).await.unwrap();
    assert_eq!(intent.customer.map(|x| x.id().to_owned()), Some(cus));
}

/// A Stripe customer made on Stripe's side for a Magento customer whose own event is run first:
/// the sync adopts it (found by its metadata) instead of creating a second one.
#[tokio::test]
async fn a_stripe_customer_naming_the_customer_is_adopted_not_duplicated() {
    let c = Customers::start().await;
    let id = c
        .magento_customer("early@example.com", "Early", "Bird", 1)
        .await;
    let mut params = stripe_client::CreateCustomer {
        email: Some("early@example.com".into()),
        name: Some("Early Bird".into()),
        ..stripe_client::CreateCustomer::default()
    };
    params
        .metadata
        .insert("magento_customer_id".into(), id.to_string());
    let made = c.stripe.customers().create(&params).await.unwrap();
    // Another Magento store sharing the Stripe account has a customer with the same id.
    let mut foreign = params.clone();
    foreign.metadata.insert("store_code".into(), "eu".into());
    foreign.name = Some("Someone Else".into());
    let foreign = c.stripe.customers().create(&foreign).await.unwrap();

    // Only Magento's event reaches the worker before the Stripe one.
    let events = c.app.magento.fake.customer_events();
    *c.magento_seen.lock().unwrap() = events.len();
    for event in &events {
        let body = serde_json::to_vec(event).unwrap();
        c.app.intake.ingest(System::Magento, &body).await.unwrap();
    }
    let outcomes = drain(&c.worker).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
    assert_eq!(c.linked(id).await.as_deref(), Some(made.id.as_str()));
    c.settle().await;

    let naming = c
        .stripe
        .customers()
        .search(&stripe_client::SearchCustomers::new(format!(
            "metadata['magento_customer_id']:'{id}'"
        )))
        .await
        .unwrap()
        .data;
    assert_eq!(naming.len(), 2, "{naming:?}");
    assert_eq!(c.linked(id).await, Some(made.id.clone()));
    // The other store's customer is neither linked nor told about, nor written to.
    assert!(c.notices(NoticeKind::CustomerUnlinked).is_empty());
    assert_eq!(
        c.stripe_customer(&foreign.id).await.name.as_deref(),
        Some("Someone Else")
    );
    assert_eq!(c.erp_customer(id).await.vault_ids[0].vault_id, made.id);
}

/// Stripe's phone is unset; Magento requires a telephone on its address, so it keeps its own.
/// The two phones then stay apart: a later Magento change does not write the phone back to
/// Stripe, and nothing ping-pongs.
#[tokio::test]
async fn a_field_cleared_on_one_side_is_left_apart_never_written_back() {
    let c = Customers::start().await;
    let id = c
        .magento_customer("clear@example.com", "Clara", "Clear", 1)
        .await;
    c.settle().await;
    let cus = c.linked(id).await.unwrap();

    c.stripe
        .customers()
        .update(
            &cus,
            &stripe_client::UpdateCustomer {
                phone: Some(String::new()),
                ..stripe_client::UpdateCustomer::default()
            },
        )
        .await
        .unwrap();
    c.settle().await;
    assert_eq!(c.stripe_customer(&cus).await.phone, None);
    let magento = c.magento.customers().get(id).await.unwrap();
    assert_eq!(
        magento.addresses[0].telephone.as_deref(),
        Some("+1 217 555 0100")
    );

    c.edit_magento(id, |m| m.addresses[0].city = Some("Decatur".into()))
        .await;
    c.settle().await;
    let stripe = c.stripe_customer(&cus).await;
    assert_eq!(stripe.address.unwrap().city.as_deref(), Some("Decatur"));
    assert_eq!(stripe.phone, None, "the phone was written back");
    // Nothing more to do: another round writes nothing.
    let writes = c.writes();
    c.settle().await;
    assert_eq!(c.writes(), writes);
}

/// Both sides change the same field before either event is delivered: the newer change wins,
/// and on a tie (provider times are whole seconds) the store's.
#[tokio::test]
async fn a_conflict_goes_to_the_newer_change_and_the_store_wins_a_tie() {
    let c = Customers::start().await;
    let id = c
        .magento_customer("both@example.com", "Both", "Sides", 1)
        .await;
    c.settle().await;
    let cus = c.linked(id).await.unwrap();
    let rename_in_stripe = |name: &'static str| {
        let stripe = &c.stripe;
        let cus = cus.clone();
        async move {
            let update = stripe_client::UpdateCustomer {
                name: Some(name.to_owned()),
                ..stripe_client::UpdateCustomer::default()
            };
            stripe.customers().update(&cus, &update).await.unwrap();
        }
    };

    // Stripe first, Magento after (in the same second or a later one): the store's change is
    // not older, so it wins.
    rename_in_stripe("From Stripe").await;
    c.edit_magento(id, |m| m.lastname = "Magento".into()).await;
    c.settle().await;
    assert_eq!(
        c.synced_stripe(&cus).await.name.as_deref(),
        Some("Both Magento")
    );
    assert_eq!(
        c.synced_magento(id).await.name.as_deref(),
        Some("Both Magento")
    );

    // Magento first, Stripe more than a second later: Stripe's change is newer and wins.
    c.edit_magento(id, |m| m.lastname = "Older".into()).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    rename_in_stripe("Newer Stripe").await;
    c.settle().await;
    assert_eq!(
        c.synced_magento(id).await.name.as_deref(),
        Some("Newer Stripe")
    );
    assert_eq!(
        c.synced_stripe(&cus).await.name.as_deref(),
        Some("Newer Stripe")
    );
    assert_eq!(c.erp_customer(id).await.name, "Newer Stripe");
}

/// Random edits of both sides of several customers, interleaved with partial deliveries and
/// runs: both sides end equal, and the sync wrote at most once per real change.
#[tokio::test]
async fn random_interleaved_edits_converge_without_ping_pong() {
    const CUSTOMERS: usize = 4;
    const EDITS: usize = 1_200;
    let c = Customers::start().await;
    let mut ids = Vec::new();
    for n in 0..CUSTOMERS {
        ids.push(
            c.magento_customer(&format!("c{n}@example.com"), "First", "Last", 1)
                .await,
        );
    }
    c.settle().await;
    let mut links = Vec::new();
    for id in &ids {
        links.push(c.linked(*id).await.unwrap());
    }
    let (stripe_start, magento_start) = c.writes();

    let mut rng = StdRng::seed_from_u64(20);
    let mut edits = 0usize;
    for edit in 0..EDITS {
        let who = rng.random_range(0..CUSTOMERS);
        let value = format!("v{edit}");
        if rng.random_bool(0.5) {
            let field = rng.random_range(0..4);
            c.edit_magento(ids[who], |m| match field {
                0 => m.firstname = value.clone(),
                1 => m.lastname = value.clone(),
                2 => m.email = format!("{value}@example.com"),
                _ => m.addresses[0].city = Some(value.clone()),
            })
            .await;
        } else {
            let field = rng.random_range(0..4);
            let mut update = stripe_client::UpdateCustomer::default();
            match field {
                0 => update.name = Some(format!("{value} Stripe")),
                1 => update.email = Some(format!("{value}@example.org")),
                2 => update.phone = Some(format!("+1 555 {edit:04}")),
                _ => {
                    let mut address = c.stripe_customer(&links[who]).await.address.unwrap();
                    address.city = Some(value.clone());
                    update.address = Some(address);
                }
            }
            c.stripe
                .customers()
                .update(&links[who], &update)
                .await
                .unwrap();
        }
        edits += 1;
        // Webhooks and the worker run at random points between edits.
        match rng.random_range(0..10) {
            0 => {
                c.deliver().await;
            }
            1 => {
                c.deliver().await;
                let outcomes = drain(&c.worker).await;
                assert!(outcomes.iter().all(|o| *o == Outcome::Done), "{outcomes:?}");
            }
            _ => {}
        }
    }
    c.settle().await;

    for (id, cus) in ids.iter().zip(&links) {
        let magento = c.synced_magento(*id).await;
        assert_eq!(magento, c.synced_stripe(cus).await, "customer {id}");
        // The ERP customer is current too.
        let booked = c.erp_customer(*id).await;
        assert_eq!(Some(booked.name), magento.name, "customer {id}");
        assert_eq!(booked.email, magento.email, "customer {id}");
    }
    let (stripe_end, magento_end) = c.writes();
    // The people's edits are among these events: what is left is the sync's writes.
    let stripe_edits_seen = stripe_end - stripe_start;
    let magento_saves = magento_end - magento_start;
    let sync_writes = stripe_edits_seen + magento_saves - edits;
    assert!(
        sync_writes <= edits,
        "{sync_writes} sync writes for {edits} edits"
    );
}

/// Magento Open Source sends no customer events: the poll on `updated_at` finds new and changed
/// customers, and a poll that finds nothing new writes nothing.
#[tokio::test]
async fn without_customer_events_the_poll_finds_new_and_changed_customers() {
    let c = Customers::start().await;
    let poller = c.app.flows.customer_poller(Arc::clone(&c.app.store));
    // No Commerce event reaches the intake in this test: the store is an Open Source one.
    let ignore_magento_events =
        || *c.magento_seen.lock().unwrap() = c.app.magento.fake.customer_events().len();

    let id = c
        .magento_customer("grace@example.com", "Grace", "Hopper", 1)
        .await;
    ignore_magento_events();
    assert_eq!(poller.poll_once().await.unwrap(), 1);
    c.settle().await;
    let cus = c.linked(id).await.expect("linked by the poll");
    assert_eq!(
        c.stripe_customer(&cus).await.name.as_deref(),
        Some("Grace Hopper")
    );
    assert!(
        c.app
            .store
            .checkpoint(&poller.checkpoint_name())
            .await
            .unwrap()
            .is_some()
    );

    c.edit_magento(id, |m| m.lastname = "Murray".into()).await;
    ignore_magento_events();
    assert!(poller.poll_once().await.unwrap() >= 1);
    c.settle().await;
    assert_eq!(
        c.stripe_customer(&cus).await.name.as_deref(),
        Some("Grace Murray")
    );

    // Nothing changed since: the customers of the last second are seen again, and nothing is
    // written anywhere.
    let writes = c.writes();
    poller.poll_once().await.unwrap();
    c.settle().await;
    assert_eq!(c.writes(), writes);
}
