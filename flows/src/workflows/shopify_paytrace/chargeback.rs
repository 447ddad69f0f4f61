//! Disputes: PayTrace chargebacks (`paytrace.chargeback`), booked in the ERP and told to the
//! store, and Shopify Payments disputes (`shopify.dispute`), told to the store only.

use std::sync::Arc;

use async_trait::async_trait;
use erp::{DisputeStage, PaymentDirection};
use mapping::paytrace::{Chargeback, ChargebackStage};
use mapping::{DisputeStatus, MappingError, System};
use serde::{Deserialize, Serialize};
use shopify::Gid;
use time::{Date, Duration, OffsetDateTime};

use super::Shared;
use crate::StepError;
use crate::intake::Delivery;
use crate::notify::Notice;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, Step, StepCtx, decode, job};
use crate::workflows::screening;

/// Tag of an order with a chargeback or dispute open.
pub const CHARGEBACK_TAG: &str = "chargeback";
/// Tag of an order whose chargeback or dispute the merchant won.
pub const CHARGEBACK_WON_TAG: &str = "chargeback-won";
/// Tag of an order whose chargeback or dispute the merchant lost (or accepted).
pub const CHARGEBACK_LOST_TAG: &str = "chargeback-lost";

/// How far back from a chargeback its payment is looked for in the ERP: the card networks'
/// longest chargeback window (540 days, for a few reason codes; most are 120).
const PAYMENT_LOOKBACK_DAYS: i64 = 540;

/// The disputed payment found in the ERP.
const PAYMENT: Step<Disputed> = Step::new("erp/payment", System::Erp);
/// The ERP dispute records, one per stage.
const ERP_OPENED: Step<erp::Recorded> = Step::new("erp/opened", System::Erp);
const ERP_WON: Step<erp::Recorded> = Step::new("erp/won", System::Erp);
const ERP_LOST: Step<erp::Recorded> = Step::new("erp/lost", System::Erp);
/// The order's tag and note line, one per stage (and, for Shopify disputes, under review).
const STORE_OPENED: Step<()> = Step::new("shopify/opened", System::Shopify);
const STORE_UNDER_REVIEW: Step<()> = Step::new("shopify/under-review", System::Shopify);
const STORE_WON: Step<()> = Step::new("shopify/won", System::Shopify);
const STORE_LOST: Step<()> = Step::new("shopify/lost", System::Shopify);

/// The disputed payment, as the ERP has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Disputed {
    /// Its ERP reference (`paytrace/{account}/txn/{id}`).
    payment_ref: String,
    /// Its invoice's reference.
    invoice_ref: String,
    /// The Shopify order of that invoice, when it is one of this shop's.
    order_id: Option<u64>,
}

/// The job of `chargeback` for PayTrace account `paytrace_account` (as the service's
/// configuration names it), keyed `paytrace/{account}/dispute/{case id}`, for a caller without
/// the pair's clients (`payops chargeback record` and `payops chargeback import`). The record is
/// checked first ([`Chargeback::check`], an error naming the field). The job runs once more
/// with this record when it exists already (a re-import, a later stage): every stage is a step
/// of its own, so nothing is booked or told twice.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use flows::workflows::shopify_paytrace::chargeback_job;
/// use mapping::paytrace::Chargeback;
/// let chargeback = Chargeback::new("CB-1001", "125391271", "25.00".parse()?, "USD",
///     time::macros::date!(2026 - 12 - 01))
///     .reason("10.4 Fraud - card absent");
/// let job = chargeback_job("merchant-42", &chargeback)?;
/// assert_eq!(job.key, "paytrace/merchant-42/dispute/CB-1001");
/// # Ok(()) }
/// ```
pub fn chargeback_job(
    paytrace_account: &str,
    chargeback: &Chargeback,
) -> Result<NewJob, StepError> {
    chargeback.check()?;
    let key = chargeback_key(paytrace_account, chargeback)?;
    Ok(NewJob {
        kind: <ChargebackFlow as Flow>::KIND,
        key: key.as_str().to_owned(),
        payload: serde_json::to_value(chargeback)
            .map_err(|e| StepError::permanent(format!("chargeback input: {e}")))?,
        run_at: 0,
        rerun: true,
        event: None,
    })
}

/// `paytrace/{account}/dispute/{case id}`.
fn chargeback_key(account: &str, chargeback: &Chargeback) -> Result<EntityKey, StepError> {
    for (value, field) in [
        (account, "paytrace_account"),
        (&chargeback.case_id, "case_id"),
    ] {
        if value.trim().is_empty() {
            return Err(MappingError::MissingField {
                field: field.to_owned(),
            }
            .into());
        }
    }
    Ok(EntityKey::new(System::Paytrace, account.trim())
        .child(Entity::Dispute, chargeback.case_id.trim()))
}

