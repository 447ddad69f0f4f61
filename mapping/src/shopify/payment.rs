//! Canonical payments and statuses into Shopify: `orderMarkAsPaid`, `orderCreateManualPayment`,
//! `metafieldsSet`, and the financial status enums both ways.
//!
//! The flow that takes a payment at a gateway (PayTrace, Stripe) for a Shopify order records it in
//! the store in two ways: the order is marked paid (the whole order with [`to_order_mark_as_paid`],
//! a part payment with [`to_manual_payment`]), and the gateway's ids are written as order
//! metafields ([`to_payment_metafields`]) under [`METAFIELD_NAMESPACE`], so a later refund or
//! dispute finds the gateway transaction from the Shopify order.
//!
//! | metafield (`payops.*`) | value | when |
//! |---|---|---|
//! | [`METAFIELD_TRANSACTION_ID`] | the gateway's transaction id (`payment.ids[payment.gateway]`) | always; not yet known is an error |
//! | [`METAFIELD_GATEWAY`] | the gateway, [`System::as_str`] (`paytrace`, `stripe`) | always |
//! | [`METAFIELD_VAULT_ID`] | the gateway's vault customer id | when the payment has one |
//!
//! On the Shopify customer, [`to_customer_vault_metafield`] records the PayTrace vault id of the
//! card the customer saved (`payops.paytrace_vault_id`, [`METAFIELD_CUSTOMER_PAYTRACE_VAULT_ID`]).
//!
//! All three are [`METAFIELD_TYPE`] (`single_line_text_field`): ids are text, not numbers, even
//! when they look numeric (PayTrace ids do), so no `number_integer` range applies to them.
//! `metafieldsSet` is idempotent per owner, namespace and key, so no compare digest is set.
//!
//! Unconfirmed: the currency `orderCreateManualPayment` expects on a multi-currency order; the
//! amount is sent in the payment's own currency, which must be the order's shop or presentment
//! currency.

use shopify::Gid;
use shopify::models::{
    ManualPaymentInput, MetafieldsSetInput, MoneyV2, OrderDisplayFinancialStatus,
};
use shopify::rest;

use super::{shopify_gid, text};
use crate::status::shopify::{display_financial_status, financial_status, parse_financial_status};
use crate::{FinancialStatus, MappingError, Order, Payment, System};

/// Namespace of the payment metafields this SDK writes on Shopify orders.
pub const METAFIELD_NAMESPACE: &str = "payops";
/// Key of the gateway transaction id metafield.
pub const METAFIELD_TRANSACTION_ID: &str = "transaction_id";
/// Key of the gateway name metafield.
pub const METAFIELD_GATEWAY: &str = "gateway";
/// Key of the gateway vault (stored customer) id metafield.
pub const METAFIELD_VAULT_ID: &str = "vault_id";
/// Key of the customer metafield holding the PayTrace vault id of the card the customer saved
/// ([`to_customer_vault_metafield`]).
pub const METAFIELD_CUSTOMER_PAYTRACE_VAULT_ID: &str = "paytrace_vault_id";
/// The metafield `type` of every payment metafield.
pub const METAFIELD_TYPE: &str = "single_line_text_field";

impl From<&rest::FinancialStatus> for FinancialStatus {
    fn from(status: &rest::FinancialStatus) -> Self {
        parse_financial_status(status.as_str())
    }
}

impl From<&OrderDisplayFinancialStatus> for FinancialStatus {
    fn from(status: &OrderDisplayFinancialStatus) -> Self {
        parse_financial_status(status.as_str())
    }
}

/// The GraphQL `displayFinancialStatus` for `status`; a canonical `Unknown` is a
/// [`MappingError::UnknownStatus`] naming `financial_status`.
pub fn to_display_financial_status(
    status: &FinancialStatus,
) -> Result<OrderDisplayFinancialStatus, MappingError> {
    let wire = display_financial_status(status)?;
    Ok(match wire.parse() {
        Ok(parsed) => parsed,
        Err(never) => match never {},
    })
}

/// The REST / webhook `financial_status` for `status`; a canonical `Unknown` is a
/// [`MappingError::UnknownStatus`] naming `financial_status`.
pub fn to_rest_financial_status(
    status: &FinancialStatus,
) -> Result<rest::FinancialStatus, MappingError> {
    let wire = financial_status(status)?;
    Ok(match wire.parse() {
        Ok(parsed) => parsed,
        Err(never) => match never {},
    })
}

