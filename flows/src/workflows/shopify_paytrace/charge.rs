//! The PayTrace charge of an order (a sale, or an authorization), sent at most once unless it
//! provably never landed.

use std::time::Duration;

use mapping::paytrace::{OrderCtx, TransactionCtx};
use mapping::{MappingError, Order, Payment, PaymentKind, PaymentStatus, System};
use paytrace::SaleLookup;

use super::{
    ATTR_PROTECT_KEY, ATTR_PROTECT_TOKEN, ATTR_USE_SAVED_CARD, ATTR_VAULT_CUSTOMER, Sent, Shared,
    paytrace_date,
};
use crate::StepError;
use crate::worker::{millis, now_millis};
use crate::workflow::{State, Step, StepCtx};

/// The charge: a sale, or an authorization in [`super::PaymentMode::AuthorizeThenCapture`].
pub(super) const CHARGE: Step<Payment> = Step::new("charge", System::Paytrace);
/// A charge sent whose answer is not on record yet.
const CHARGE_SENT: State<Sent> = State::new("charge/sent");

/// The card an order is charged with, read from its note attributes.
pub(super) enum CardSource {
    Vault(String),
    /// The card the order's customer saved on an earlier order ([`ATTR_USE_SAVED_CARD`]):
    /// resolved to its vault id from the order's customer before the plan is made.
    SavedCard,
    Protect {
        token: String,
        key: String,
    },
}

/// The card source of a Shopify order; an order with none is an error naming the attribute.
pub(super) fn card_source(order: &shopify::rest::Order) -> Result<CardSource, MappingError> {
    card_in(|name| {
        order
            .note_attributes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.value.as_deref())
    })
    .ok_or_else(|| MappingError::MissingField {
        field: format!("order.note_attributes.{ATTR_VAULT_CUSTOMER}"),
    })
}

/// The card source in an order's attributes, `attr` giving the value of each by name (the
/// webhook's `note_attributes`, a listed order's `customAttributes`): a vault customer, else the
/// saved card asked for ([`ATTR_USE_SAVED_CARD`] `true`, `yes` or `1`), else a Protect.js token
/// with its key; blank values count as absent.
pub(super) fn card_in<'a>(attr: impl Fn(&str) -> Option<&'a str>) -> Option<CardSource> {
    let attr = |name: &str| {
        attr(name)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    if let Some(customer) = attr(ATTR_VAULT_CUSTOMER) {
        return Some(CardSource::Vault(customer));
    }
    if attr(ATTR_USE_SAVED_CARD).is_some_and(|v| {
        let v = v.trim();
        ["true", "yes", "1"]
            .iter()
            .any(|t| v.eq_ignore_ascii_case(t))
    }) {
        return Some(CardSource::SavedCard);
    }
    match (attr(ATTR_PROTECT_TOKEN), attr(ATTR_PROTECT_KEY)) {
        (Some(token), Some(key)) => Some(CardSource::Protect { token, key }),
        _ => None,
    }
}

/// The request of a charge, by card source.
enum ChargeRequest {
    Vault(paytrace::CustomerRequest),
    Protect(paytrace::ProtectRequest),
}

/// What a charge needs, mapped before any money moves.
pub(super) struct ChargePlan {
    request: ChargeRequest,
    /// The card is stored in the vault after an approval (a Protect.js token: single-use).
    pub(super) vaults: bool,
    kind: PaymentKind,
    tx_ctx: TransactionCtx,
    invoice_id: String,
}

impl ChargePlan {
    /// Maps everything the charge of `order` needs; a failure here means the order cannot be
    /// charged.
    pub(super) fn new(
        shared: &Shared,
        order: &Order,
        source: CardSource,
        kind: PaymentKind,
    ) -> Result<Self, MappingError> {
        let order_ctx = order_ctx(shared);
        let tx_ctx = match &source {
            CardSource::Vault(_) | CardSource::SavedCard => {
                TransactionCtx::for_vault_order(order, kind, &order_ctx)?
            }
            CardSource::Protect { .. } => TransactionCtx::for_order(order, kind, &order_ctx)?,
        };
        let vaults = matches!(source, CardSource::Protect { .. });
        let invoice_id = mapping::paytrace::invoice_id(order, &order_ctx)?;
        let request = match source {
            // The saved card's vault id is the order customer's, set by the caller.
            CardSource::Vault(_) | CardSource::SavedCard => {
                ChargeRequest::Vault(mapping::paytrace::to_customer_request(order, &order_ctx)?)
            }
            CardSource::Protect { token, key } => {
                let token = paytrace::ProtectToken::new(token, key);
                ChargeRequest::Protect(mapping::paytrace::to_protect_request(
                    order, &order_ctx, token,
                )?)
            }
        };
        Ok(Self {
            request,
            vaults,
            kind,
            tx_ctx,
            invoice_id,
        })
    }
}

fn order_ctx(shared: &Shared) -> OrderCtx<'_> {
    OrderCtx {
        store_prefix: &shared.config.store_prefix,
        email_receipt: false,
    }
}