/// A PayTrace chargeback ([`Chargeback`]: a row of the merchant's chargeback report, or
/// `payops chargeback record`); one job per case, keyed `paytrace/{account}/dispute/{case id}`.
///
/// PayTrace has no chargeback API and sends no webhook (see [`mapping::paytrace`]'s chargeback
/// docs), so nothing else starts it.
///
/// # Steps
///
/// 1. `erp/payment`: the disputed payment in the ERP: the PayTrace payment entry of the
///    record's transaction ([`erp::Erp::payment_entries`], from 540 days before the chargeback,
///    the card networks' longest window, to the day after it). A transaction the ERP does not
///    know goes to dead letters, naming it (nothing is guessed: the payment may be someone
///    else's, or not booked yet; book it, then replay). Its invoice names the Shopify order
///    ([`mapping::erp::order_id_of_invoice_ref`]); an invoice of another store is booked but not
///    told to any store.
/// 2. A person is told once ([`Notice::dispute_opened`], keyed `{entity}/notice/opened`).
/// 3. `erp/opened`: the dispute's `Opened` record ([`mapping::erp::to_erp_dispute_at`], dated
///    the chargeback's date, with the fee): disputed funds (1300) debited with the amount,
///    chargebacks (6200) with the fee, PayTrace's clearing account credited with both.
/// 4. `shopify/opened`: the order tagged [`CHARGEBACK_TAG`] and a line added to its note.
/// 5. For a won or lost chargeback (even one first seen so: its `Opened` comes first), `erp/won`
///    (clearing debited, disputed funds credited: the amount is back; the fee is not, as nothing
///    says PayTrace's processor returns it) or `erp/lost` (chargebacks debited, disputed funds
///    credited: the amount is written off), dated `resolved_on` (else the chargeback's date),
///    then `shopify/won` or `shopify/lost`: tag [`CHARGEBACK_WON_TAG`] or
///    [`CHARGEBACK_LOST_TAG`] and a note line. A case recorded won and then reported lost (or
///    the reverse) goes to dead letters for a person.
///
/// Every step is recorded under the case, so a second import of the same report, or the same
/// command run again, books and tells nothing more; a later report with the case won books the
/// win only.
///
/// # The fee, once
///
/// The fee is booked on the `Opened` record, in chargebacks (6200). The chargeback's settlement
/// lines ([`mapping::paytrace::chargeback_batches`]) carry it as an adjustment of the clearing
/// account, never as a line fee, which the PayTrace settlement journal would book to gateway
/// fees a second time ([`mapping::erp::SettlementFees::InSettlement`]).
#[derive(Clone)]
pub struct ChargebackFlow(pub(super) Arc<Shared>);

impl std::fmt::Debug for ChargebackFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargebackFlow").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for ChargebackFlow {
    type Input = Chargeback;
    const KIND: JobKind = JobKind::new("paytrace.chargeback");
    const SYSTEMS: &'static [System] = &[System::Erp, System::Shopify];

    fn entity(&self, input: &Chargeback) -> Result<EntityKey, StepError> {
        chargeback_key(&self.0.config.paytrace_account, input)
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: Chargeback) -> Result<(), StepError> {
        let shared = &*self.0;
        let dispute = input.dispute()?;
        let fee = input.fee_money()?;
        let closing = match input.stage {
            ChargebackStage::Opened => None,
            ChargebackStage::Won => Some((DisputeStage::Won, &ERP_WON, &ERP_LOST)),
            ChargebackStage::Lost => Some((DisputeStage::Lost, &ERP_LOST, &ERP_WON)),
        };
        if let Some((_, _, other)) = closing
            && ctx.recorded(other)?.is_some()
        {
            return Err(StepError::permanent(format!(
                "chargeback {}: `stage` {} but the ERP has it {} already: a person must decide",
                input.case_id,
                input.stage,
                if other.name() == ERP_WON.name() {
                    "won"
                } else {
                    "lost"
                }
            )));
        }
        let disputed = ctx.once(&PAYMENT, || find_payment(shared, &input)).await?;
        ctx.notify(
            Notice::dispute_opened(ctx.entity(), dispute.amount, reason(&input), None)
                .fact("transaction", &input.transaction_id)
                .fact(
                    "order",
                    disputed
                        .order_id
                        .map_or_else(|| disputed.invoice_ref.clone(), |id| id.to_string()),
                ),
        );
        let amount = dispute.amount;
        let book = |step: &'static Step<erp::Recorded>, stage: DisputeStage, date: Date| {
            let dispute = &dispute;
            ctx.once(step, move || async move {
                let mut record =
                    mapping::erp::to_erp_dispute_at(dispute, stage, &shared.erp_ctx_on(date))?;
                if stage == DisputeStage::Opened {
                    record.fee = fee.map(erp::Money::from);
                }
                Ok(shared.erp.record_dispute(&record).await?)
            })
        };
        book(&ERP_OPENED, DisputeStage::Opened, input.date).await?;
        if let Some(order_id) = disputed.order_id {
            let fact = screening::OutcomeFact {
                order: shared.order_key(order_id),
                learned: screening::chargeback_reason(&input.reason),
                at: input.date.midnight().assume_utc(),
                reason: Some(input.reason.clone()).filter(|r| !r.trim().is_empty()),
            };
            screening::learn(ctx, System::Paytrace, &fact)?;
        }
        let order = disputed.order_id.map(|id| Gid::new("Order", id));
        if let Some(order) = &order {
            let line = format!(
                "Chargeback {} opened {}: {amount} withdrawn by PayTrace (transaction {}), \
                 reason: {}.",
                input.case_id,
                input.date,
                input.transaction_id,
                reason(&input)
            );
            tag_and_note_line(shared, ctx, &STORE_OPENED, order, CHARGEBACK_TAG, &line).await?;
        } else {
            tracing::warn!(
                case = %input.case_id,
                invoice = %disputed.invoice_ref,
                "chargeback of a payment of no order of this shop: booked, no store told"
            );
        }
        if let Some((stage, step, _)) = closing {
            let on = input.resolved_on.unwrap_or(input.date);
            book(step, stage, on).await?;
            if let Some(order) = &order {
                let (store_step, tag, what) = match stage {
                    DisputeStage::Won => (&STORE_WON, CHARGEBACK_WON_TAG, "reinstated"),
                    _ => (&STORE_LOST, CHARGEBACK_LOST_TAG, "written off"),
                };
                let line = format!(
                    "Chargeback {} {} {on}: {amount} {what}.",
                    input.case_id, input.stage
                );
                tag_and_note_line(shared, ctx, store_step, order, tag, &line).await?;
            }
        }
        Ok(())
    }
}