/// The order's GID from `order.ids[Shopify]`; an order not yet in Shopify is
/// [`MappingError::NotYetKnown`] naming `order.ids.shopify`.
pub fn order_gid(order: &Order) -> Result<Gid, MappingError> {
    let id = order.ids.require(System::Shopify, "order.ids.shopify")?;
    shopify_gid(id, "Order", "order.ids.shopify")
}

/// The argument of `orderMarkAsPaid` (the order's GID) for a payment that covers the whole order.
///
/// `orderMarkAsPaid` marks the whole outstanding balance as paid, so the payment must be a
/// captured sale or capture of exactly the order's total, in the shop currency or in the
/// presentment currency. A smaller payment is a part payment: use [`to_manual_payment`].
pub fn to_order_mark_as_paid(payment: &Payment, order: &Order) -> Result<Gid, MappingError> {
    payment.require_captured("Shopify")?;
    let amount = payment.amount;
    let matches = |total: crate::Money| {
        if total.currency() == amount.currency() {
            Some(total == amount)
        } else {
            None
        }
    };
    match (
        matches(order.total),
        order.presentment_total.and_then(matches),
    ) {
        (Some(true), _) | (_, Some(true)) => order_gid(order),
        (None, None) => Err(MappingError::CurrencyMismatch {
            field: "payment.amount".to_owned(),
            left: amount.currency().code().to_owned(),
            right: order.currency.code().to_owned(),
        }),
        _ => Err(MappingError::InvalidValue {
            field: "payment.amount".to_owned(),
            value: amount.to_string(),
            expected: "the order total (a part payment goes through to_manual_payment)",
        }),
    }
}

/// The `orderCreateManualPayment` arguments recording `payment` (a part or whole payment taken
/// outside Shopify) on the order: the amount in the payment's currency, which must be the order's
/// shop or presentment currency, the gateway as the payment method name and the gateway's
/// processing time.
pub fn to_manual_payment(
    payment: &Payment,
    order: &Order,
) -> Result<ManualPaymentInput, MappingError> {
    payment.require_captured("Shopify")?;
    let amount = payment.amount;
    let presentment = order.presentment_total.map(|m| m.currency());
    if amount.currency() != order.currency && Some(amount.currency()) != presentment {
        return Err(MappingError::CurrencyMismatch {
            field: "payment.amount".to_owned(),
            left: amount.currency().code().to_owned(),
            right: order.currency.code().to_owned(),
        });
    }
    if amount.minor() <= 0 {
        return Err(MappingError::AmountOutOfRange {
            field: "payment.amount".to_owned(),
            value: amount.to_string(),
            reason: "a payment must be above zero",
        });
    }
    let mut input = ManualPaymentInput::new(
        order_gid(order)?,
        MoneyV2::new(amount.to_major(), amount.currency().code()),
        gateway_name(payment.gateway),
    );
    if let Some(at) = payment.processed_at {
        input = input.with_processed_at(at);
    }
    Ok(input)
}

/// The `metafieldsSet` inputs that record `payment`'s gateway ids on the order (see the module
/// docs for the keys). The gateway transaction id is required: a payment without one is
/// [`MappingError::NotYetKnown`] naming `payment.transaction_id`.
pub fn to_payment_metafields(
    payment: &Payment,
    order: &Order,
) -> Result<Vec<MetafieldsSetInput>, MappingError> {
    let owner = order_gid(order)?;
    let transaction_id =
        text(Some(payment.transaction_id()?)).ok_or_else(|| MappingError::MissingField {
            field: "payment.transaction_id".to_owned(),
        })?;
    let field = |key: &str, value: String| {
        let mut input = MetafieldsSetInput::text(owner.clone(), METAFIELD_NAMESPACE, key, value);
        input.kind = Some(METAFIELD_TYPE.to_owned());
        input
    };
    let mut fields = vec![
        field(METAFIELD_TRANSACTION_ID, transaction_id),
        field(METAFIELD_GATEWAY, payment.gateway.as_str().to_owned()),
    ];
    if let Some(vault_id) = text(payment.vault_id.as_deref()) {
        fields.push(field(METAFIELD_VAULT_ID, vault_id));
    }
    Ok(fields)
}

