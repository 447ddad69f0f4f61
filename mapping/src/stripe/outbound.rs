//! Canonical orders and customers into Stripe request parameters.

use ::stripe_client::{
    Address as StripeAddress, CaptureMethod, CreateCustomer, CreatePaymentIntent, CreateRefund,
    Metadata, PaymentIntentShipping, UpdateCustomer,
};

use super::{
    CUSTOMER_ID_SYSTEMS, MAX_METADATA_VALUE_LEN, META_ORDER_ID, META_ORDER_NUMBER,
    META_ORDER_REFERENCE, META_REFUND_REASON, META_REFUND_REQUEST, META_STORE, customer_id_key,
};
use crate::address::{join_name, two_street_lines};
use crate::amount::stripe::{StripeAmountUse, to_stripe_amount};
use crate::reference::{ReferenceField, order_reference};
use crate::{Address, Customer, MappingError, Money, Order, System};

/// What a PaymentIntent needs besides the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StripeCtx {
    /// The store's prefix in order references (see
    /// [`order_reference`](crate::reference::order_reference)); empty for a single store.
    pub store_prefix: String,
    /// Authorize now and capture later (`capture_method=manual`) instead of Stripe's default of
    /// capturing at once.
    pub manual_capture: bool,
}

/// `CreatePaymentIntent` parameters for `order`: the total in Stripe's minor unit for a charge,
/// the lower-case currency, the customer's Stripe id when known, the receipt e-mail, the shipping
/// address, and metadata with the store ([`META_STORE`]), the store's order id
/// ([`META_ORDER_ID`]), the order number ([`META_ORDER_NUMBER`]) and the reference
/// ([`META_ORDER_REFERENCE`]).
///
/// The payment method, confirmation and return URL are the caller's: they depend on the checkout,
/// not on the order. Errors are paths under `order` (`order.total`, `order.ids.magento`,
/// `order.shipping_address.last_name`).
pub fn to_create_payment_intent(
    order: &Order,
    ctx: &StripeCtx,
) -> Result<CreatePaymentIntent, MappingError> {
    let at_order = |e: MappingError| e.at("order");
    if order.total.currency() != order.currency {
        return Err(MappingError::CurrencyMismatch {
            field: "order.total".to_owned(),
            left: order.currency.code().to_owned(),
            right: order.total.currency().code().to_owned(),
        });
    }
    if order.total.minor() <= 0 {
        return Err(MappingError::AmountOutOfRange {
            field: "order.total".to_owned(),
            value: order.total.to_string(),
            reason: "a Stripe payment must be a positive amount",
        });
    }
    let amount =
        to_stripe_amount(&order.total, StripeAmountUse::Charge, "total").map_err(at_order)?;
    let mut params = CreatePaymentIntent::new(amount, order.currency.code().to_ascii_lowercase());

    let store_field = format!("ids.{}", order.source.as_str());
    let order_id = order
        .ids
        .get(order.source)
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| MappingError::MissingField {
            field: store_field.clone(),
        })
        .map_err(at_order)?;
    let reference = order_reference(
        &ctx.store_prefix,
        &order.number,
        ReferenceField::StripeMetadata,
    )?;
    params.metadata = metadata([
        (META_STORE, order.source.as_str(), "source"),
        (META_ORDER_ID, order_id, store_field.as_str()),
        (META_ORDER_NUMBER, order.number.as_str(), "number"),
        (META_ORDER_REFERENCE, reference.as_str(), "number"),
    ])
    .map_err(at_order)?;

    params.description = Some(format!("Order {}", order.number));
    params.customer = order
        .customer
        .as_ref()
        .and_then(|c| c.ids.get(System::Stripe))
        .map(str::to_owned);
    params.receipt_email = order
        .email
        .clone()
        .or_else(|| order.customer.as_ref().and_then(|c| c.email.clone()));
    params.shipping = order
        .shipping_address
        .as_ref()
        .map(|a| to_shipping(a).map_err(|e| e.at("shipping_address")))
        .transpose()
        .map_err(at_order)?;
    if ctx.manual_capture {
        params.capture_method = Some(CaptureMethod::Manual);
    }
    Ok(params)
}

/// A refund of a charge asked for outside the store (see [`to_create_refund`]).
#[derive(Debug, Clone, Copy)]
pub struct RefundParams<'a> {
    /// The charge to refund (`ch_...`).
    pub charge: &'a str,
    /// How much, in the charge's currency.
    pub amount: Money,
    /// The order number people see, kept as [`META_ORDER_NUMBER`].
    pub order_number: &'a str,
    /// The request's key, kept as [`META_REFUND_REQUEST`].
    pub request: &'a str,
    /// Why, kept as [`META_REFUND_REASON`].
    pub reason: Option<&'a str>,
}