/// The charge of `order`: its recorded result, what PayTrace's exports say of a charge sent
/// without an answer, or a new request. See the module docs of the workflow for the rule.
pub(super) async fn charge(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    plan: &ChargePlan,
) -> Result<Payment, StepError> {
    if let Some(payment) = ctx.recorded(&CHARGE)? {
        return Ok(payment);
    }
    if let Some(sent) = ctx.state(&CHARGE_SENT)? {
        let lookup = shared
            .paytrace
            .find_sale_by_invoice(&sent.reference, paytrace_date(sent.at))
            .await?;
        let found = match lookup {
            SaleLookup::Approved(record) => Some(payment_from_record(&record, &plan.tx_ctx, true)),
            SaleLookup::Declined(record) => Some(payment_from_record(&record, &plan.tx_ctx, false)),
            SaleLookup::Multiple(records) => {
                return Err(StepError::permanent(format!(
                    "{} PayTrace transactions carry invoice_id {}: resolve by hand",
                    records.len(),
                    sent.reference
                )));
            }
            SaleLookup::NotFound => None,
        };
        if let Some(payment) = found {
            tracing::info!(invoice = %sent.reference, status = %payment.status, "lost charge answer found in PayTrace's export");
            ctx.record(ctx.entity(), &CHARGE, &payment)?;
            ctx.clear_state(&CHARGE_SENT);
            return Ok(payment);
        }
        may_resend(shared, &sent, "charge")?;
        tracing::warn!(invoice = %sent.reference, "charge never landed; sending it again");
    }

    let authorize = plan.kind == PaymentKind::Authorization;
    let sent = send_marked(shared, ctx, &CHARGE_SENT, &plan.invoice_id, || async {
        match &plan.request {
            ChargeRequest::Vault(request) if authorize => {
                shared.paytrace.authorize_by_customer(request).await
            }
            ChargeRequest::Vault(request) => shared.paytrace.sale_by_customer(request).await,
            ChargeRequest::Protect(request) if authorize => {
                shared.paytrace.authorize_protect(request).await
            }
            ChargeRequest::Protect(request) => shared.paytrace.sale_protect(request).await,
        }
    })
    .await?;
    match sent {
        Ok(response) => {
            let payment = mapping::paytrace::to_payment(&response, &plan.tx_ctx)?;
            ctx.record(ctx.entity(), &CHARGE, &payment)?;
            Ok(payment)
        }
        Err(err) if err.is_ambiguous() => Err(StepError::wait(
            shared.config.recovery.processing_window(),
            format!(
                "charge {} sent without an answer ({err}): looking it up once it cannot land",
                plan.invoice_id
            ),
        )),
        // PayTrace answered: nothing was charged.
        Err(err) => Err(err.into()),
    }
}

/// Sends a PayTrace request that moves money, keeping `marker` while its answer is unknown.
///
/// The lease is made to outlast the call first, then the marker (with the run's deadline) is
/// written, fenced by the claim: a run that lost its claim sends nothing, and no other run can
/// start the job while the request may be in flight. A run left with less time than the client's
/// timeout sends nothing (its marker then costs a lookup). After an answer, or an error that says
/// PayTrace did not process the request, the marker goes; after a call that returned without an
/// answer it records when, the point from which the processing window counts.
pub(super) async fn send_marked<T, F, Fut>(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    marker: &State<Sent>,
    reference: &str,
    call: F,
) -> Result<Result<T, paytrace::Error>, StepError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, paytrace::Error>>,
{
    ctx.hold_lease(shared.paytrace.timeout().saturating_mul(2))
        .await?;
    let sent = Sent::now(ctx, reference);
    ctx.set_state(marker, &sent)?;
    ctx.save().await?;
    if ctx.time_left() < shared.paytrace.timeout() {
        return Err(StepError::wait(
            still_landing(shared, &sent).unwrap_or_default(),
            format!("{reference}: the run ran short of time before sending"),
        ));
    }
    let result = call().await;
    match &result {
        Err(err) if err.is_ambiguous() => ctx.set_state(marker, &sent.returned())?,
        _ => ctx.clear_state(marker),
    }
    Ok(result)
}

/// Whether a request PayTrace does not show as processed may be sent again: a wait while it may
/// still land, a permanent error (for a person) when the recovery never resends, `Ok` once it
/// provably never landed.
pub(super) fn may_resend(shared: &Shared, sent: &Sent, what: &str) -> Result<(), StepError> {
    if let Some(left) = still_landing(shared, sent) {
        return Err(StepError::wait(
            left,
            format!(
                "PayTrace may still process {what} {}: looking again once it cannot",
                sent.reference
            ),
        ));
    }
    if !shared.config.recovery.resends() {
        return Err(StepError::permanent(format!(
            "{what} {} was sent without an answer and PayTrace does not show it: check PayTrace \
             before replaying",
            sent.reference
        )));
    }
    Ok(())
}

/// How long a request may still land, if it may: until the processing window after the moment
/// it could last be in flight from our side.
pub(super) fn still_landing(shared: &Shared, sent: &Sent) -> Option<Duration> {
    let lands_until = sent
        .until
        .saturating_add(millis(shared.config.recovery.processing_window()));
    let left = lands_until.saturating_sub(now_millis());
    (left > 0).then(|| Duration::from_millis(left.unsigned_abs()))
}

/// A charge PayTrace processed whose answer we never saw, as found in its export: the export
/// that listed it says whether it was approved.
fn payment_from_record(
    record: &paytrace::TransactionRecord,
    ctx: &TransactionCtx,
    approved: bool,
) -> Payment {
    let status = match (approved, ctx.kind) {
        (true, PaymentKind::Authorization) => PaymentStatus::Authorized,
        (true, _) => PaymentStatus::Captured,
        (false, _) => PaymentStatus::Declined,
    };
    Payment {
        ids: mapping::ExternalIds::new().with(System::Paytrace, record.transaction_id.to_string()),
        order_number: ctx.order_number.clone(),
        reference: ctx.reference.clone(),
        approval_code: record.approval_code.clone(),
        vault_id: ctx.vault_id.clone(),
        message: record.status_message.clone(),
        ..Payment::new(System::Paytrace, ctx.kind, status, ctx.amount)
    }
}