/// The reason as told to people.
fn reason(chargeback: &Chargeback) -> &str {
    match chargeback.reason.trim() {
        "" => "not given",
        reason => reason,
    }
}

/// Step 1 of [`ChargebackFlow`].
async fn find_payment(shared: &Shared, input: &Chargeback) -> Result<Disputed, StepError> {
    let ctx = shared.erp_ctx_on(input.date);
    let transaction = input.transaction_id.trim();
    let payment_ref = mapping::erp::payment_ref(System::Paytrace, transaction, &ctx)?;
    let gateway = erp::Gateway::try_from(System::Paytrace)?;
    let from = input
        .date
        .saturating_sub(Duration::days(PAYMENT_LOOKBACK_DAYS));
    let to = input.date.saturating_add(Duration::days(1));
    let entries = shared.erp.payment_entries(&gateway, from, to).await?;
    let entry = entries
        .iter()
        .find(|e| e.direction == PaymentDirection::Received && e.transaction_id == transaction)
        .ok_or_else(|| {
            StepError::permanent(format!(
                "chargeback {}: `transaction_id` {transaction}: the ERP has no PayTrace payment \
                 of this transaction ({payment_ref}) from {from} to {to}; book the payment (or \
                 correct the chargeback), then replay",
                input.case_id
            ))
        })?;
    let order_id = mapping::erp::order_id_of_invoice_ref(&entry.invoice_ref, &ctx)
        .and_then(|id| id.parse().ok());
    Ok(Disputed {
        payment_ref,
        invoice_ref: entry.invoice_ref.clone(),
        order_id,
    })
}

/// Tells a person about `order` in Shopify once (`step`): `tag` added, and `line` added to the
/// order's note (kept as it is otherwise; a line already there is not added again).
async fn tag_and_note_line(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    step: &Step<()>,
    order: &Gid,
    tag: &str,
    line: &str,
) -> Result<(), StepError> {
    ctx.once(step, || async {
        let current = shared.shopify.orders().get(order).await?.ok_or_else(|| {
            StepError::permanent(format!("order {order} is not in the shop: cannot tag it"))
        })?;
        shared.shopify.tags().add(order, &[tag]).await?;
        let note = current.note.unwrap_or_default();
        if !note.lines().any(|l| l == line) {
            let note = if note.trim().is_empty() {
                line.to_owned()
            } else {
                format!("{note}\n{line}")
            };
            shared.shopify.orders().update_note(order, &note).await?;
        }
        Ok(())
    })
    .await
}

/// The input of [`ShopifyDispute`]: the `disputes/create` or `disputes/update` delivery, and the
/// dispute's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeEvent {
    /// The delivery in the inbox.
    pub event: EventRef,
    /// The dispute's REST id.
    pub dispute_id: u64,
}

