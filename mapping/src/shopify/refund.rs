//! `refunds/create` bodies into canonical [`Refund`]s and `disputes/create` bodies into canonical
//! [`Dispute`]s.
//!
//! Refunds ([`refund_from_shopify`]; `TryFrom` uses a default [`RefundCtx`]):
//!
//! | canonical | Shopify (REST refund resource) |
//! |---|---|
//! | `ids[Shopify]` | `id`; required (a refund calculation has none) |
//! | `amount` | in the shop's currency (the one the order was booked in): the sum of the `transactions` of kind `refund` when they are in it, else the shop money of the refund's parts (below); at least one refund transaction is required |
//! | `presentment_amount` | when the transactions are in another currency (the customer's): their sum, each in its own `currency` (else [`RefundCtx::order_currency`]) |
//! | `status` | the refund transactions' `status`: `success` → `succeeded`, `pending` → `pending`, `failure` / `error` → `failed`, others `Unknown`; transactions that disagree are an error |
//! | `gateway` | the refund transactions' `gateway` name, through [`gateway_system`]; transactions that disagree are an error |
//! | `reason` | `note` |
//! | `processed_at` | `processed_at`, else `created_at` |
//! | `order_number` | [`RefundCtx::order_number`]: the body has the order id only |
//! | `payment_transaction_id` | none: `parent_id` is Shopify's transaction id, not the gateway's; the gateway id is in the order's `payops.transaction_id` metafield (see [`super::payment`]) |
//!
//! # Multi-currency orders
//!
//! The order is booked in the shop's currency (`total_price`, see [`super::order`]), and its
//! refund must be too, or the ERP's credit memo and the invoice disagree in currency. Refund
//! transactions are in the customer's (presentment) currency: the REST Refund resource's own
//! example has a CAD shop and a `USD` transaction, and a refund of a multi-currency order must
//! name its `currency` (REST Refund resource, "Creates a refund": "For multi-currency orders, the
//! currency property is required whenever the amount property is provided"). A REST transaction
//! has no shop-money amount, but every part of the refund carries both currencies in a `*_set`:
//!
//! | part | counted |
//! |---|---|
//! | `refund_line_items[i]` | `subtotal_set` + `total_tax_set` |
//! | `refund_shipping_lines[i]` | `subtotal_amount_set` |
//! | `order_adjustments[i]` | minus (`amount_set` + `tax_amount_set`): Shopify records what the parts do not explain (a refund of an amount without items, shipping before refund shipping lines existed) as negative adjustments |
//! | `total_duties_set`, `total_additional_fees_set` | as they are |
//!
//! A `shipping_refund` adjustment is left out when the refund has shipping lines: the official
//! 2025-10 fixtures record a shipping refund both ways (a 5.00 refund shipping line and a `-5.00`
//! `shipping_refund` adjustment for a 5.00 transaction). The presentment side of the parts must
//! add up to the transactions exactly; a refund whose parts do not is refused (naming
//! `transactions`) rather than booked at a guessed shop amount. Unconfirmed against a live
//! multi-currency store: no real payload of one was found, only Shopify's documented examples
//! (whose illustrative amounts do not add up), so the check is what keeps a misreading from being
//! booked.
//!
//! Disputes (`TryFrom<&rest::Dispute>`): Shopify Payments disputes are raised against an order,
//! not a transaction, and the processor is Shopify Payments, so `gateway` is
//! [`System::Shopify`] and `payment_transaction_id` is the Shopify order id (`order_id`, required).
//! The status depends on the dispute `type` as well ([`dispute_status`]).

use shopify::rest;

use super::{at_field, money, set_money, text};
use crate::{
    Currency, Dispute, DisputeStatus, ExternalIds, MappingError, Money, MoneyBag, Refund,
    RefundStatus, System,
};

