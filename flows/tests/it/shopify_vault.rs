//! The PayTrace vault: a Protect.js order's card is vaulted once from its approved sale, the
//! vault id reaches the Shopify customer (a guest's: the order), the order and the ERP customer,
//! and a later order asking for the saved card is charged through the vault.

use flows::workflows::shopify_paytrace::{
    ATTR_PROTECT_KEY, ATTR_PROTECT_TOKEN, ATTR_USE_SAVED_CARD,
};
use sandbox::shopify::{Address as ShopifyAddress, NewOrder};

use super::*;

/// The vault ids the workflow derives (no invoice prefix in the tests' config).
fn customer_vault_id(customer_id: u64) -> String {
    format!("shopify-c{customer_id}")
}

impl TestApp {
    /// Creates `new` paid with a fresh Protect.js token of the test Visa card.
    fn place_protect_order(&self, new: NewOrder, total: &str) -> PlacedOrder {
        let token = self
            .paytrace
            .fake
            .protect_token(VISA, 12, 2035, Some("999"));
        let new = new
            .note_attribute(ATTR_PROTECT_TOKEN, &token.hpf_token)
            .note_attribute(ATTR_PROTECT_KEY, &token.enc_key);
        let body = self.shopify.fake.create_order(new);
        let id = body["id"].as_u64().unwrap();
        assert_eq!(body["total_price"], total, "{body:#}");
        PlacedOrder {
            id,
            gid: shopify::Gid::new("Order", id),
            body,
            vault: None,
            total: dec(total),
        }
    }

    /// The ERP customer the order is billed to, as the ledger holds it.
    async fn erp_customer(&self, order: &PlacedOrder) -> erp::Customer {
        let customer =
            mapping::erp::to_erp_order_customer(&self.canonical(order), &self.erp_ctx()).unwrap();
        self.ledger
            .customer(&customer.external_ref)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no ERP customer {}", customer.external_ref))
    }

    fn paytrace_vault_ids(customer: &erp::Customer) -> Vec<&str> {
        customer
            .vault_ids
            .iter()
            .filter(|v| v.gateway.as_str() == "paytrace")
            .map(|v| v.vault_id.as_str())
            .collect()
    }
}

/// The brief's scenario: a first order paid with a Protect.js token is charged, its card vaulted
/// from the approved sale under the customer's vault id, and that id written on the Shopify
/// customer and the order and kept on the ERP customer; the customer's second order asks for the
/// saved card and is charged through the vault id, creating nothing new in the vault.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protect_order_vaults_the_card_and_a_later_order_is_charged_through_it() {
    let app = TestApp::spawn().await;
    let email = "returning@example.com";
    let first = app.place_protect_order(NewOrder::simple(email, dec("30.00")), "30.00");
    let customer_id = first.body["customer"]["id"].as_u64().unwrap();
    let vault_id = customer_vault_id(customer_id);

    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    // PayTrace: one approved Protect.js sale, and one vault profile made from it.
    let sale = app.assert_paid(&first).await;
    assert_eq!(sale.customer_id, None);
    let vaulted = app.paytrace.fake.customers();
    assert_eq!(vaulted.len(), 1, "{vaulted:#?}");
    assert_eq!(vaulted[0].customer_id, vault_id);
    assert_eq!(vaulted[0].card.last4, &VISA[VISA.len() - 4..]);
    assert_eq!(vaulted[0].email.as_deref(), Some(email));
    // Shopify: the vault id on the customer and on the order.
    let shopify_customer = app.shopify.fake.customer(customer_id).unwrap();
    let customer_field: Vec<_> = shopify_customer
        .metafields
        .iter()
        .filter(|m| m.namespace == "payops" && m.key == "paytrace_vault_id")
        .map(|m| m.value.as_str())
        .collect();
    assert_eq!(customer_field, [vault_id.as_str()]);
    assert_eq!(app.metafield(&first, "vault_id"), Some(vault_id.clone()));
    assert_eq!(
        app.metafield(&first, "transaction_id"),
        Some(sale.id.to_string())
    );
    // The ledger: the customer keeps the vault id.
    let erp_customer = app.erp_customer(&first).await;
    assert_eq!(
        TestApp::paytrace_vault_ids(&erp_customer),
        [vault_id.as_str()]
    );
    for step in ["paytrace/vault", "shopify/customer-vault-id"] {
        let key = app.effect_key(&first, step);
        assert!(
            app.store.effect(&key).await.unwrap().is_some(),
            "no effect {key}"
        );
    }

    // The second order asks for the saved card.
    let new = NewOrder::simple(email, dec("45.00")).note_attribute(ATTR_USE_SAVED_CARD, "true");
    let body = app.shopify.fake.create_order(new);
    let id = body["id"].as_u64().unwrap();
    assert_eq!(body["customer"]["id"].as_u64(), Some(customer_id));
    let second = PlacedOrder {
        id,
        gid: shopify::Gid::new("Order", id),
        body,
        vault: Some(vault_id.clone()),
        total: dec("45.00"),
    };

    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    // PayTrace: a sale by the vault customer (assert_paid checks its customer_id), no new profile.
    let second_sale = app.assert_paid(&second).await;
    assert_ne!(second_sale.id, sale.id);
    assert_eq!(second_sale.customer_id.as_deref(), Some(vault_id.as_str()));
    assert_eq!(app.paytrace.fake.customers().len(), 1);
    assert_eq!(app.approved_sales_total(), 2);
    // Shopify: the second order names its sale and the vault id.
    assert_eq!(app.metafield(&second, "vault_id"), Some(vault_id.clone()));
    assert_eq!(
        app.metafield(&second, "transaction_id"),
        Some(second_sale.id.to_string())
    );
    // The ledger: one customer, both orders invoiced and paid, the vault id kept.
    let erp_customer = app.erp_customer(&second).await;
    assert_eq!(
        erp_customer.external_ref,
        app.erp_customer(&first).await.external_ref
    );
    assert_eq!(
        TestApp::paytrace_vault_ids(&erp_customer),
        [vault_id.as_str()]
    );
    let receivables = app.receivables().await;
    assert_eq!(
        (
            receivables.invoiced,
            receivables.received,
            receivables.ledger_balance
        ),
        (7500, 7500, 0)
    );
    // The vault order vaults nothing.
    let key = app.effect_key(&second, "paytrace/vault");
    assert!(app.store.effect(&key).await.unwrap().is_none(), "{key}");
}