/// The `metafieldsSet` input that records on the Shopify customer `customer_id` (its REST id or
/// GID, as kept under [`System::Shopify`]) the PayTrace vault id of the card the customer saved:
/// `payops.paytrace_vault_id` ([`METAFIELD_CUSTOMER_PAYTRACE_VAULT_ID`]). A customer id that is
/// not one is [`MappingError::InvalidValue`] naming `order.customer.ids.shopify`.
pub fn to_customer_vault_metafield(
    customer_id: &str,
    vault_id: &str,
) -> Result<MetafieldsSetInput, MappingError> {
    let owner = shopify_gid(customer_id, "Customer", "order.customer.ids.shopify")?;
    let vault_id = text(Some(vault_id)).ok_or_else(|| MappingError::MissingField {
        field: "vault_id".to_owned(),
    })?;
    let mut input = MetafieldsSetInput::text(
        owner,
        METAFIELD_NAMESPACE,
        METAFIELD_CUSTOMER_PAYTRACE_VAULT_ID,
        vault_id,
    );
    input.kind = Some(METAFIELD_TYPE.to_owned());
    Ok(input)
}

/// How the payment method is shown on the Shopify order.
fn gateway_name(system: System) -> &'static str {
    match system {
        System::Paytrace => "PayTrace",
        System::Stripe => "Stripe",
        System::Shopify => "Shopify",
        System::Magento => "Magento",
        System::Erp => "ERP",
        System::Warehouse => "Warehouse",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::{PaymentKind, PaymentStatus};
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::{Currency, ExternalIds, Money};

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    fn order() -> Order {
        Order {
            ids: ExternalIds::new().with(System::Shopify, "450789469"),
            source: System::Shopify,
            number: "#1001".into(),
            currency: Currency::USD,
            customer: None,
            email: None,
            billing_address: None,
            shipping_address: None,
            line_items: vec![],
            shipping: usd(0),
            discount: usd(0),
            tax: usd(1194),
            total: usd(59894),
            presentment_total: Some(Money::from_minor(55326, Currency::EUR)),
            adjustments: Vec::new(),
            financial_status: FinancialStatus::Pending,
        }
    }

    fn payment() -> Payment {
        Payment {
            ids: ExternalIds::new().with(System::Paytrace, "123456789"),
            order_number: Some("#1001".into()),
            vault_id: Some("cust-42".into()),
            processed_at: Some(datetime!(2025-04-02 11:38:34.5 -5)),
            ..Payment::new(
                System::Paytrace,
                PaymentKind::Sale,
                PaymentStatus::Captured,
                usd(59894),
            )
        }
    }

    #[test]
    fn financial_statuses_both_ways() {
        for status in FinancialStatus::KNOWN {
            let graphql = to_display_financial_status(status).unwrap();
            assert_eq!(&FinancialStatus::from(&graphql), status);
            let rest = to_rest_financial_status(status).unwrap();
            assert_eq!(&FinancialStatus::from(&rest), status);
        }
        assert_eq!(
            to_display_financial_status(&FinancialStatus::PartiallyRefunded).unwrap(),
            OrderDisplayFinancialStatus::PartiallyRefunded
        );
        assert_eq!(
            to_rest_financial_status(&FinancialStatus::Paid).unwrap(),
            rest::FinancialStatus::Paid
        );
        assert_eq!(
            FinancialStatus::from(&rest::FinancialStatus::Other("on_hold".into())),
            FinancialStatus::Unknown("on_hold".into())
        );
        let err = to_display_financial_status(&FinancialStatus::Unknown("x".into())).unwrap_err();
        assert_eq!(err.field(), "financial_status");
        assert!(matches!(err, MappingError::UnknownStatus { .. }));
        assert!(to_rest_financial_status(&FinancialStatus::Unknown("x".into())).is_err());
    }

    #[test]
    fn mark_as_paid_takes_the_whole_total_in_either_currency() {
        let gid = to_order_mark_as_paid(&payment(), &order()).unwrap();
        assert_eq!(gid.as_str(), "gid://shopify/Order/450789469");
        let mut eur = payment();
        eur.amount = Money::from_minor(55326, Currency::EUR);
        assert!(to_order_mark_as_paid(&eur, &order()).is_ok());
    }

    #[test]
    fn mark_as_paid_errors() {
        let mut part = payment();
        part.amount = usd(10000);
        let err = to_order_mark_as_paid(&part, &order()).unwrap_err();
        assert_eq!(err.field(), "payment.amount");
        assert!(matches!(err, MappingError::InvalidValue { .. }));
        let mut gbp = payment();
        gbp.amount = Money::from_minor(59894, Currency::GBP);
        let err = to_order_mark_as_paid(&gbp, &order()).unwrap_err();
        assert!(matches!(err, MappingError::CurrencyMismatch { .. }));
        let mut declined = payment();
        declined.status = PaymentStatus::Declined;
        let err = to_order_mark_as_paid(&declined, &order()).unwrap_err();
        assert_eq!(err.field(), "payment.status");
        assert_eq!(err.value(), Some("declined"));
        let mut odd = payment();
        odd.status = PaymentStatus::Unknown("held".into());
        let err = to_order_mark_as_paid(&odd, &order()).unwrap_err();
        assert!(matches!(err, MappingError::UnknownStatus { .. }));
        let mut auth = payment();
        auth.kind = PaymentKind::Authorization;
        let err = to_order_mark_as_paid(&auth, &order()).unwrap_err();
        assert_eq!(err.field(), "payment.kind");
        let mut elsewhere = order();
        elsewhere.ids = ExternalIds::new();
        let err = to_order_mark_as_paid(&payment(), &elsewhere).unwrap_err();
        assert_eq!(err.field(), "order.ids.shopify");
        assert!(!err.is_permanent());
    }

    #[test]
    fn manual_payment_input() {
        let mut part = payment();
        part.amount = usd(10000);
        let input = to_manual_payment(&part, &order()).unwrap();
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({"id": "gid://shopify/Order/450789469",
                   "amount": {"amount": "100.00", "currencyCode": "USD"},
                   "paymentMethodName": "PayTrace",
                   "processedAt": "2025-04-02T16:38:34.5Z"})
        );
        part.amount = usd(0);
        let err = to_manual_payment(&part, &order()).unwrap_err();
        assert!(matches!(err, MappingError::AmountOutOfRange { .. }));
        part.amount = Money::from_minor(100, Currency::JPY);
        let err = to_manual_payment(&part, &order()).unwrap_err();
        assert_eq!(err.field(), "payment.amount");
        assert!(matches!(err, MappingError::CurrencyMismatch { .. }));
    }

    #[test]
    fn payment_metafields() {
        let fields = to_payment_metafields(&payment(), &order()).unwrap();
        assert_eq!(
            serde_json::to_value(&fields).unwrap(),
            json!([
                {"ownerId": "gid://shopify/Order/450789469", "namespace": "payops",
                 "key": "transaction_id", "type": "single_line_text_field", "value": "123456789"},
                {"ownerId": "gid://shopify/Order/450789469", "namespace": "payops",
                 "key": "gateway", "type": "single_line_text_field", "value": "paytrace"},
                {"ownerId": "gid://shopify/Order/450789469", "namespace": "payops",
                 "key": "vault_id", "type": "single_line_text_field", "value": "cust-42"}
            ])
        );
        let mut no_vault = payment();
        no_vault.vault_id = None;
        assert_eq!(to_payment_metafields(&no_vault, &order()).unwrap().len(), 2);
        let mut unknown = payment();
        unknown.ids = ExternalIds::new();
        let err = to_payment_metafields(&unknown, &order()).unwrap_err();
        assert_eq!(err.field(), "payment.transaction_id");
        assert!(!err.is_permanent());
    }

    #[test]
    fn the_customer_vault_metafield_names_a_customer() {
        let input = to_customer_vault_metafield("207119551", "shopify-c207119551").unwrap();
        assert_eq!(
            serde_json::to_value(&input).unwrap(),
            json!({"ownerId": "gid://shopify/Customer/207119551", "namespace": "payops",
                   "key": "paytrace_vault_id", "type": "single_line_text_field",
                   "value": "shopify-c207119551"})
        );
        assert_eq!(
            to_customer_vault_metafield("gid://shopify/Order/1", "v")
                .unwrap_err()
                .field(),
            "order.customer.ids.shopify"
        );
        assert_eq!(
            to_customer_vault_metafield("1", " ").unwrap_err().field(),
            "vault_id"
        );
    }
}