/// What a refund body does not say and the flow knows.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefundCtx<'a> {
    /// The order's shop currency: the refund's `amount` is in it, and a transaction without
    /// `currency` is taken to be in it. Without it, the shop money of the body's `*_set` fields
    /// names the shop currency (and, lacking those too, the transactions' own currency).
    pub order_currency: Option<Currency>,
    /// The order's number (`#1001`).
    pub order_number: Option<&'a str>,
    /// Gateway names of this shop beyond the built-in ones, each with the system it stands for:
    /// a shop that records PayTrace payments as a manual payment method named `"PayTrace (card)"`
    /// lists `("PayTrace (card)", System::Paytrace)`. Matched like the built-in names.
    pub gateways: &'a [(&'a str, System)],
}

/// The gateway names that name one system whatever the shop: `paytrace`, `stripe`, and
/// `shopify_payments` (Shopify's own processor). Compared without case, spaces or punctuation.
const BUILT_IN_GATEWAYS: [(&str, System); 3] = [
    ("paytrace", System::Paytrace),
    ("stripe", System::Stripe),
    ("shopifypayments", System::Shopify),
];

/// Lower-case letters and digits only: `"PayTrace"`, `"pay_trace"` and `"Pay Trace"` compare equal.
fn fold(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The [`System`] a Shopify transaction `gateway` name stands for, when it names exactly one:
/// one of `extra` (the shop's own names, see [`RefundCtx::gateways`]) or a built-in name. Anything
/// else (`bogus`, `manual`, `paypal`, a payment app's name) is a [`MappingError::InvalidValue`]
/// naming `field`: guessing the gateway of a refund would send money through the wrong system.
pub fn gateway_system(
    name: &str,
    extra: &[(&str, System)],
    field: &str,
) -> Result<System, MappingError> {
    let folded = fold(name);
    let mut found = extra
        .iter()
        .copied()
        .chain(BUILT_IN_GATEWAYS)
        .filter(|(known, _)| !folded.is_empty() && fold(known) == folded)
        .map(|(_, system)| system);
    match (found.next(), found.next()) {
        (Some(system), None) => Ok(system),
        (Some(first), Some(second)) if first == second => Ok(first),
        _ => Err(MappingError::InvalidValue {
            field: field.to_owned(),
            value: name.to_owned(),
            expected: "gateway name of exactly one system (paytrace, stripe, shopify_payments or a configured name)",
        }),
    }
}

impl From<&rest::TransactionStatus> for RefundStatus {
    fn from(status: &rest::TransactionStatus) -> Self {
        match status {
            rest::TransactionStatus::Success => Self::Succeeded,
            rest::TransactionStatus::Pending => Self::Pending,
            rest::TransactionStatus::Failure | rest::TransactionStatus::Error => Self::Failed,
            other => Self::Unknown(other.as_str().to_owned()),
        }
    }
}

impl TryFrom<&rest::Refund> for Refund {
    type Error = MappingError;

    /// [`refund_from_shopify`] with a default [`RefundCtx`]: only built-in gateway names, and
    /// every transaction must name its currency.
    fn try_from(refund: &rest::Refund) -> Result<Self, Self::Error> {
        refund_from_shopify(refund, &RefundCtx::default())
    }
}

/// Maps a `refunds/create` body (see the module docs); errors are rooted at `refund`
/// (`refund.transactions[0].gateway`).
pub fn refund_from_shopify(
    refund: &rest::Refund,
    ctx: &RefundCtx<'_>,
) -> Result<Refund, MappingError> {
    map_refund(refund, ctx).map_err(|e| e.at("refund"))
}

/// The mapping, with errors relative to the refund.
fn map_refund(refund: &rest::Refund, ctx: &RefundCtx<'_>) -> Result<Refund, MappingError> {
    let id = refund.id.ok_or_else(|| MappingError::MissingField {
        field: "id".to_owned(),
    })?;
    let mut paid: Option<Money> = None;
    let mut outcome: Option<(usize, RefundStatus, System)> = None;
    for (i, transaction) in refund.transactions.iter().enumerate() {
        if transaction.kind != rest::TransactionKind::Refund {
            continue;
        }
        let at = |name: &str| format!("transactions[{i}].{name}");
        let currency = match text(transaction.currency.as_deref()) {
            Some(code) => crate::currency::parse_currency(&code, &at("currency"))?,
            None => ctx
                .order_currency
                .ok_or_else(|| MappingError::MissingField {
                    field: at("currency"),
                })?,
        };
        let this = money(transaction.amount, currency, &at("amount"))?;
        paid = Some(match paid {
            None => this,
            Some(sum) => sum
                .checked_add(this)
                .map_err(|e| at_field(e, &at("amount")))?,
        });
        let status = transaction
            .status
            .as_ref()
            .map(RefundStatus::from)
            .ok_or_else(|| MappingError::MissingField {
                field: at("status"),
            })?;
        let gateway_name =
            text(transaction.gateway.as_deref()).ok_or_else(|| MappingError::MissingField {
                field: at("gateway"),
            })?;
        let gateway = gateway_system(&gateway_name, ctx.gateways, &at("gateway"))?;
        match &outcome {
            None => outcome = Some((i, status, gateway)),
            Some((first, first_status, first_gateway)) => {
                if *first_status != status {
                    return Err(MappingError::InvalidValue {
                        field: at("status"),
                        value: status.to_string(),
                        expected: "the status of the refund's other transactions",
                    });
                }
                if *first_gateway != gateway {
                    return Err(MappingError::InvalidValue {
                        field: at("gateway"),
                        value: format!(
                            "{gateway_name} (transactions[{first}] is {first_gateway:?})"
                        ),
                        expected: "the gateway of the refund's other transactions",
                    });
                }
            }
        }
    }
    let (Some(paid), Some((_, status, gateway))) = (paid, outcome) else {
        return Err(MappingError::MissingField {
            field: "transactions".to_owned(),
        });
    };
    let (parts, missing) = parts(refund)?;
    let shop = match (ctx.order_currency, parts.first()) {
        (Some(shop), _) => shop,
        (None, Some(part)) => part.bag.shop.currency(),
        (None, None) => paid.currency(),
    };
    for part in &parts {
        if part.bag.shop.currency() != shop {
            return Err(MappingError::CurrencyMismatch {
                field: format!("{}.shop_money.currency_code", part.field),
                left: shop.code().to_owned(),
                right: part.bag.shop.currency().code().to_owned(),
            });
        }
    }
    let (amount, presentment_amount) = if paid.currency() == shop {
        (paid, None)
    } else if let Some(field) = missing {
        return Err(MappingError::MissingField { field });
    } else {
        (shop_amount(&parts, shop, paid)?, Some(paid))
    };
    let processed_at = refund.processed_at.or(refund.created_at);
    Ok(Refund {
        ids: ExternalIds::new().with(System::Shopify, id.to_string()),
        gateway,
        payment_transaction_id: None,
        order_number: ctx.order_number.map(str::to_owned),
        amount,
        presentment_amount,
        status,
        reason: text(refund.note.as_deref()),
        processed_at,
    })
}

/// One part of a refund in both currencies, with the sign it counts with.
struct Part {
    /// The Shopify field, relative to the refund (`refund_line_items[0].subtotal_set`).
    field: String,
    bag: MoneyBag,
    /// Adjustments count against the refund.
    negative: bool,
}

/// The parts of a refund that carry both currencies (see the module docs for which and why),
/// and the first part that should carry them and does not: only a refund paid in another
/// currency than the shop's needs every part.
fn parts(refund: &rest::Refund) -> Result<(Vec<Part>, Option<String>), MappingError> {
    let mut parts = Vec::new();
    let mut missing = None;
    let mut push = |field: String, set: Option<&rest::MoneySet>, negative: bool, required: bool| {
        let Some(set) = set else {
            if required && missing.is_none() {
                missing = Some(field);
            }
            return Ok(());
        };
        let bag = MoneyBag {
            shop: set_money(&set.shop_money, &format!("{field}.shop_money"))?,
            presentment: set_money(
                &set.presentment_money,
                &format!("{field}.presentment_money"),
            )?,
        };
        parts.push(Part {
            field,
            bag,
            negative,
        });
        Ok::<_, MappingError>(())
    };
    for (i, line) in refund.refund_line_items.iter().enumerate() {
        let at = |name: &str| format!("refund_line_items[{i}].{name}");
        push(at("subtotal_set"), line.subtotal_set.as_ref(), false, true)?;
        push(
            at("total_tax_set"),
            line.total_tax_set.as_ref(),
            false,
            true,
        )?;
    }
    for (i, line) in refund.refund_shipping_lines.iter().enumerate() {
        let field = format!("refund_shipping_lines[{i}].subtotal_amount_set");
        push(field, line.subtotal_amount_set.as_ref(), false, true)?;
    }
    for (i, adjustment) in refund.order_adjustments.iter().enumerate() {
        // Counted already as a refund shipping line (module docs).
        if adjustment.kind == "shipping_refund" && !refund.refund_shipping_lines.is_empty() {
            continue;
        }
        let at = |name: &str| format!("order_adjustments[{i}].{name}");
        push(at("amount_set"), adjustment.amount_set.as_ref(), true, true)?;
        let tax = adjustment.tax_amount_set.as_ref();
        push(at("tax_amount_set"), tax, true, false)?;
    }
    let duties = refund.total_duties_set.as_ref();
    push("total_duties_set".to_owned(), duties, false, false)?;
    let fees = refund.total_additional_fees_set.as_ref();
    push("total_additional_fees_set".to_owned(), fees, false, false)?;
    Ok((parts, missing))
}

/// The shop-money amount of a refund paid in another currency: the parts' shop side, once their
/// presentment side is found to add up to `paid` exactly.
fn shop_amount(parts: &[Part], shop: Currency, paid: Money) -> Result<Money, MappingError> {
    let mut shop_sum = Money::zero(shop);
    let mut presented = Money::zero(paid.currency());
    for part in parts {
        let add = |sum: Money, value: Money, side: &str| {
            let field = format!("{}.{side}", part.field);
            if part.negative {
                sum.checked_sub(value)
            } else {
                sum.checked_add(value)
            }
            .map_err(|e| at_field(e, &format!("{field}.currency_code")))
        };
        shop_sum = add(shop_sum, part.bag.shop, "shop_money")?;
        presented = add(presented, part.bag.presentment, "presentment_money")?;
    }
    if presented != paid {
        return Err(MappingError::InvalidValue {
            field: "transactions".to_owned(),
            value: format!(
                "{paid} refunded against {presented} of refunded lines, shipping, duties, fees and adjustments"
            ),
            expected: "refund transactions that add up to the refund's parts, which give its amount in the shop's currency",
        });
    }
    Ok(shop_sum)
}

/// The canonical status of a Shopify Payments dispute, which depends on its `type`.
///
/// | `type` | `needs_response` | `under_review` | `won` | `lost` | `accepted` | `charge_refunded` |
/// |---|---|---|---|---|---|---|
/// | `inquiry` | `inquiry_needs_response` | `inquiry_under_review` | `inquiry_closed` | `lost` | `accepted` | `Unknown` |
/// | `chargeback` | `needs_response` | `under_review` | `won` | `lost` | `accepted` | `Unknown` |
/// | another | `Unknown` | `Unknown` | `won` | `lost` | `accepted` | `Unknown` |
///
/// `charge_refunded` (the merchant refunded the charge) has no canonical equivalent, as with
/// Stripe's; an unknown type leaves open statuses `Unknown` because inquiry and chargeback differ.
pub fn dispute_status(kind: &rest::DisputeType, status: &rest::DisputeStatus) -> DisputeStatus {
    use rest::{DisputeStatus as S, DisputeType as T};
    match (kind, status) {
        (T::Inquiry, S::NeedsResponse) => DisputeStatus::InquiryNeedsResponse,
        (T::Inquiry, S::UnderReview) => DisputeStatus::InquiryUnderReview,
        (T::Inquiry, S::Won) => DisputeStatus::InquiryClosed,
        (T::Chargeback, S::NeedsResponse) => DisputeStatus::NeedsResponse,
        (T::Chargeback, S::UnderReview) => DisputeStatus::UnderReview,
        (T::Chargeback, S::Won) | (T::Other(_), S::Won) => DisputeStatus::Won,
        (_, S::Lost) => DisputeStatus::Lost,
        (_, S::Accepted) => DisputeStatus::Accepted,
        (_, other) => DisputeStatus::Unknown(other.as_str().to_owned()),
    }
}

impl TryFrom<&rest::Dispute> for Dispute {
    type Error = MappingError;

    /// Maps a `disputes/create` body (see the module docs); errors are rooted at `dispute`.
    fn try_from(dispute: &rest::Dispute) -> Result<Self, Self::Error> {
        map_dispute(dispute).map_err(|e| e.at("dispute"))
    }
}

/// The mapping, with errors relative to the dispute.
fn map_dispute(dispute: &rest::Dispute) -> Result<Dispute, MappingError> {
    let currency = crate::currency::parse_currency(&dispute.currency, "currency")?;
    let order_id = dispute.order_id.ok_or_else(|| MappingError::MissingField {
        field: "order_id".to_owned(),
    })?;
    Ok(Dispute {
        ids: ExternalIds::new().with(System::Shopify, dispute.id.to_string()),
        gateway: System::Shopify,
        payment_transaction_id: order_id.to_string(),
        order_number: None,
        amount: money(dispute.amount, currency, "amount")?,
        reason: text(dispute.reason.as_deref()),
        status: dispute_status(&dispute.kind, &dispute.status),
        evidence_due_by: dispute.evidence_due_by,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::{Value, json};

    use super::*;

    fn transaction(amount: &str, status: &str, gateway: &str) -> Value {
        json!({"id": 1, "kind": "refund", "status": status, "gateway": gateway,
               "amount": amount, "currency": "USD"})
    }

    fn refund_json() -> Value {
        json!({
            "id": 929361472, "order_id": 450789469, "note": "wrong size",
            "created_at": "2025-04-02T11:38:34-05:00", "processed_at": null,
            "transactions": [
                transaction("10.00", "success", "PayTrace"),
                {"id": 2, "kind": "capture", "status": "success", "gateway": "bogus",
                 "amount": "99.00", "currency": "EUR"},
                transaction("5.50", "success", "paytrace")
            ]
        })
    }

    fn map(value: &Value, ctx: &RefundCtx<'_>) -> Result<Refund, MappingError> {
        let wire: rest::Refund = serde_json::from_value(value.clone()).unwrap();
        refund_from_shopify(&wire, ctx)
    }

    fn edited(edit: impl FnOnce(&mut Value)) -> Result<Refund, MappingError> {
        let mut value = refund_json();
        edit(&mut value);
        map(&value, &RefundCtx::default())
    }

    #[test]
    fn sums_the_refund_transactions_only() {
        let refund = edited(|_| {}).unwrap();
        assert_eq!(refund.amount, Money::from_minor(1550, Currency::USD));
        assert_eq!(refund.status, RefundStatus::Succeeded);
        assert_eq!(refund.gateway, System::Paytrace);
        assert_eq!(refund.ids.get(System::Shopify), Some("929361472"));
        assert_eq!(refund.reason.as_deref(), Some("wrong size"));
        assert_eq!(refund.processed_at.unwrap().unix_timestamp(), 1_743_611_914);
        assert_eq!(refund.payment_transaction_id, None);
        assert_eq!(refund.order_number, None);
    }

    #[test]
    fn a_refund_in_the_shop_currency_needs_no_set_on_its_parts() {
        // Payloads from before `*_set` existed; the transactions are in the shop's currency.
        let refund = edited(|v| {
            v["refund_line_items"] =
                json!([{"line_item_id": 1, "quantity": 1, "subtotal": "15.50"}]);
            v["order_adjustments"] =
                json!([{"id": 1, "kind": "refund_discrepancy", "amount": "0.00"}]);
        })
        .unwrap();
        assert_eq!(refund.amount, Money::from_minor(1550, Currency::USD));
        assert_eq!(refund.presentment_amount, None);
    }

    #[test]
    fn transaction_statuses() {
        let cases = [
            ("success", RefundStatus::Succeeded),
            ("pending", RefundStatus::Pending),
            ("failure", RefundStatus::Failed),
            ("error", RefundStatus::Failed),
            ("reversed", RefundStatus::Unknown("reversed".into())),
        ];
        for (raw, expected) in cases {
            let refund = edited(|v| {
                v["transactions"][0]["status"] = json!(raw);
                v["transactions"][2]["status"] = json!(raw);
            })
            .unwrap();
            assert_eq!(refund.status, expected, "{raw}");
        }
    }

    #[test]
    fn context_fills_currency_number_and_shop_gateway_names() {
        let mut value = refund_json();
        value["transactions"][0]["currency"] = Value::Null;
        value["transactions"][0]["gateway"] = json!("manual");
        value["transactions"][2]["gateway"] = json!("Manual");
        let ctx = RefundCtx {
            order_currency: Some(Currency::USD),
            order_number: Some("#1001"),
            gateways: &[("manual", System::Paytrace)],
        };
        let refund = map(&value, &ctx).unwrap();
        assert_eq!(refund.amount, Money::from_minor(1550, Currency::USD));
        assert_eq!(refund.gateway, System::Paytrace);
        assert_eq!(refund.order_number.as_deref(), Some("#1001"));
    }

    #[test]
    fn gateway_names() {
        let extra = [
            ("PayTrace (card)", System::Paytrace),
            ("stripe", System::Stripe),
        ];
        let cases = [
            ("paytrace", Some(System::Paytrace)),
            ("Pay Trace", Some(System::Paytrace)),
            ("STRIPE", Some(System::Stripe)),
            ("shopify_payments", Some(System::Shopify)),
            ("paytrace_card", Some(System::Paytrace)),
            ("bogus", None),
            ("manual", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(gateway_system(name, &extra, "g").ok(), expected, "{name}");
        }
        // A shop name that contradicts a built-in one is ambiguous.
        let contradicting = [("stripe", System::Paytrace)];
        let err = gateway_system("stripe", &contradicting, "g").unwrap_err();
        assert_eq!(err.field(), "g");
    }

    #[test]
    fn every_error_names_the_shopify_field() {
        type Edit = fn(&mut Value);
        let cases: [(Edit, &str); 10] = [
            (|v| v["id"] = Value::Null, "refund.id"),
            (
                |v| v["transactions"][0]["currency"] = json!("XYZ"),
                "refund.transactions[0].currency",
            ),
            (
                |v| v["transactions"][0]["currency"] = Value::Null,
                "refund.transactions[0].currency",
            ),
            (
                |v| v["transactions"][2]["amount"] = json!("5.505"),
                "refund.transactions[2].amount",
            ),
            (
                |v| v["transactions"][2]["currency"] = json!("EUR"),
                "refund.transactions[2].amount",
            ),
            (
                |v| v["transactions"][2]["status"] = Value::Null,
                "refund.transactions[2].status",
            ),
            (
                |v| v["transactions"][2]["status"] = json!("failure"),
                "refund.transactions[2].status",
            ),
            (
                |v| v["transactions"][0]["gateway"] = json!("bogus"),
                "refund.transactions[0].gateway",
            ),
            (
                |v| v["transactions"][2]["gateway"] = json!("stripe"),
                "refund.transactions[2].gateway",
            ),
            (
                |v| {
                    v["transactions"] =
                        json!([{"kind": "capture", "amount": "1.00", "currency": "USD"}]);
                },
                "refund.transactions",
            ),
        ];
        for (edit, field) in cases {
            let err = edited(edit).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
        let err = edited(|v| v["transactions"][2]["currency"] = json!("EUR")).unwrap_err();
        assert!(matches!(err, MappingError::CurrencyMismatch { .. }));
        let err = edited(|v| v["transactions"][2]["amount"] = json!("5.505")).unwrap_err();
        assert!(matches!(err, MappingError::PrecisionLoss { .. }));
    }

    fn dispute_json() -> Value {
        json!({"id": 598735659, "order_id": 625362839, "type": "chargeback", "amount": "11.50",
               "currency": "USD", "reason": "fraudulent", "network_reason_code": "4837",
               "status": "needs_response", "evidence_due_by": "2013-07-03T19:00:00-04:00",
               "evidence_sent_on": null, "finalized_on": null,
               "initiated_at": "2013-05-03T20:00:00-04:00"})
    }

    fn dispute(edit: impl FnOnce(&mut Value)) -> Result<Dispute, MappingError> {
        let mut value = dispute_json();
        edit(&mut value);
        let wire: rest::Dispute = serde_json::from_value(value).unwrap();
        Dispute::try_from(&wire)
    }

    #[test]
    fn maps_a_dispute() {
        let d = dispute(|_| {}).unwrap();
        assert_eq!(d.ids.get(System::Shopify), Some("598735659"));
        assert_eq!(d.gateway, System::Shopify);
        assert_eq!(d.payment_transaction_id, "625362839");
        assert_eq!(d.amount, Money::from_minor(1150, Currency::USD));
        assert_eq!(d.reason.as_deref(), Some("fraudulent"));
        assert_eq!(d.status, DisputeStatus::NeedsResponse);
        let due = d.evidence_due_by.unwrap();
        assert_eq!(due.unix_timestamp(), 1_372_892_400);
        assert_eq!(due.offset().whole_hours(), -4);
    }

    #[test]
    fn dispute_statuses_by_type() {
        let cases = [
            (
                "inquiry",
                "needs_response",
                DisputeStatus::InquiryNeedsResponse,
            ),
            ("inquiry", "under_review", DisputeStatus::InquiryUnderReview),
            ("inquiry", "won", DisputeStatus::InquiryClosed),
            ("inquiry", "lost", DisputeStatus::Lost),
            ("chargeback", "needs_response", DisputeStatus::NeedsResponse),
            ("chargeback", "under_review", DisputeStatus::UnderReview),
            ("chargeback", "won", DisputeStatus::Won),
            ("chargeback", "lost", DisputeStatus::Lost),
            ("chargeback", "accepted", DisputeStatus::Accepted),
            (
                "chargeback",
                "charge_refunded",
                DisputeStatus::Unknown("charge_refunded".into()),
            ),
            (
                "chargeback",
                "new_state",
                DisputeStatus::Unknown("new_state".into()),
            ),
            (
                "retrieval",
                "needs_response",
                DisputeStatus::Unknown("needs_response".into()),
            ),
            ("retrieval", "won", DisputeStatus::Won),
        ];
        for (kind, status, expected) in cases {
            let d = dispute(|v| {
                v["type"] = json!(kind);
                v["status"] = json!(status);
            })
            .unwrap();
            assert_eq!(d.status, expected, "{kind} {status}");
        }
    }

    #[test]
    fn dispute_errors() {
        type Edit = fn(&mut Value);
        let cases: [(Edit, &str); 4] = [
            (|v| v["currency"] = json!("usdollar"), "dispute.currency"),
            (|v| v["amount"] = json!("11.505"), "dispute.amount"),
            (|v| v["order_id"] = Value::Null, "dispute.order_id"),
            (
                |v| {
                    v["currency"] = json!("JPY");
                    v["amount"] = json!("11.5");
                },
                "dispute.amount",
            ),
        ];
        for (edit, field) in cases {
            let err = dispute(edit).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
        }
    }
}