/// A Shopify Payments dispute (`disputes/create`, `disputes/update`); one job per dispute, keyed
/// `shopify/{shop}/dispute/{id}`, run once more for each delivery (the newest body).
///
/// Shopify Payments disputes are about orders the store took through Shopify Payments, whose
/// money Shopify holds and pays out: it is not in this pair's ledger (only PayTrace's is), so
/// **no ERP entry is made**. The store and a person are told:
///
/// - a person once per dispute ([`Notice::dispute_opened`], keyed `{entity}/notice/opened`,
///   with the evidence deadline);
/// - the disputed order once per status: `needs_response` (chargebacks and inquiries) as
///   `shopify/opened`, `under_review` as `shopify/under-review`, both tagged [`CHARGEBACK_TAG`];
///   `won` (and a closed inquiry) as `shopify/won`, tagged [`CHARGEBACK_WON_TAG`]; `lost` and
///   `accepted` as `shopify/lost`, tagged [`CHARGEBACK_LOST_TAG`]; each with a line added to the
///   order's note. A late delivery of an open status after the dispute closed adds nothing.
///   Other statuses (`charge_refunded`, unknown ones) are logged and tell nothing.
///
/// A body without `id` or `order_id`, or one that does not decode, goes to dead letters naming
/// the field.
#[derive(Clone)]
pub struct ShopifyDispute(pub(super) Arc<Shared>);

impl std::fmt::Debug for ShopifyDispute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyDispute").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for ShopifyDispute {
    type Input = DisputeEvent;
    const KIND: JobKind = JobKind::new("shopify.dispute");
    const SYSTEMS: &'static [System] = &[System::Shopify];

    fn entity(&self, input: &DisputeEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.shop().child(Entity::Dispute, input.dispute_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: DisputeEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        let body = ctx.event_body(&input.event).await?;
        let rest: shopify::rest::Dispute = decode(&body, "dispute")?;
        let dispute = mapping::Dispute::try_from(&rest)?;
        let order_id = rest.order_id.ok_or_else(|| MappingError::MissingField {
            field: "dispute.order_id".to_owned(),
        })?;
        let fact = screening::OutcomeFact {
            order: shared.order_key(order_id),
            learned: screening::dispute_reason(dispute.reason.as_deref()),
            at: rest.initiated_at.unwrap_or_else(OffsetDateTime::now_utc),
            reason: dispute.reason.clone(),
        };
        screening::learn(ctx, System::Shopify, &fact)?;
        let reason = dispute.reason.as_deref().unwrap_or("not given");
        let due = dispute.evidence_due_by.map(|at| at.date().to_string());
        ctx.notify(
            Notice::dispute_opened(ctx.entity(), dispute.amount, reason, due.as_deref())
                .fact("order", order_id)
                .fact("gateway", "Shopify Payments"),
        );
        let (step, tag, word) = match &dispute.status {
            DisputeStatus::NeedsResponse | DisputeStatus::InquiryNeedsResponse => {
                (&STORE_OPENED, CHARGEBACK_TAG, "opened")
            }
            DisputeStatus::UnderReview | DisputeStatus::InquiryUnderReview => {
                (&STORE_UNDER_REVIEW, CHARGEBACK_TAG, "under review")
            }
            DisputeStatus::Won | DisputeStatus::InquiryClosed => {
                (&STORE_WON, CHARGEBACK_WON_TAG, "won")
            }
            DisputeStatus::Lost | DisputeStatus::Accepted => {
                (&STORE_LOST, CHARGEBACK_LOST_TAG, "lost")
            }
            other => {
                tracing::info!(dispute = rest.id, status = %other, "dispute status not told");
                return Ok(());
            }
        };
        let open = step.name() == STORE_OPENED.name() || step.name() == STORE_UNDER_REVIEW.name();
        if open && (ctx.recorded(&STORE_WON)?.is_some() || ctx.recorded(&STORE_LOST)?.is_some()) {
            return Ok(());
        }
        let line = format!(
            "Shopify Payments {} {} {word}: {}, reason: {reason}{}.",
            rest.kind.as_str(),
            rest.id,
            dispute.amount,
            due.map(|d| format!(", evidence due by {d}"))
                .filter(|_| open)
                .unwrap_or_default()
        );
        let order = Gid::new("Order", order_id);
        tag_and_note_line(shared, ctx, step, &order, tag, &line).await
    }
}

/// The [`ShopifyDispute`] job of a `disputes/create` or `disputes/update` delivery, run once more
/// with this delivery's body.
pub(super) fn dispute_job(flow: &ShopifyDispute, d: &Delivery<'_>) -> Result<NewJob, StepError> {
    let ids: super::Ids = decode(d.body, d.topic)?;
    let input = DisputeEvent {
        event: d.event(),
        dispute_id: super::required(ids.id, "id")?,
    };
    Ok(NewJob {
        rerun: true,
        ..job(flow, &input)?
    })
}
