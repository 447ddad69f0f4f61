//! Stripe objects into canonical entities.

use ::stripe_client as wire;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::checks::{avs_result, cvv_result};
use super::{CUSTOMER_ID_SYSTEMS, META_ORDER_NUMBER, META_ORDER_REFERENCE, customer_id_key};
use crate::address::{postal_code, region_code, split_name, street_lines};
use crate::amount::stripe::from_stripe_amount;
use crate::status::stripe as status;
use crate::{
    Address, CardBrand, CountryCode, Currency, Customer, Dispute, DisputeStatus, ExternalIds,
    Last4, MappingError, Money, Payment, PaymentKind, PaymentStatus, PayoutStatus, Refund,
    RefundStatus, System,
};

/// The canonical currency of a Stripe currency code; `field` names it in the error.
pub(super) fn currency(code: &wire::Currency, field: &str) -> Result<Currency, MappingError> {
    crate::currency::parse_currency(code.as_str(), field)
}

/// The [`Money`] of a Stripe integer amount in `code`, with `amount_field` and `currency_field`
/// naming the fields in errors.
pub(super) fn money(
    amount: i64,
    code: &wire::Currency,
    amount_field: &str,
    currency_field: &str,
) -> Result<Money, MappingError> {
    from_stripe_amount(amount, currency(code, currency_field)?, amount_field)
}

impl From<&wire::PaymentIntentStatus> for PaymentStatus {
    fn from(value: &wire::PaymentIntentStatus) -> Self {
        status::payment_intent_status(value.as_str())
    }
}

impl From<&wire::RefundStatus> for RefundStatus {
    fn from(value: &wire::RefundStatus) -> Self {
        status::refund_status(value.as_str())
    }
}

impl From<&wire::DisputeStatus> for DisputeStatus {
    fn from(value: &wire::DisputeStatus) -> Self {
        status::dispute_status(value.as_str())
    }
}

impl From<&wire::PayoutStatus> for PayoutStatus {
    fn from(value: &wire::PayoutStatus) -> Self {
        status::payout_status(value.as_str())
    }
}

/// A Stripe address as a canonical one: country to its ISO code, US and Canadian states and
/// postal codes checked. `None` when every field is empty (Stripe sends an object of nulls for
/// "no address"). Without a country the state and postal code are kept trimmed, as received.
pub(super) fn address(
    wire: &wire::Address,
    name: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<Address>, MappingError> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let lines = street_lines(
        [wire.line1.as_deref(), wire.line2.as_deref()]
            .into_iter()
            .flatten(),
    );
    let city = text(&wire.city);
    let state = text(&wire.state);
    let postal = text(&wire.postal_code);
    let country = text(&wire.country)
        .map(|c| CountryCode::parse(&c, "country"))
        .transpose()?;
    if lines.is_empty()
        && city.is_none()
        && state.is_none()
        && postal.is_none()
        && country.is_none()
    {
        return Ok(None);
    }
    let (region_code, postal_code) = match country {
        Some(country) => (
            state
                .map(|s| region_code(country, &s, "state"))
                .transpose()?,
            postal
                .map(|p| postal_code(country, &p, "postal_code"))
                .transpose()?,
        ),
        None => (state, postal),
    };
    let (first_name, last_name) = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => {
            let split = split_name(name, "name")?;
            (
                Some(split.first),
                Some(split.last).filter(|l| !l.is_empty()),
            )
        }
        None => (None, None),
    };
    Ok(Some(Address {
        first_name,
        last_name,
        company: None,
        lines,
        city,
        region_code,
        postal_code,
        country,
        phone: phone.map(str::to_owned),
    }))
}

use crate::text::non_blank_owned as non_empty;

/// A deleted customer carries no data: refused rather than mapped into an empty customer.
impl TryFrom<&wire::Customer> for Customer {
    type Error = MappingError;