/// A guest checkout has no Shopify customer: its vault id (derived from the order) is kept on
/// the order's metafield and on the ERP guest customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_checkout_keeps_its_vault_id_on_the_order_and_in_the_erp() {
    let app = TestApp::spawn().await;
    let order = app.place_protect_order(guest_order("20.00"), "20.00");
    assert!(order.body["customer"].is_null(), "{:#}", order.body);
    let vault_id = format!("shopify-o{}", order.id);

    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    app.assert_paid(&order).await;
    let vaulted = app
        .paytrace
        .fake
        .customer(&vault_id)
        .expect("no vault profile");
    assert_eq!(vaulted.billing_address.name.as_deref(), Some("Gus Guest"));
    assert_eq!(app.paytrace.fake.customers().len(), 1);
    assert_eq!(app.metafield(&order, "vault_id"), Some(vault_id.clone()));
    let erp_customer = app.erp_customer(&order).await;
    assert!(
        erp_customer
            .external_ref
            .ends_with(&format!("/order/{}/customer", order.id)),
        "{erp_customer:?}"
    );
    assert_eq!(
        TestApp::paytrace_vault_ids(&erp_customer),
        [vault_id.as_str()]
    );
    // No customer to write to in Shopify.
    let key = app.effect_key(&order, "shopify/customer-vault-id");
    assert!(app.store.effect(&key).await.unwrap().is_none(), "{key}");
}

/// The answer of the vault call is lost after PayTrace created the profile: the retry asks for
/// the same vault id, PayTrace answers "customer ID not unique", the profile is checked to be
/// this customer's, and the order completes with one profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_vault_answer_is_retried_into_the_same_single_profile() {
    let app = TestApp::spawn().await;
    let dropped = app.faults.add(
        FaultRule::new("paytrace", Fault::Drop, Trigger::Count(1))
            .path("/v1/customer/create_from_transaction"),
    );
    let order =
        app.place_protect_order(NewOrder::simple("retry@example.com", dec("12.00")), "12.00");
    let vault_id = customer_vault_id(order.body["customer"]["id"].as_u64().unwrap());

    let counts = app.settle().await;

    assert_eq!(app.faults.fired(dropped), 1);
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    app.assert_paid(&order).await;
    let vaulted = app.paytrace.fake.customers();
    assert_eq!(vaulted.len(), 1, "{vaulted:#?}");
    assert_eq!(vaulted[0].customer_id, vault_id);
    assert_eq!(app.metafield(&order, "vault_id"), Some(vault_id.clone()));
    let erp_customer = app.erp_customer(&order).await;
    assert_eq!(
        TestApp::paytrace_vault_ids(&erp_customer),
        [vault_id.as_str()]
    );
}

