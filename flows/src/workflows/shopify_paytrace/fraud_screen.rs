//! The fraud screen as the pair's risk gate ([`FraudScreen`]) and the order's facts it scores
//! ([`order_facts`]).

use std::collections::BTreeSet;

use async_trait::async_trait;
use fraud::{CardFacts, OrderFacts, Outcome};
use mapping::{Order, System};
use shopify::Gid;
use time::OffsetDateTime;

use super::risk::{RiskDecision, RiskGate, Screening};
use crate::StepError;
use crate::workflow::{Entity, EntityKey};
use crate::workflows::screening::{self, Screener, address_facts};

/// A [`RiskGate`] that scores the order with a [`fraud::Scorer`], Shopify's own risk
/// recommendation being one of its signals: approve charges, review holds, refuse never charges.
#[derive(Debug, Clone)]
pub struct FraudScreen {
    screener: Screener,
    shopify: shopify::Client,
    shop: String,
}

impl FraudScreen {
    /// Scores the orders of `shop` (the pair's [`super::Config::shop`], which names its
    /// customers' accounts) with `screener`, reading Shopify's recommendation through `shopify`.
    pub fn new(screener: Screener, shopify: shopify::Client, shop: impl Into<String>) -> Self {
        Self {
            screener,
            shopify,
            shop: shop.into(),
        }
    }
}

#[async_trait]
impl RiskGate for FraudScreen {
    async fn assess(&self, order: &Order, order_id: &Gid) -> Result<RiskDecision, StepError> {
        Ok(self.screen(order, order_id, None).await?.decision)
    }

    async fn screen(
        &self,
        order: &Order,
        order_id: &Gid,
        webhook: Option<&shopify::rest::Order>,
    ) -> Result<Screening, StepError> {
        let read = self.shopify.orders().get(order_id).await?;
        // An order Shopify no longer shows is scored now, without its recommendation.
        let (placed_at, recommendation) = match read {
            Some(o) => (o.created_at, o.risk.and_then(|r| r.recommendation)),
            None => (OffsetDateTime::now_utc(), None),
        };
        let mut facts = order_facts(order, placed_at, recommendation.as_deref());
        if let Some(webhook) = webhook {
            facts.account = order_account(&self.shop, webhook);
            facts.categories = order_categories(webhook);
        }
        let screened = self.screener.screen(facts).await?;
        let reason = screening::reason(&screened.decision);
        let outcome = match screened.decision.outcome {
            Outcome::Approve => RiskDecision::Proceed,
            Outcome::Review => RiskDecision::Hold { reason },
            Outcome::Refuse => RiskDecision::Refuse { reason },
        };
        Ok(Screening {
            decision: outcome,
            screened: Some(screened),
        })
    }
}

/// The facts of a Shopify order for the fraud screen: its total, email, billing and shipping
/// addresses, the PayTrace vault customer as the card's fingerprint (a saved card; a Protect.js
/// card has none before the charge), and Shopify's recommendation (`OrderRiskSummary`'s
/// `recommendation`: `ACCEPT`, `INVESTIGATE`, `CANCEL`, `NONE`) placed at `placed_at`.
///
/// Not available before the charge, so not set: PayTrace's AVS and CVV results (PayTrace checks
/// them with the sale itself) and the buyer's IP address (the canonical order does not carry
/// it). The customer's account and the items' categories come from the webhook
/// ([`order_account`], [`order_categories`], set by [`FraudScreen`]); without them the customer counts as new.
pub fn order_facts(
    order: &Order,
    placed_at: OffsetDateTime,
    recommendation: Option<&str>,
) -> OrderFacts {
    let card = order
        .customer
        .as_ref()
        .and_then(|c| c.ids.get(System::Paytrace))
        .map(|vault| CardFacts {
            fingerprint: vault.to_owned(),
            last4: None,
        });
    OrderFacts {
        placed_at,
        amount: order.total,
        card,
        avs: None,
        cvv: None,
        radar: None,
        shopify: recommendation.map(shopify_recommendation),
        email: order.email.clone(),
        ip: None,
        ip_country: None,
        billing: order.billing_address.as_ref().and_then(address_facts),
        shipping: order.shipping_address.as_ref().and_then(address_facts),
        account: None,
        customer: fraud::CustomerHistory::default(),
        categories: BTreeSet::new(),
    }
}

/// The account whose history the screen reads for an order: `shopify/{shop}/customer/{id}` of
/// the webhook's `customer` (`None` without one).
///
/// The history itself is what the velocity store saw ([`fraud::CustomerHistory`]), not
/// Shopify's: the order's `customer` no longer carries `orders_count` and `total_spent` (REST
/// `2022-04` removed them from the order resource and its webhooks, keeping them on the
/// customer resource only:
/// <https://shopify.dev/changelog/property-deprecations-in-the-rest-admin-api-order-resource>;
/// the `2025-10` order samples have neither, and [`shopify::rest::Customer`] reads them only
/// from older payloads). Where an older payload still sends them, whether `orders_count`
/// already counts the order being placed is not documented (the 2019 `orders/create` sample's
/// 0 proves nothing either way), so they are not used. Shopify makes a customer of every
/// checkout with an e-mail, guest or not: a guest's history is that customer's.
pub fn order_account(shop: &str, webhook: &shopify::rest::Order) -> Option<String> {
    let customer = webhook.customer.as_ref()?;
    Some(
        EntityKey::new(System::Shopify, shop)
            .child(Entity::Customer, customer.id)
            .as_str()
            .to_owned(),
    )
}