    /// Ids: the Stripe id plus the ids kept in metadata under [`customer_id_key`]. The name is
    /// split at its last space ([`split_name`]). Errors are paths under `customer`.
    fn try_from(c: &wire::Customer) -> Result<Self, Self::Error> {
        if c.deleted {
            return Err(MappingError::InvalidValue {
                field: "customer.deleted".to_owned(),
                value: "true".to_owned(),
                expected: "customer that is not deleted",
            });
        }
        let mut ids = ExternalIds::new().with(System::Stripe, &c.id);
        for system in CUSTOMER_ID_SYSTEMS {
            let id = customer_id_key(system)
                .and_then(|key| non_empty(c.metadata.get(key).map(String::as_str)));
            if let Some(id) = id {
                ids.set(system, id);
            }
        }
        let name = c
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| split_name(n, "customer.name"))
            .transpose()?;
        let address = c
            .address
            .as_ref()
            .map(|a| address(a, c.name.as_deref(), c.phone.as_deref()))
            .transpose()
            .map_err(|e| e.at("customer.address"))?
            .flatten();
        Ok(Customer {
            ids,
            email: non_empty(c.email.as_deref()),
            first_name: name.as_ref().map(|n| n.first.clone()),
            last_name: name.map(|n| n.last).filter(|l| !l.is_empty()),
            phone: non_empty(c.phone.as_deref()),
            address,
        })
    }
}

/// A Charge as a canonical payment under the charge's id (`ch_...`).
///
/// Kind: a succeeded charge that is not captured is an authorization, anything else a sale (a
/// charge does not say which capture method created it). Status via
/// [`status::charge_status`]. The fee comes from the balance transaction when it was expanded
/// (in the balance's currency, which can differ from the charge's), the card brand and last four
/// digits from `payment_method_details.card`, the order number and reference from the metadata
/// the PaymentIntent was created with; AVS and CVV from the card checks.
/// Errors are paths under `charge`.
impl TryFrom<&wire::Charge> for Payment {
    type Error = MappingError;

    fn try_from(charge: &wire::Charge) -> Result<Self, Self::Error> {
        charge_payment(charge).map_err(|e| e.at("charge"))
    }
}

fn charge_payment(charge: &wire::Charge) -> Result<Payment, MappingError> {
    let amount = money(charge.amount, &charge.currency, "amount", "currency")?;
    let status = status::charge_status(charge.status.as_str(), charge.captured);
    let kind = if status == PaymentStatus::Authorized {
        PaymentKind::Authorization
    } else {
        PaymentKind::Sale
    };
    let fee = charge
        .balance_transaction
        .as_ref()
        .and_then(wire::Expandable::as_object)
        .map(|bt| money(bt.fee, &bt.currency, "fee", "currency"))
        .transpose()
        .map_err(|e| e.at("balance_transaction"))?;
    let card = charge
        .payment_method_details
        .as_ref()
        .and_then(|d| d.card.as_ref());
    let (card_brand, card_last4) =
        card_details(card).map_err(|e| e.at("payment_method_details"))?;
    let checks = card.and_then(|c| c.checks.as_ref());
    let message = non_empty(charge.failure_message.as_deref()).or_else(|| {
        if status == PaymentStatus::Declined {
            charge
                .outcome
                .as_ref()
                .and_then(|o| non_empty(o.seller_message.as_deref()))
        } else {
            None
        }
    });
    Ok(Payment {
        ids: ExternalIds::new().with(System::Stripe, &charge.id),
        gateway: System::Stripe,
        order_number: non_empty(charge.metadata.get(META_ORDER_NUMBER).map(String::as_str)),
        reference: non_empty(
            charge
                .metadata
                .get(META_ORDER_REFERENCE)
                .map(String::as_str),
        ),
        kind,
        status,
        amount,
        fee,
        card_brand,
        card_last4,
        avs: checks.and_then(avs_result),
        cvv: checks.and_then(cvv_result),
        approval_code: None,
        vault_id: charge.customer.as_ref().map(|c| c.id().to_owned()),
        message,
        processed_at: Some(charge.created),
    })
}

