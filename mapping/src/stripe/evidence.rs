//! A disputed order's evidence, from what the store knows of it.

use stripe_client::UpdateDisputeEvidence;
use time::Date;

use crate::{Address, Order};

/// A shipment of the disputed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentFacts {
    /// The carrier's name (`United Parcel Service`) or code (`ups`).
    pub carrier: Option<String>,
    /// The tracking number.
    pub tracking_number: String,
    /// When the parcel left.
    pub shipped_on: Option<Date>,
}

/// What the store knows of a disputed order.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceFacts<'a> {
    /// The order.
    pub order: &'a Order,
    /// When the order was placed.
    pub ordered_on: Option<Date>,
    /// The customer's IP at checkout, when the store recorded it.
    pub customer_ip: Option<&'a str>,
    /// The order's shipments, first first.
    pub shipments: &'a [ShipmentFacts],
    /// The merchant's refund policy.
    pub refund_policy: Option<&'a str>,
}

/// The evidence of `facts`. With several shipments, each field lists
/// them one per line, in order.
///
/// Stripe's evidence fields are text the card network's reviewer reads
/// (<https://docs.stripe.com/disputes/responding>, *evidence*; the field names are the API's
/// `evidence[...]` parameters of `POST /v1/disputes/{id}`). Each fact goes to its own field:
/// - `customer_name`, `customer_email_address`: the order's customer (the billing name when the
///   order has no customer name);
/// - `billing_address`, `shipping_address`: the order's addresses, one line per part;
/// - `customer_purchase_ip`: the IP the store recorded at checkout (Magento's `remote_ip`);
/// - `shipping_carrier`, `shipping_tracking_number`, `shipping_date`: the shipment;
/// - `product_description`: one line per order line (quantity, name, SKU);
/// - `refund_policy`: the merchant's policy text, from configuration;
/// - `uncategorized_text`: the order's number, date and total, so the reviewer can match the
///   rest to the payment.
///
/// A fact the store does not have leaves its field unset: nothing is invented.
pub fn to_dispute_evidence(facts: &EvidenceFacts<'_>) -> UpdateDisputeEvidence {
    let order = facts.order;
    let customer = order.customer.as_ref();
    let name = customer
        .and_then(|c| full_name(c.first_name.as_deref(), c.last_name.as_deref()))
        .or_else(|| {
            order
                .billing_address
                .as_ref()
                .and_then(|a| full_name(a.first_name.as_deref(), a.last_name.as_deref()))
        });
    let email = order
        .email
        .clone()
        .or_else(|| customer.and_then(|c| c.email.clone()));
    let products: Vec<String> = order
        .line_items
        .iter()
        .map(|line| match &line.sku {
            Some(sku) => format!("{} x {} (SKU {sku})", line.quantity, line.name),
            None => format!("{} x {}", line.quantity, line.name),
        })
        .collect();
    let shipments = facts.shipments;
    let joined = |part: fn(&ShipmentFacts) -> Option<String>| {
        let parts: Vec<String> = shipments.iter().filter_map(part).collect();
        (!parts.is_empty()).then(|| parts.join("\n"))
    };
    let mut summary = format!("Order {}", order.number);
    if let Some(day) = facts.ordered_on {
        summary.push_str(&format!(", placed {day}"));
    }
    summary.push_str(&format!(", total {}.", order.total));
    UpdateDisputeEvidence {
        customer_name: name,
        customer_email_address: email,
        customer_purchase_ip: facts.customer_ip.map(str::to_owned),
        billing_address: order.billing_address.as_ref().and_then(address_text),
        shipping_address: order.shipping_address.as_ref().and_then(address_text),
        shipping_carrier: joined(|s| s.carrier.clone()),
        shipping_tracking_number: joined(|s| Some(s.tracking_number.clone())),
        shipping_date: joined(|s| s.shipped_on.map(|d| d.to_string())),
        product_description: (!products.is_empty()).then(|| products.join("\n")),
        refund_policy: facts.refund_policy.map(str::to_owned),
        uncategorized_text: Some(summary),
        ..UpdateDisputeEvidence::default()
    }
}

fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    crate::address::join_name(first.unwrap_or_default(), last.unwrap_or_default())
}