/// A profile under the derived vault id that is not this customer's (another e-mail) is not
/// taken over: the order is charged, and its booking goes to a person naming the vault id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_profile_under_the_vault_id_goes_to_a_person() {
    let app = TestApp::spawn().await;
    let customer = app
        .shopify
        .fake
        .create_customer("owner@example.com", "Olive", "Owner");
    let customer_id = customer["id"].as_u64().unwrap();
    let vault_id = customer_vault_id(customer_id);
    let billing = Address {
        name: Some("Someone Else".to_owned()),
        ..Address::default()
    };
    assert!(
        app.paytrace
            .fake
            .seed_customer(&vault_id, VISA, 12, 2035, billing)
    );
    let order = app.place_protect_order(NewOrder::simple("owner@example.com", dec("9.00")), "9.00");
    assert_eq!(order.body["customer"]["id"].as_u64(), Some(customer_id));

    let counts = app.settle().await;

    assert_eq!(counts.dead, 1);
    let dead = app.dead_letters().await;
    assert!(dead[0].reason.contains(&vault_id), "{:#?}", dead[0].reason);
    assert_eq!(app.sales(&order).len(), 1);
    assert!(app.metafield(&order, "vault_id").is_none());
}

/// A buyer can set a cart's attributes: an order naming another customer's vault id (the ids
/// this service makes are guessable) is not charged, and the dead letter names the attribute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_naming_another_customers_vault_id_is_not_charged() {
    let app = TestApp::spawn().await;
    let victim = app.place_protect_order(
        NewOrder::simple("victim@example.com", dec("30.00")),
        "30.00",
    );
    app.settle().await;
    let victim_vault = customer_vault_id(victim.body["customer"]["id"].as_u64().unwrap());
    assert_eq!(app.paytrace.fake.customers().len(), 1);
    let sales = app.approved_sales_total();

    let new = NewOrder::simple("thief@example.com", dec("99.00"))
        .note_attribute(ATTR_VAULT_CUSTOMER, &victim_vault);
    app.shopify.fake.create_order(new);
    let counts = app.settle().await;
    assert_eq!(counts.dead, 1);
    assert_eq!(app.approved_sales_total(), sales, "nothing charged");
    let dead = app.dead_letters().await;
    assert!(
        dead[0]
            .reason
            .contains("order.note_attributes.paytrace_customer_id"),
        "{}",
        dead[0].reason
    );
}

/// A vaulted customer's new default address reaches their vault profile; a customer with no
/// profile of ours is left alone (nothing created at PayTrace).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_new_address_reaches_their_vault_profile_and_nobody_elses() {
    let app = TestApp::spawn().await;
    app.shopify
        .fake
        .register_webhook("customers/update", app.hook_url.parse().unwrap());
    let first =
        app.place_protect_order(NewOrder::simple("mover@example.com", dec("30.00")), "30.00");
    app.settle().await;
    let customer_id = first.body["customer"]["id"].as_u64().unwrap();
    let vault_id = customer_vault_id(customer_id);
    let before = app.paytrace.fake.customer(&vault_id).unwrap();

    let mut address = shopify::models::CustomerAddressInput::default();
    address.first_name = Some("Mo".into());
    address.last_name = Some("Ver".into());
    address.address1 = Some("9 New Street".into());
    address.city = Some("Portland".into());
    address.province_code = Some("OR".into());
    address.country_code = Some("US".into());
    address.zip = Some("97201".into());
    let mut input = shopify::models::CustomerInput::default();
    input.id = Some(shopify::Gid::new("Customer", customer_id));
    input.addresses = Some(vec![address]);
    app.shopify_client.customers().update(&input).await.unwrap();
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);

    let after = app.paytrace.fake.customer(&vault_id).unwrap();
    assert_eq!(
        after.billing_address.street_address.as_deref(),
        Some("9 New Street")
    );
    assert_eq!(after.billing_address.city.as_deref(), Some("Portland"));
    assert_eq!(after.billing_address.zip.as_deref(), Some("97201"));
    assert_ne!(after.billing_address, before.billing_address);
    assert_eq!(after.card, before.card, "the card is not touched");

    // A customer who never paid with a Protect.js token here has no profile: none is made.
    let mut other = shopify::models::CustomerInput::default();
    other.email = Some("browser@example.com".into());
    other.first_name = Some("Window".into());
    let created = app.shopify_client.customers().create(&other).await.unwrap();
    let mut changed = shopify::models::CustomerInput::default();
    changed.id = Some(created.id.clone());
    changed.last_name = Some("Shopper".into());
    app.shopify_client
        .customers()
        .update(&changed)
        .await
        .unwrap();
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.paytrace.fake.customers().len(), 1);
}