/// `CreateRefund` parameters for `refund`: the charge, the amount in Stripe's minor unit, and
/// metadata with the order number, the request and the reason. Stripe's own `reason` is left
/// out: it takes `duplicate`, `fraudulent` or `requested_by_customer` only, and a free-text
/// reason cannot be told to be one of them. A value longer than Stripe's 500 characters is an
/// error naming `order_number`, `request_id` or `reason`; an amount Stripe cannot take, naming
/// `amount`.
pub fn to_create_refund(refund: &RefundParams<'_>) -> Result<CreateRefund, MappingError> {
    if refund.amount.minor() <= 0 {
        return Err(MappingError::AmountOutOfRange {
            field: "amount".to_owned(),
            value: refund.amount.to_string(),
            reason: "a Stripe refund must be a positive amount",
        });
    }
    let amount = to_stripe_amount(&refund.amount, StripeAmountUse::Charge, "amount")?;
    let mut entries = vec![
        (META_ORDER_NUMBER, refund.order_number, "order_number"),
        (META_REFUND_REQUEST, refund.request, "request_id"),
    ];
    if let Some(reason) = refund.reason {
        entries.push((META_REFUND_REASON, reason, "reason"));
    }
    Ok(CreateRefund {
        charge: Some(refund.charge.to_owned()),
        amount: Some(amount),
        metadata: metadata(entries)?,
        ..CreateRefund::default()
    })
}

/// `CreateCustomer` parameters for `customer`: the name as one string
/// ([`join_name`](crate::address::join_name)), e-mail, phone, address, and the customer's ids in
/// the other systems as metadata (keys from [`customer_id_key`]).
pub fn to_create_customer(customer: &Customer) -> Result<CreateCustomer, MappingError> {
    let fields = customer_fields(customer)?;
    Ok(CreateCustomer {
        email: fields.email,
        name: fields.name,
        phone: fields.phone,
        address: fields.address,
        metadata: fields.metadata,
        ..CreateCustomer::default()
    })
}

/// `UpdateCustomer` parameters for `customer`, built like [`to_create_customer`]. A field the
/// canonical customer does not have is left unset, so Stripe keeps its value: this never clears
/// data in Stripe.
pub fn to_update_customer(customer: &Customer) -> Result<UpdateCustomer, MappingError> {
    let fields = customer_fields(customer)?;
    Ok(UpdateCustomer {
        email: fields.email,
        name: fields.name,
        phone: fields.phone,
        address: fields.address,
        metadata: fields.metadata,
        ..UpdateCustomer::default()
    })
}

/// A canonical address as Stripe's: the street lines folded into `line1` and `line2`, the region
/// code as `state`, the ISO country code. Names and phone are not part of Stripe's address.
pub fn to_stripe_address(address: &Address) -> StripeAddress {
    let (line1, line2) = two_street_lines(&address.lines);
    StripeAddress {
        city: address.city.clone(),
        country: address.country.map(|c| c.as_str().to_owned()),
        line1,
        line2,
        postal_code: address.postal_code.clone(),
        state: address.region_code.clone(),
    }
}

/// The parts of a customer common to create and update.
struct CustomerFields {
    email: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    address: Option<StripeAddress>,
    metadata: Metadata,
}

fn customer_fields(customer: &Customer) -> Result<CustomerFields, MappingError> {
    let name = join_name(
        customer.first_name.as_deref().unwrap_or_default(),
        customer.last_name.as_deref().unwrap_or_default(),
    );
    let mut ids = Vec::new();
    for system in CUSTOMER_ID_SYSTEMS {
        if let (Some(key), Some(id)) = (customer_id_key(system), customer.ids.get(system)) {
            ids.push((key, id, system.as_str()));
        }
    }
    let metadata = metadata(ids).map_err(|e| e.at("customer.ids"))?;
    Ok(CustomerFields {
        email: customer.email.clone(),
        name,
        phone: customer.phone.clone(),
        address: customer.address.as_ref().map(to_stripe_address),
        metadata,
    })
}

/// A PaymentIntent's `shipping` parameter. Stripe requires `name` (and `address`) in it.
fn to_shipping(address: &Address) -> Result<PaymentIntentShipping, MappingError> {
    let name = join_name(
        address.first_name.as_deref().unwrap_or_default(),
        address.last_name.as_deref().unwrap_or_default(),
    )
    .ok_or_else(|| MappingError::MissingField {
        field: "last_name".to_owned(),
    })?;
    Ok(PaymentIntentShipping {
        phone: address.phone.clone(),
        ..PaymentIntentShipping::new(name, to_stripe_address(address))
    })
}