/// Brand and last four digits of a card; errors are paths under `card`.
fn card_details(
    card: Option<&wire::CardDetails>,
) -> Result<(Option<CardBrand>, Option<Last4>), MappingError> {
    let Some(card) = card else {
        return Ok((None, None));
    };
    let brand = non_empty(card.brand.as_deref()).map(|b| CardBrand::from_provider(&b));
    let last4 = card
        .last4
        .as_deref()
        .map(|l| Last4::try_from(l.to_owned()).map_err(|_| invalid_last4()))
        .transpose()?;
    Ok((brand, last4))
}

fn invalid_last4() -> MappingError {
    MappingError::InvalidValue {
        field: "card.last4".to_owned(),
        value: "(redacted)".to_owned(),
        expected: "four digits",
    }
}

/// A PaymentIntent as a canonical payment under the PaymentIntent's id (`pi_...`).
///
/// Kind: `capture_method=manual` is an authorization, otherwise a sale. Status via
/// [`status::payment_intent_status`], except that `requires_payment_method` with a
/// `last_payment_error` is a decline (the status alone cannot tell a new intent from a declined
/// one). The fee, card brand and last four digits come from `latest_charge` when it was expanded
/// (with its `balance_transaction` for the fee). Errors are paths under `payment_intent`.
impl TryFrom<&wire::PaymentIntent> for Payment {
    type Error = MappingError;

    fn try_from(pi: &wire::PaymentIntent) -> Result<Self, Self::Error> {
        intent_payment(pi).map_err(|e| e.at("payment_intent"))
    }
}

fn intent_payment(pi: &wire::PaymentIntent) -> Result<Payment, MappingError> {
    let amount = money(pi.amount, &pi.currency, "amount", "currency")?;
    let declined = pi.status == wire::PaymentIntentStatus::RequiresPaymentMethod
        && pi.last_payment_error.is_some();
    let status = if declined {
        PaymentStatus::Declined
    } else {
        PaymentStatus::from(&pi.status)
    };
    let kind = if pi.capture_method == Some(wire::CaptureMethod::Manual) {
        PaymentKind::Authorization
    } else {
        PaymentKind::Sale
    };
    let charge = pi
        .latest_charge
        .as_ref()
        .and_then(wire::Expandable::as_object)
        .map(charge_payment)
        .transpose()
        .map_err(|e| e.at("latest_charge"))?;
    Ok(Payment {
        ids: ExternalIds::new().with(System::Stripe, &pi.id),
        gateway: System::Stripe,
        order_number: non_empty(pi.metadata.get(META_ORDER_NUMBER).map(String::as_str)),
        reference: non_empty(pi.metadata.get(META_ORDER_REFERENCE).map(String::as_str)),
        kind,
        status,
        amount,
        fee: charge.as_ref().and_then(|c| c.fee),
        card_brand: charge.as_ref().and_then(|c| c.card_brand.clone()),
        card_last4: charge.as_ref().and_then(|c| c.card_last4.clone()),
        avs: charge.as_ref().and_then(|c| c.avs.clone()),
        cvv: charge.as_ref().and_then(|c| c.cvv.clone()),
        approval_code: None,
        vault_id: pi.customer.as_ref().map(|c| c.id().to_owned()),
        message: pi
            .last_payment_error
            .as_ref()
            .and_then(|e| non_empty(e.message.as_deref())),
        processed_at: Some(pi.created),
    })
}

/// A Refund as a canonical refund under the refund's id (`re_...`). The refunded payment is the
/// charge (`ch_...`), or the PaymentIntent when no charge is given. A refund without `status` is
/// an error (`refund.status`): Stripe's spec allows null, and guessing would be wrong both ways.
impl TryFrom<&wire::Refund> for Refund {
    type Error = MappingError;