/// An address as the lines of a label; `None` when it has none.
fn address_text(address: &Address) -> Option<String> {
    let mut lines = Vec::new();
    if let Some(name) = full_name(address.first_name.as_deref(), address.last_name.as_deref()) {
        lines.push(name);
    }
    lines.extend(address.company.iter().cloned());
    lines.extend(address.lines.iter().cloned());
    let locality: Vec<&str> = [&address.city, &address.region_code, &address.postal_code]
        .into_iter()
        .filter_map(|part| part.as_deref())
        .collect();
    if !locality.is_empty() {
        lines.push(locality.join(" "));
    }
    if let Some(country) = address.country {
        lines.push(country.as_str().to_owned());
    }
    lines.retain(|line| !line.trim().is_empty());
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{
        CountryCode, Currency, Customer, ExternalIds, FinancialStatus, LineItem, Money, System,
    };

    fn order() -> Order {
        let usd = |minor| Money::from_minor(minor, Currency::USD);
        let address = Address {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            company: None,
            lines: vec!["12 Analytical Row".into(), "Apt 3".into()],
            city: Some("Portland".into()),
            region_code: Some("OR".into()),
            postal_code: Some("97201".into()),
            country: Some(CountryCode::parse("US", "country").unwrap()),
            phone: None,
        };
        Order {
            ids: ExternalIds::new().with(System::Magento, "42"),
            source: System::Magento,
            number: "000000042".into(),
            currency: Currency::USD,
            customer: Some(Customer {
                ids: ExternalIds::new(),
                email: Some("ada@example.com".into()),
                first_name: Some("Ada".into()),
                last_name: Some("Lovelace".into()),
                phone: None,
                address: None,
            }),
            email: None,
            billing_address: Some(address.clone()),
            shipping_address: Some(address),
            line_items: vec![LineItem {
                ids: ExternalIds::new(),
                sku: Some("LOOM-1".into()),
                variant_id: None,
                name: "Difference engine".into(),
                quantity: 2,
                unit_price: usd(1000),
                discount: usd(0),
                tax: usd(0),
                total: usd(2000),
            }],
            shipping: usd(0),
            discount: usd(0),
            tax: usd(0),
            adjustments: Vec::new(),
            total: usd(2000),
            presentment_total: None,
            financial_status: FinancialStatus::Paid,
        }
    }

    #[test]
    fn every_known_fact_goes_to_its_field() {
        let order = order();
        let shipments = [
            ShipmentFacts {
                carrier: Some("United Parcel Service".into()),
                tracking_number: "1Z999".into(),
                shipped_on: Some(time::macros::date!(2026 - 11 - 03)),
            },
            ShipmentFacts {
                carrier: None,
                tracking_number: "1Z998".into(),
                shipped_on: None,
            },
        ];
        let evidence = to_dispute_evidence(&EvidenceFacts {
            order: &order,
            ordered_on: Some(time::macros::date!(2026 - 11 - 01)),
            customer_ip: Some("203.0.113.7"),
            shipments: &shipments,
            refund_policy: Some("Returns within 30 days."),
        });
        assert_eq!(evidence.customer_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(
            evidence.customer_email_address.as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(
            evidence.customer_purchase_ip.as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            evidence.shipping_address.as_deref(),
            Some("Ada Lovelace\n12 Analytical Row\nApt 3\nPortland OR 97201\nUS")
        );
        assert_eq!(evidence.billing_address, evidence.shipping_address);
        assert_eq!(
            evidence.shipping_carrier.as_deref(),
            Some("United Parcel Service")
        );
        assert_eq!(
            evidence.shipping_tracking_number.as_deref(),
            Some("1Z999\n1Z998")
        );
        assert_eq!(evidence.shipping_date.as_deref(), Some("2026-11-03"));
        assert_eq!(
            evidence.product_description.as_deref(),
            Some("2 x Difference engine (SKU LOOM-1)")
        );
        assert_eq!(
            evidence.refund_policy.as_deref(),
            Some("Returns within 30 days.")
        );
        assert_eq!(
            evidence.uncategorized_text.as_deref(),
            Some("Order 000000042, placed 2026-11-01, total 20.00 USD.")
        );
    }

    #[test]
    fn unknown_facts_stay_unset() {
        let mut order = order();
        order.customer = None;
        order.shipping_address = None;
        order.billing_address = None;
        let evidence = to_dispute_evidence(&EvidenceFacts {
            order: &order,
            ordered_on: None,
            customer_ip: None,
            shipments: &[],
            refund_policy: None,
        });
        assert_eq!(evidence.customer_name, None);
        assert_eq!(evidence.customer_email_address, None);
        assert_eq!(evidence.customer_purchase_ip, None);
        assert_eq!(evidence.shipping_address, None);
        assert_eq!(evidence.shipping_carrier, None);
        assert_eq!(evidence.shipping_tracking_number, None);
        assert_eq!(evidence.shipping_date, None);
        assert_eq!(evidence.refund_policy, None);
    }
}