/// Metadata from `(key, value, field path of the value)`, refusing values over Stripe's limit.
fn metadata<'a, I>(entries: I) -> Result<Metadata, MappingError>
where
    I: IntoIterator<Item = (&'a str, &'a str, &'a str)>,
{
    let mut out = Metadata::new();
    for (key, value, field) in entries {
        if value.chars().count() > MAX_METADATA_VALUE_LEN {
            return Err(MappingError::InvalidValue {
                field: field.to_owned(),
                value: value.to_owned(),
                expected: "Stripe metadata value of at most 500 characters",
            });
        }
        out.insert(key.to_owned(), value.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{CountryCode, Currency, FinancialStatus, Money};

    #[test]
    fn a_refund_carries_its_request_reason_and_order_number_in_metadata() {
        let params = RefundParams {
            charge: "ch_1",
            amount: Money::from_minor(1500, Currency::USD),
            order_number: "000000042",
            request: "magento/default/order/42/refund-request/CM-1",
            reason: Some("damaged"),
        };
        let refund = to_create_refund(&params).unwrap();
        assert_eq!(refund.charge.as_deref(), Some("ch_1"));
        assert_eq!(refund.amount, Some(1500));
        assert_eq!(refund.reason, None);
        assert_eq!(refund.metadata[META_REFUND_REQUEST], params.request);
        assert_eq!(refund.metadata[META_REFUND_REASON], "damaged");
        assert_eq!(refund.metadata[META_ORDER_NUMBER], "000000042");

        let long = "x".repeat(501);
        let err = to_create_refund(&RefundParams {
            reason: Some(&long),
            ..params
        })
        .unwrap_err();
        assert!(err.to_string().contains("reason"), "{err}");
        let err = to_create_refund(&RefundParams {
            amount: Money::zero(Currency::USD),
            ..params
        })
        .unwrap_err();
        assert!(err.to_string().contains("amount"), "{err}");
    }

    fn address() -> Address {
        Address {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            company: None,
            lines: vec!["1 Main St".into(), "Suite 5".into(), "Floor 2".into()],
            city: Some("Austin".into()),
            region_code: Some("TX".into()),
            postal_code: Some("78701".into()),
            country: Some(CountryCode::US),
            phone: Some("+15125550100".into()),
        }
    }

    fn order(total: &str, currency: Currency) -> Order {
        let money = |text: &str| Money::parse_major(text, currency, "t").unwrap();
        Order {
            ids: crate::ExternalIds::new().with(System::Magento, "42"),
            source: System::Magento,
            number: "000000042".into(),
            currency,
            customer: Some(Customer {
                ids: crate::ExternalIds::new().with(System::Stripe, "cus_1"),
                email: Some("customer@example.com".into()),
                ..Customer::default()
            }),
            email: None,
            billing_address: Some(address()),
            shipping_address: Some(address()),
            line_items: Vec::new(),
            shipping: Money::zero(currency),
            discount: Money::zero(currency),
            tax: Money::zero(currency),
            total: money(total),
            presentment_total: None,
            adjustments: Vec::new(),
            financial_status: FinancialStatus::Pending,
        }
    }

    fn ctx() -> StripeCtx {
        StripeCtx {
            store_prefix: "M1".into(),
            manual_capture: false,
        }
    }

    #[test]
    fn order_to_payment_intent() {
        let params = to_create_payment_intent(&order("36.45", Currency::USD), &ctx()).unwrap();
        assert_eq!(params.amount, 3645);
        assert_eq!(params.currency.as_str(), "usd");
        assert_eq!(params.customer.as_deref(), Some("cus_1"));
        assert_eq!(
            params.receipt_email.as_deref(),
            Some("customer@example.com")
        );
        assert_eq!(params.description.as_deref(), Some("Order 000000042"));
        assert_eq!(params.capture_method, None);
        let expected: Metadata = [
            ("store", "magento"),
            ("order_id", "42"),
            ("order_number", "000000042"),
            ("order_reference", "M1-000000042"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(params.metadata, expected);
        let shipping = params.shipping.unwrap();
        assert_eq!(shipping.name, "Ada Lovelace");
        assert_eq!(shipping.phone.as_deref(), Some("+15125550100"));
        assert_eq!(
            shipping.address,
            StripeAddress {
                city: Some("Austin".into()),
                country: Some("US".into()),
                line1: Some("1 Main St".into()),
                line2: Some("Suite 5, Floor 2".into()),
                postal_code: Some("78701".into()),
                state: Some("TX".into()),
            }
        );
        let manual = StripeCtx {
            manual_capture: true,
            ..ctx()
        };
        let params = to_create_payment_intent(&order("1", Currency::USD), &manual).unwrap();
        assert_eq!(params.capture_method, Some(CaptureMethod::Manual));
    }

    #[test]
    fn amounts_follow_stripe_exponents() {
        let kwd = Currency::parse("KWD").unwrap();
        let isk = Currency::parse("ISK").unwrap();
        let cases = [
            ("500", Currency::JPY, "jpy", 500),
            ("5.120", kwd, "kwd", 5120),
            ("5", isk, "isk", 500),
            ("999999.99", Currency::EUR, "eur", 99_999_999),
        ];
        for (total, currency, code, amount) in cases {
            let params = to_create_payment_intent(&order(total, currency), &ctx()).unwrap();
            assert_eq!(
                (params.amount, params.currency.as_str()),
                (amount, code),
                "{total}"
            );
        }
    }

    #[test]
    fn order_errors_name_the_field() {
        let kwd = Currency::parse("KWD").unwrap();
        let err = to_create_payment_intent(&order("5.125", kwd), &ctx()).unwrap_err();
        assert!(matches!(err, MappingError::Unrepresentable { .. }), "{err}");
        assert_eq!(err.field(), "order.total");

        let err = to_create_payment_intent(&order("1000000", Currency::USD), &ctx()).unwrap_err();
        assert!(
            matches!(err, MappingError::AmountOutOfRange { .. }),
            "{err}"
        );
        assert_eq!(err.field(), "order.total");

        let err = to_create_payment_intent(&order("0", Currency::USD), &ctx()).unwrap_err();
        assert!(
            matches!(err, MappingError::AmountOutOfRange { .. }),
            "{err}"
        );
        assert_eq!(err.field(), "order.total");

        let mut mixed = order("10", Currency::USD);
        mixed.currency = Currency::EUR;
        let err = to_create_payment_intent(&mixed, &ctx()).unwrap_err();
        assert!(
            matches!(err, MappingError::CurrencyMismatch { .. }),
            "{err}"
        );
        assert_eq!(err.field(), "order.total");

        let mut no_id = order("10", Currency::USD);
        no_id.ids = crate::ExternalIds::new();
        let err = to_create_payment_intent(&no_id, &ctx()).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingField {
                field: "order.ids.magento".into()
            }
        );

        let mut no_name = order("10", Currency::USD);
        if let Some(a) = no_name.shipping_address.as_mut() {
            a.first_name = None;
            a.last_name = None;
        }
        let err = to_create_payment_intent(&no_name, &ctx()).unwrap_err();
        assert_eq!(err.field(), "order.shipping_address.last_name");

        let mut long = order("10", Currency::USD);
        long.number = "9".repeat(501);
        let err = to_create_payment_intent(&long, &ctx()).unwrap_err();
        assert!(matches!(err, MappingError::InvalidValue { .. }), "{err}");
        assert_eq!(err.field(), "order.number");

        let mut empty_number = order("10", Currency::USD);
        empty_number.number = "#".into();
        let err = to_create_payment_intent(&empty_number, &ctx()).unwrap_err();
        assert_eq!(err.field(), "order.number");
    }

    #[test]
    fn customer_to_create_and_update() {
        let customer = Customer {
            ids: crate::ExternalIds::new()
                .with(System::Magento, "7")
                .with(System::Erp, "C-42")
                .with(System::Stripe, "cus_1"),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            phone: None,
            address: Some(address()),
        };
        let create = to_create_customer(&customer).unwrap();
        assert_eq!(create.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(create.email.as_deref(), Some("ada@example.com"));
        assert_eq!(create.phone, None);
        assert_eq!(
            create.address.as_ref().unwrap().state.as_deref(),
            Some("TX")
        );
        let keys: Vec<(&str, &str)> = create
            .metadata
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            keys,
            [("erp_customer_id", "C-42"), ("magento_customer_id", "7")]
        );

        let update = to_update_customer(&customer).unwrap();
        assert_eq!(update.name, create.name);
        assert_eq!(update.metadata, create.metadata);
        assert_eq!(update.address, create.address);

        let nameless = Customer {
            first_name: None,
            last_name: Some(" ".into()),
            ..customer
        };
        let update = to_update_customer(&nameless).unwrap();
        assert_eq!(
            update.name, None,
            "an absent name is left unchanged, not cleared"
        );
        assert_eq!(customer_id_key(System::Stripe), None);
    }
}