    fn try_from(refund: &wire::Refund) -> Result<Self, Self::Error> {
        let amount = money(refund.amount, &refund.currency, "amount", "currency")
            .map_err(|e| e.at("refund"))?;
        let status = refund
            .status
            .as_ref()
            .map(RefundStatus::from)
            .ok_or_else(|| MappingError::MissingField {
                field: "refund.status".to_owned(),
            })?;
        let payment = refund
            .charge
            .as_ref()
            .map(|c| c.id().to_owned())
            .or_else(|| refund.payment_intent.as_ref().map(|p| p.id().to_owned()));
        Ok(Refund {
            ids: ExternalIds::new().with(System::Stripe, &refund.id),
            gateway: System::Stripe,
            payment_transaction_id: payment,
            order_number: non_empty(refund.metadata.get(META_ORDER_NUMBER).map(String::as_str)),
            amount,
            presentment_amount: None,
            status,
            reason: refund.reason.as_ref().map(|r| r.as_str().to_owned()),
            processed_at: Some(refund.created),
        })
    }
}

/// A Dispute as a canonical dispute under the dispute's id (`dp_...`), against the disputed
/// charge (`ch_...`). The order number comes from the dispute's metadata or, when the charge was
/// expanded, the charge's. Errors are paths under `dispute`.
impl TryFrom<&wire::Dispute> for Dispute {
    type Error = MappingError;

    fn try_from(dispute: &wire::Dispute) -> Result<Self, Self::Error> {
        let amount = money(dispute.amount, &dispute.currency, "amount", "currency")
            .map_err(|e| e.at("dispute"))?;
        let order_number = non_empty(dispute.metadata.get(META_ORDER_NUMBER).map(String::as_str))
            .or_else(|| {
                dispute
                    .charge
                    .as_object()
                    .and_then(|c| non_empty(c.metadata.get(META_ORDER_NUMBER).map(String::as_str)))
            });
        Ok(Dispute {
            ids: ExternalIds::new().with(System::Stripe, &dispute.id),
            gateway: System::Stripe,
            payment_transaction_id: dispute.charge.id().to_owned(),
            order_number,
            amount,
            reason: Some(dispute.reason.as_str().to_owned()),
            status: DisputeStatus::from(&dispute.status),
            evidence_due_by: dispute.evidence_details.as_ref().and_then(|d| d.due_by),
        })
    }
}

/// A Stripe payout in canonical terms. The canonical model has no payout entity (a payout's money
/// appears as the `payout` line among its [`SettlementLine`](crate::SettlementLine)s), so this is
/// the summary reconciliation needs to decide whether and when to post it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutSummary {
    /// The payout's id (`po_...`), the batch id of its settlement lines.
    pub id: String,
    /// The amount paid out (positive: to the bank).
    pub amount: Money,
    /// Where it stands.
    pub status: PayoutStatus,
    /// Whether Stripe made it on the automatic schedule: only those list their balance
    /// transactions (`ListBalanceTransactions::for_payout`).
    pub automatic: bool,
    /// When it is expected to arrive in the bank.
    #[serde(with = "time::serde::rfc3339")]
    pub arrival_date: OffsetDateTime,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Stripe's failure message of a failed payout.
    pub failure_message: Option<String>,
}

/// Errors are paths under `payout`.
impl TryFrom<&wire::Payout> for PayoutSummary {
    type Error = MappingError;