/// A guest checkout placed as `email`-less order with a billing name, paid with Protect.js.
fn guest_order(total: &str) -> NewOrder {
    let mut new = NewOrder::simple("unused@example.com", dec(total));
    new.email = None;
    new.billing_address = Some(ShopifyAddress {
        first_name: Some("Gus".to_owned()),
        last_name: Some("Guest".to_owned()),
        address1: Some("1 Main St".to_owned()),
        city: Some("Austin".to_owned()),
        province_code: Some("TX".to_owned()),
        country_code: Some("US".to_owned()),
        zip: Some("78701".to_owned()),
        ..ShopifyAddress::default()
    });
    new
}

/// An erasure request (`customers/redact`) removes the customer's vault profile and those of
/// the guest checkouts it lists; a deleted customer (`customers/delete`) loses theirs; a repeat,
/// or a customer who never saved a card, is no error; nobody else's profile is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_or_erased_customer_loses_the_vault_profiles_made_for_them() {
    let app = TestApp::spawn().await;
    for topic in ["customers/delete", "customers/redact"] {
        app.shopify
            .fake
            .register_webhook(topic, app.hook_url.parse().unwrap());
    }
    let erased =
        app.place_protect_order(NewOrder::simple("erase@example.com", dec("30.00")), "30.00");
    let deleted = app.place_protect_order(
        NewOrder::simple("delete@example.com", dec("31.00")),
        "31.00",
    );
    let bystander =
        app.place_protect_order(NewOrder::simple("stay@example.com", dec("32.00")), "32.00");
    let guest = app.place_protect_order(guest_order("20.00"), "20.00");
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    let customer = |order: &PlacedOrder| order.body["customer"]["id"].as_u64().unwrap();
    let guest_vault = format!("shopify-o{}", guest.id);
    assert_eq!(app.paytrace.fake.customers().len(), 4);

    let redact = serde_json::json!({
        "shop_id": 1, "shop_domain": app.shopify.fake.shop_domain(),
        "customer": {"id": customer(&erased), "email": "erase@example.com", "phone": null},
        "orders_to_redact": [erased.id, guest.id],
    });
    app.shopify.fake.send_webhook("customers/redact", &redact);
    // Shopify deletes only customers without orders, so its own delete of this customer is
    // refused; the webhook is sent as a deletion by the admin would send it.
    app.shopify.fake.send_webhook(
        "customers/delete",
        &serde_json::json!({"id": customer(&deleted), "phone": null, "addresses": []}),
    );
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert!(
        app.paytrace
            .fake
            .customer(&customer_vault_id(customer(&erased)))
            .is_none()
    );
    assert!(app.paytrace.fake.customer(&guest_vault).is_none());
    assert!(
        app.paytrace
            .fake
            .customer(&customer_vault_id(customer(&deleted)))
            .is_none()
    );
    let kept = app.paytrace.fake.customers();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        app.paytrace
            .fake
            .customer(&customer_vault_id(customer(&bystander)))
            .is_some()
    );

    // The same request again, and a customer without a profile deleted through the API.
    app.shopify.fake.send_webhook("customers/redact", &redact);
    let mut input = shopify::models::CustomerInput::default();
    input.email = Some("never-paid@example.com".into());
    let never_paid = app.shopify_client.customers().create(&input).await.unwrap();
    app.shopify_client
        .customers()
        .delete(&never_paid.id)
        .await
        .unwrap();
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert_eq!(app.paytrace.fake.customers().len(), 1);
}

/// With `keep_vault_profiles`, an erased customer's profile stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_vault_profiles_survive_an_erasure() {
    let app = TestApp::spawn_with(Options {
        keep_vault_profiles: true,
        ..Options::default()
    })
    .await;
    app.shopify
        .fake
        .register_webhook("customers/redact", app.hook_url.parse().unwrap());
    let order =
        app.place_protect_order(NewOrder::simple("keep@example.com", dec("30.00")), "30.00");
    app.settle().await;
    let id = order.body["customer"]["id"].as_u64().unwrap();
    app.shopify.fake.send_webhook(
        "customers/redact",
        &serde_json::json!({"customer": {"id": id}, "orders_to_redact": [order.id]}),
    );
    let counts = app.settle().await;
    assert_eq!(counts.dead, 0, "{:#?}", app.dead_letters().await);
    assert!(app.paytrace.fake.customer(&customer_vault_id(id)).is_some());
}