/// The categories of an order's items, from the webhook's `line_items`: `gift_card` for a gift
/// card line (`gift_card: true`) and each line's `vendor` as given (trimmed), so that a
/// merchant can list a vendor as high-risk. The order webhook has no product type or
/// collection (the `2025-10` line items carry neither), so nothing else is read.
pub fn order_categories(webhook: &shopify::rest::Order) -> BTreeSet<String> {
    let mut categories = BTreeSet::new();
    for line in &webhook.line_items {
        if line.gift_card {
            categories.insert("gift_card".to_owned());
        }
        if let Some(vendor) = line.vendor.as_deref().map(str::trim)
            && !vendor.is_empty()
        {
            categories.insert(vendor.to_owned());
        }
    }
    categories
}

/// Shopify's `OrderRiskRecommendationResult` as the screen's.
fn shopify_recommendation(value: &str) -> fraud::ShopifyRecommendation {
    use fraud::ShopifyRecommendation as R;
    match value {
        "ACCEPT" => R::Accept,
        "INVESTIGATE" => R::Investigate,
        "CANCEL" => R::Cancel,
        "NONE" => R::None,
        other => R::Unknown(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use mapping::{Address, Currency, Customer, ExternalIds, FinancialStatus, Money};
    use time::macros::datetime;

    use super::*;

    fn order() -> Order {
        let usd = |minor| Money::from_minor(minor, Currency::USD);
        let address = Address {
            lines: vec!["1 Main St".into()],
            postal_code: Some("78701".into()),
            country: Some(mapping::CountryCode::US),
            ..Address::default()
        };
        Order {
            ids: ExternalIds::new().with(System::Shopify, "1001"),
            source: System::Shopify,
            number: "#1001".into(),
            currency: Currency::USD,
            customer: Some(Customer {
                ids: ExternalIds::new().with(System::Paytrace, "vault-7"),
                ..Customer::default()
            }),
            email: Some("jane@example.com".into()),
            billing_address: Some(address.clone()),
            shipping_address: Some(Address {
                postal_code: None,
                ..address
            }),
            line_items: Vec::new(),
            shipping: usd(0),
            discount: usd(0),
            tax: usd(0),
            adjustments: Vec::new(),
            total: usd(7_500),
            presentment_total: None,
            financial_status: FinancialStatus::Paid,
        }
    }

    #[test]
    fn an_order_maps_to_its_facts_with_shopifys_recommendation() {
        let at = datetime!(2026-12-07 11:00 UTC);
        let facts = order_facts(&order(), at, Some("CANCEL"));
        assert_eq!(facts.placed_at, at);
        assert_eq!(facts.amount, Money::from_minor(7_500, Currency::USD));
        assert_eq!(
            facts.card,
            Some(CardFacts {
                fingerprint: "vault-7".into(),
                last4: None
            })
        );
        assert_eq!(facts.shopify, Some(fraud::ShopifyRecommendation::Cancel));
        assert_eq!(facts.email.as_deref(), Some("jane@example.com"));
        let billing = facts.billing.unwrap();
        assert_eq!(billing.postal_code, "78701");
        assert_eq!(billing.line1, "1 Main St");
        assert_eq!(billing.country.as_str(), "US");
        // No postal code: no shipping address to count.
        assert_eq!(facts.shipping, None);
        assert_eq!(
            (facts.avs, facts.cvv, facts.radar, facts.ip),
            (None, None, None, None)
        );
        assert_eq!(facts.customer.prior_orders, 0);
    }

    #[test]
    fn the_webhook_gives_the_customers_account_and_the_items_categories() {
        let line = |id: u64, gift_card: bool, vendor: Option<&str>| {
            serde_json::json!({"id": id, "title": "Item", "quantity": 1, "price": "10.00",
                               "gift_card": gift_card, "vendor": vendor})
        };
        let webhook = |customer: Option<u64>| -> shopify::rest::Order {
            let mut body = serde_json::json!({
                "id": 1001, "created_at": "2026-12-07T11:00:00Z", "currency": "USD", "total_price": "40.00",
                "line_items": [line(1, false, Some(" Acme ")), line(2, true, None),
                               line(3, false, Some("")), line(4, false, None)],
            });
            if let Some(id) = customer {
                body["customer"] = serde_json::json!({"id": id, "orders_count": 9});
            }
            serde_json::from_value(body).unwrap()
        };
        assert_eq!(
            order_account("demo.myshopify.com", &webhook(Some(7))).as_deref(),
            Some("shopify/demo.myshopify.com/customer/7")
        );
        assert_eq!(order_account("demo.myshopify.com", &webhook(None)), None);
        assert_eq!(
            order_categories(&webhook(None)),
            BTreeSet::from(["Acme".to_owned(), "gift_card".to_owned()])
        );
    }

    #[test]
    fn every_recommendation_maps_and_an_unknown_one_is_kept() {
        use fraud::ShopifyRecommendation as R;
        let cases = [
            ("ACCEPT", R::Accept),
            ("INVESTIGATE", R::Investigate),
            ("CANCEL", R::Cancel),
            ("NONE", R::None),
            ("LATER", R::Unknown("LATER".into())),
        ];
        for (wire, expected) in cases {
            assert_eq!(shopify_recommendation(wire), expected, "{wire}");
        }
        let facts = order_facts(&order(), datetime!(2026-12-07 11:00 UTC), None);
        assert_eq!(facts.shopify, None);
        let mut guest = order();
        guest.customer = None;
        let facts = order_facts(&guest, datetime!(2026-12-07 11:00 UTC), None);
        assert_eq!(facts.card, None);
    }
}