    fn try_from(payout: &wire::Payout) -> Result<Self, Self::Error> {
        let amount = money(payout.amount, &payout.currency, "amount", "currency")
            .map_err(|e| e.at("payout"))?;
        Ok(PayoutSummary {
            id: payout.id.clone(),
            amount,
            status: PayoutStatus::from(&payout.status),
            automatic: payout.automatic,
            arrival_date: payout.arrival_date,
            created: payout.created,
            failure_message: non_empty(payout.failure_message.as_deref()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::{Value, json};

    fn with(mut base: Value, overrides: Value) -> Value {
        for (k, v) in overrides.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    }

    fn charge(overrides: Value) -> wire::Charge {
        let base = json!({
            "id": "ch_1", "amount": 3645, "currency": "usd", "status": "succeeded",
            "captured": true, "created": 1700000000, "customer": "cus_1",
            "metadata": {"order_number": "000000042", "order_reference": "M1-000000042"},
            "balance_transaction": {"id": "txn_1", "amount": 3645, "currency": "usd", "fee": 136,
                "net": 3509, "available_on": 1700100000, "created": 1700000000, "type": "charge"},
            "payment_method_details": {"type": "card", "card": {"brand": "mastercard", "last4": "4444"}}
        });
        serde_json::from_value(with(base, overrides)).unwrap()
    }

    fn intent(overrides: Value) -> wire::PaymentIntent {
        let base = json!({
            "id": "pi_1", "amount": 3645, "currency": "usd", "status": "succeeded",
            "created": 1700000000, "capture_method": "automatic",
            "metadata": {"order_number": "000000042"}
        });
        serde_json::from_value(with(base, overrides)).unwrap()
    }

    #[test]
    fn charge_table() {
        // (overrides, kind, status)
        let cases = [
            (json!({}), PaymentKind::Sale, PaymentStatus::Captured),
            (
                json!({"captured": false}),
                PaymentKind::Authorization,
                PaymentStatus::Authorized,
            ),
            (
                json!({"status": "pending"}),
                PaymentKind::Sale,
                PaymentStatus::Pending,
            ),
            (
                json!({"status": "failed"}),
                PaymentKind::Sale,
                PaymentStatus::Declined,
            ),
            (
                json!({"status": "reversed"}),
                PaymentKind::Sale,
                PaymentStatus::Unknown("reversed".into()),
            ),
        ];
        for (overrides, kind, status) in cases {
            let payment = Payment::try_from(&charge(overrides.clone())).unwrap();
            assert_eq!(
                (payment.kind, payment.status),
                (kind, status),
                "{overrides}"
            );
        }
    }

    #[test]
    fn charge_fields() {
        let p = Payment::try_from(&charge(json!({}))).unwrap();
        assert_eq!(p.ids.get(System::Stripe), Some("ch_1"));
        assert_eq!(p.transaction_id().unwrap(), "ch_1");
        assert_eq!(p.amount, Money::from_minor(3645, Currency::USD));
        assert_eq!(p.fee, Some(Money::from_minor(136, Currency::USD)));
        assert_eq!(p.card_brand, Some(CardBrand::Mastercard));
        assert_eq!(p.card_last4.as_ref().map(Last4::as_str), Some("4444"));
        assert_eq!(p.order_number.as_deref(), Some("000000042"));
        assert_eq!(p.reference.as_deref(), Some("M1-000000042"));
        assert_eq!(p.vault_id.as_deref(), Some("cus_1"));
        assert_eq!(p.processed_at.unwrap().unix_timestamp(), 1_700_000_000);
        assert_eq!((p.avs, p.cvv), (None, None));

        let unexpanded =
            Payment::try_from(&charge(json!({"balance_transaction": "txn_1"}))).unwrap();
        assert_eq!(unexpanded.fee, None);

        let declined = Payment::try_from(&charge(json!({"status": "failed",
            "outcome": {"seller_message": "The bank did not return any further details."}})))
        .unwrap();
        assert_eq!(
            declined.message.as_deref(),
            Some("The bank did not return any further details.")
        );
        let failed = Payment::try_from(&charge(json!({"status": "failed",
            "failure_message": "Your card was declined."})))
        .unwrap();
        assert_eq!(failed.message.as_deref(), Some("Your card was declined."));
    }

    #[test]
    fn charge_errors_name_the_field() {
        let err = Payment::try_from(&charge(json!({"currency": "zzz"}))).unwrap_err();
        assert_eq!(
            err,
            MappingError::UnknownCurrency {
                field: "charge.currency".into(),
                value: "zzz".into()
            }
        );
        // ISK: Stripe's amount has two decimals that must be zero.
        let err = Payment::try_from(&charge(json!({"currency": "isk", "amount": 1050,
            "balance_transaction": null})))
        .unwrap_err();
        assert!(matches!(err, MappingError::PrecisionLoss { .. }), "{err}");
        assert_eq!(err.field(), "charge.amount");
        let bad_bt = json!({"id": "txn_1", "amount": 1, "currency": "xau", "fee": 1, "net": 0,
            "available_on": 1, "created": 1, "type": "charge"});
        let err = Payment::try_from(&charge(json!({"balance_transaction": bad_bt}))).unwrap_err();
        assert_eq!(err.field(), "charge.balance_transaction.currency");
        let err = Payment::try_from(&charge(json!({"payment_method_details": {"type": "card",
            "card": {"last4": "4242424242424242"}}})))
        .unwrap_err();
        assert_eq!(err.field(), "charge.payment_method_details.card.last4");
        assert!(!err.to_string().contains("4242"), "{err}");
    }

    #[test]
    fn payment_intent_table() {
        let error = json!({"type": "card_error", "code": "card_declined", "message": "Your card was declined."});
        let cases = [
            (json!({}), PaymentKind::Sale, PaymentStatus::Captured),
            (
                json!({"status": "requires_capture", "capture_method": "manual"}),
                PaymentKind::Authorization,
                PaymentStatus::Authorized,
            ),
            (
                json!({"status": "requires_payment_method"}),
                PaymentKind::Sale,
                PaymentStatus::Pending,
            ),
            (
                json!({"status": "requires_payment_method", "last_payment_error": error}),
                PaymentKind::Sale,
                PaymentStatus::Declined,
            ),
            (
                json!({"status": "requires_action"}),
                PaymentKind::Sale,
                PaymentStatus::RequiresAction,
            ),
            (
                json!({"status": "canceled"}),
                PaymentKind::Sale,
                PaymentStatus::Voided,
            ),
            (
                json!({"status": "requires_source"}),
                PaymentKind::Sale,
                PaymentStatus::Unknown("requires_source".into()),
            ),
        ];
        for (overrides, kind, status) in cases {
            let payment = Payment::try_from(&intent(overrides.clone())).unwrap();
            assert_eq!(
                (payment.kind, payment.status),
                (kind, status),
                "{overrides}"
            );
        }
        let declined = Payment::try_from(&intent(json!({"status": "requires_payment_method",
            "last_payment_error": error})))
        .unwrap();
        assert_eq!(declined.message.as_deref(), Some("Your card was declined."));
    }

    #[test]
    fn payment_intent_reads_the_expanded_latest_charge() {
        let latest = serde_json::to_value(charge(json!({}))).unwrap();
        let p = Payment::try_from(&intent(
            json!({"latest_charge": latest, "customer": "cus_9"}),
        ))
        .unwrap();
        assert_eq!(p.ids.get(System::Stripe), Some("pi_1"));
        assert_eq!(p.fee, Some(Money::from_minor(136, Currency::USD)));
        assert_eq!(p.card_brand, Some(CardBrand::Mastercard));
        assert_eq!(p.card_last4.as_ref().map(Last4::as_str), Some("4444"));
        assert_eq!(p.vault_id.as_deref(), Some("cus_9"));
        assert_eq!(p.order_number.as_deref(), Some("000000042"));
        let unexpanded = Payment::try_from(&intent(json!({"latest_charge": "ch_1"}))).unwrap();
        assert_eq!((unexpanded.fee, unexpanded.card_brand), (None, None));

        let mut bad = latest;
        bad["currency"] = json!("us");
        let err = Payment::try_from(&intent(json!({"latest_charge": bad}))).unwrap_err();
        assert_eq!(err.field(), "payment_intent.latest_charge.currency");
        let err = Payment::try_from(&intent(json!({"currency": "xxx"}))).unwrap_err();
        assert_eq!(err.field(), "payment_intent.currency");
    }

    #[test]
    fn refunds() {
        let base = json!({"id": "re_1", "amount": 1000, "currency": "eur", "charge": "ch_1",
            "created": 1700000000, "status": "succeeded", "reason": "requested_by_customer",
            "metadata": {"order_number": "1001"}});
        let parse = |overrides: Value| -> wire::Refund {
            serde_json::from_value(with(base.clone(), overrides)).unwrap()
        };
        let r = Refund::try_from(&parse(json!({}))).unwrap();
        assert_eq!(r.ids.get(System::Stripe), Some("re_1"));
        assert_eq!(r.payment_transaction_id.as_deref(), Some("ch_1"));
        assert_eq!(r.amount, Money::from_minor(1000, Currency::EUR));
        assert_eq!(r.status, RefundStatus::Succeeded);
        assert_eq!(r.reason.as_deref(), Some("requested_by_customer"));
        assert_eq!(r.order_number.as_deref(), Some("1001"));
        let by_intent =
            Refund::try_from(&parse(json!({"charge": null, "payment_intent": "pi_1"}))).unwrap();
        assert_eq!(by_intent.payment_transaction_id.as_deref(), Some("pi_1"));
        let unknown = Refund::try_from(&parse(json!({"status": "reversed"}))).unwrap();
        assert_eq!(unknown.status, RefundStatus::Unknown("reversed".into()));
        let err = Refund::try_from(&parse(json!({"status": null}))).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingField {
                field: "refund.status".into()
            }
        );
        let err = Refund::try_from(&parse(json!({"currency": "eu"}))).unwrap_err();
        assert_eq!(err.field(), "refund.currency");
    }

    #[test]
    fn disputes_and_payouts() {
        let dispute = json!({"id": "dp_1", "amount": 500, "currency": "jpy", "created": 1,
            "reason": "fraudulent", "status": "needs_response",
            "charge": {"id": "ch_1", "amount": 500, "currency": "jpy", "status": "succeeded",
                "created": 1, "metadata": {"order_number": "1001"}},
            "evidence_details": {"due_by": 1700000000}});
        let d: wire::Dispute = serde_json::from_value(dispute.clone()).unwrap();
        let d = Dispute::try_from(&d).unwrap();
        assert_eq!(d.amount, Money::from_minor(500, Currency::JPY));
        assert_eq!(d.payment_transaction_id, "ch_1");
        assert_eq!(d.order_number.as_deref(), Some("1001"));
        assert_eq!(d.status, DisputeStatus::NeedsResponse);
        assert_eq!(d.reason.as_deref(), Some("fraudulent"));
        assert_eq!(d.evidence_due_by.unwrap().unix_timestamp(), 1_700_000_000);
        let odd: wire::Dispute =
            serde_json::from_value(with(dispute.clone(), json!({"status": "charge_refunded"})))
                .unwrap();
        assert_eq!(
            Dispute::try_from(&odd).unwrap().status,
            DisputeStatus::Unknown("charge_refunded".into())
        );
        let bad: wire::Dispute =
            serde_json::from_value(with(dispute, json!({"currency": "??"}))).unwrap();
        assert_eq!(
            Dispute::try_from(&bad).unwrap_err().field(),
            "dispute.currency"
        );

        let payout = json!({"id": "po_1", "amount": 100000, "currency": "huf", "arrival_date": 2,
            "created": 1, "status": "paid", "automatic": true});
        let p: wire::Payout = serde_json::from_value(payout.clone()).unwrap();
        let p = PayoutSummary::try_from(&p).unwrap();
        assert_eq!(p.amount.format_major(), "1000.00");
        assert_eq!(p.status, PayoutStatus::Paid);
        assert!(p.automatic);
        let bad: wire::Payout =
            serde_json::from_value(with(payout, json!({"currency": "xyz"}))).unwrap();
        assert_eq!(
            PayoutSummary::try_from(&bad).unwrap_err().field(),
            "payout.currency"
        );
    }

    #[test]
    fn customers() {
        let base = json!({"id": "cus_1", "email": "ada@example.com", "name": "Ada King Lovelace",
            "phone": "+15125550100",
            "address": {"line1": "1 Main St", "line2": " ", "city": "Austin", "state": "Texas",
                "postal_code": "787011234", "country": "US"},
            "metadata": {"magento_customer_id": "7", "erp_customer_id": "C-42", "other": "x"}});
        let parse = |overrides: Value| -> wire::Customer {
            serde_json::from_value(with(base.clone(), overrides)).unwrap()
        };
        let c = Customer::try_from(&parse(json!({}))).unwrap();
        assert_eq!(c.ids.get(System::Stripe), Some("cus_1"));
        assert_eq!(c.ids.get(System::Magento), Some("7"));
        assert_eq!(c.ids.get(System::Erp), Some("C-42"));
        assert_eq!(c.ids.get(System::Shopify), None);
        assert_eq!(c.first_name.as_deref(), Some("Ada King"));
        assert_eq!(c.last_name.as_deref(), Some("Lovelace"));
        let a = c.address.unwrap();
        assert_eq!(a.lines, ["1 Main St"]);
        assert_eq!(a.region_code.as_deref(), Some("TX"));
        assert_eq!(a.postal_code.as_deref(), Some("78701-1234"));
        assert_eq!(a.country, Some(CountryCode::US));
        assert_eq!(a.first_name.as_deref(), Some("Ada King"));

        let nulls = json!({"line1": null, "line2": null, "city": null, "state": null,
            "postal_code": null, "country": null});
        let c = Customer::try_from(&parse(json!({"address": nulls, "name": "Cher"}))).unwrap();
        assert_eq!(c.address, None);
        assert_eq!((c.first_name.as_deref(), c.last_name), (Some("Cher"), None));

        let foreign = json!({"line1": "Marktplatz 1", "state": " Bayern ", "postal_code": "80331",
            "city": "München", "country": "DE"});
        let c = Customer::try_from(&parse(json!({"address": foreign}))).unwrap();
        assert_eq!(c.address.unwrap().region_code.as_deref(), Some("Bayern"));

        let cases = [
            (json!({"country": "Atlantis"}), "customer.address.country"),
            (
                json!({"country": "US", "state": "Ontario"}),
                "customer.address.state",
            ),
            (
                json!({"country": "CA", "postal_code": "12345"}),
                "customer.address.postal_code",
            ),
        ];
        for (address, field) in cases {
            let err = Customer::try_from(&parse(json!({"address": address}))).unwrap_err();
            assert_eq!(err.field(), field, "{address}");
        }
        let deleted: wire::Customer =
            serde_json::from_value(json!({"id": "cus_1", "deleted": true})).unwrap();
        assert_eq!(
            Customer::try_from(&deleted).unwrap_err().field(),
            "customer.deleted"
        );
    }

    #[test]
    fn status_enums_convert() {
        assert_eq!(
            PaymentStatus::from(&wire::PaymentIntentStatus::RequiresCapture),
            PaymentStatus::Authorized
        );
        assert_eq!(
            RefundStatus::from(&wire::RefundStatus::Other("x".into())),
            RefundStatus::Unknown("x".into())
        );
        assert_eq!(
            DisputeStatus::from(&wire::DisputeStatus::WarningClosed),
            DisputeStatus::InquiryClosed
        );
        assert_eq!(
            PayoutStatus::from(&wire::PayoutStatus::InTransit),
            PayoutStatus::InTransit
        );
    }
}
