//! `stripe.dispute`: a dispute of a Magento order's charge, from its opening to its close, and
//! `stripe.dispute-deadline`, the reminder before its evidence is due. See
//! [Disputes](super#disputes).

use std::sync::Arc;

use async_trait::async_trait;
use mapping::erp::to_erp_dispute_at;
use mapping::stripe::{
    EvidenceFacts, FundsMoved, ShipmentFacts, dispute_funds, to_dispute_evidence,
};
use mapping::{Money, System};
use serde::{Deserialize, Serialize};
use stripe_client::{DisputeStatus, UpdateDispute};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Shared, canonical};
use crate::StepError;
use crate::intake::Delivery;
use crate::notify::Notice;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, Step, StepCtx, job};
use crate::workflows::screening;

/// The ERP record of the funds Stripe withdrew.
const WITHDRAWN: Step<erp::Recorded> = Step::new("erp/withdrawn", System::Erp);
/// The ERP record of the funds Stripe gave back (a win).
const REINSTATED: Step<erp::Recorded> = Step::new("erp/reinstated", System::Erp);
/// The ERP write-off of a lost dispute.
const LOST: Step<erp::Recorded> = Step::new("erp/lost", System::Erp);
/// The evidence sent to Stripe: staged or submitted.
const EVIDENCE: Step<EvidenceSent> = Step::new("evidence", System::Stripe);
/// The reminder job, scheduled once.
const REMINDER: Step<i64> = Step::new("reminder", System::Stripe);

/// The order comment of each point of a dispute's life, once each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    Opened,
    Won,
    Lost,
    Closed,
}

impl Told {
    const fn step(self) -> Step<bool> {
        match self {
            Self::Opened => Step::new("magento/opened", System::Magento),
            Self::Won => Step::new("magento/won", System::Magento),
            Self::Lost => Step::new("magento/lost", System::Magento),
            Self::Closed => Step::new("magento/closed", System::Magento),
        }
    }
}

/// What the evidence step did.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EvidenceSent {
    /// Submitted to the card network (`submit=true`), or staged for a person.
    submitted: bool,
}

/// The input of [`DisputeChanged`]: a Stripe dispute event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeEvent {
    /// The event in the inbox.
    pub event: EventRef,
    /// The dispute (`dp_...`).
    pub dispute_id: String,
}

/// A dispute's flow (see [Disputes](super#disputes)): every `charge.dispute.*` event runs it
/// once more, and it does what the dispute's state at Stripe calls for that was not done yet.
#[derive(Clone)]
pub struct DisputeChanged(pub(super) Arc<Shared>);

impl std::fmt::Debug for DisputeChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisputeChanged").finish_non_exhaustive()
    }
}

/// The dispute events routed to [`DisputeChanged`].
pub const DISPUTE_TOPICS: [&str; 5] = [
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
];

impl Shared {
    /// A dispute's key: `stripe/{account}/dispute/{dispute id}`.
    fn dispute_key(&self, dispute_id: &str) -> EntityKey {
        EntityKey::new(System::Stripe, &self.config.stripe_account)
            .child(Entity::Dispute, dispute_id)
    }
}

#[async_trait]
impl Flow for DisputeChanged {
    type Input = DisputeEvent;
    const KIND: JobKind = JobKind::new("stripe.dispute");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Magento, System::Erp];

    fn entity(&self, input: &DisputeEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.dispute_key(&input.dispute_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: DisputeEvent) -> Result<(), StepError> {
        let shared = &*self.0;
        // Events may arrive in any order: the dispute as Stripe has it now decides.
        let dispute = shared.stripe.disputes().retrieve(&input.dispute_id).await?;
        // The withdrawal is booked against the charge's payment, which its own job books.
        let Some((_, order_id)) = shared
            .booked_charge(ctx, dispute.charge.id(), &dispute.id)
            .await?
        else {
            return Ok(());
        };
        let fact = screening::OutcomeFact {
            order: shared.order_key(order_id),
            learned: screening::dispute_reason(Some(dispute.reason.as_str())),
            at: dispute.created,
            reason: Some(dispute.reason.as_str().to_owned()),
        };
        screening::learn(ctx, System::Stripe, &fact)?;
        let canonical_dispute = mapping::Dispute::try_from(&dispute)?;
        let funds = dispute_funds(&dispute)?;
        let due_by = dispute.evidence_details.as_ref().and_then(|d| d.due_by);
        let submissions = dispute
            .evidence_details
            .as_ref()
            .map_or(0, |d| d.submission_count);
        tracing::info!(
            dispute = %dispute.id,
            order = order_id,
            status = %dispute.status.as_str(),
            reason = %dispute.reason.as_str(),
            amount = %canonical_dispute.amount,
            fee = %funds.withdrawn.as_ref().map(|w| w.fee.to_string()).unwrap_or_default(),
            due_by = %due_by.map(rfc3339).unwrap_or_default(),
            "stripe dispute"
        );

        let order = shared.magento.orders().get(order_id).await?;
        let facts = Facts {
            shared,
            order_id,
            order: &order,
            dispute: &canonical_dispute,
            due_by,
        };

        // The ERP: what the dispute moved, each once, in the order it happened.
        if let Some(withdrawn) = &funds.withdrawn {
            book(
                ctx,
                shared,
                &canonical_dispute,
                erp::DisputeStage::Opened,
                &WITHDRAWN,
                withdrawn,
            )
            .await?;
        }
        if let Some(reinstated) = &funds.reinstated {
            book(
                ctx,
                shared,
                &canonical_dispute,
                erp::DisputeStage::Won,
                &REINSTATED,
                reinstated,
            )
            .await?;
        }
        if dispute.status == DisputeStatus::Lost {
            if let Some(withdrawn) = &funds.withdrawn {
                // The held amount written off; the fee stays where the withdrawal put it.
                let lost = FundsMoved {
                    fee: Money::zero(withdrawn.fee.currency()),
                    at: OffsetDateTime::now_utc(),
                    ..withdrawn.clone()
                };
                book(
                    ctx,
                    shared,
                    &canonical_dispute,
                    erp::DisputeStage::Lost,
                    &LOST,
                    &lost,
                )
                .await?;
            }
        }

        // The store and the people: told once per point of the dispute's life.
        tell(ctx, &facts, Told::Opened).await?;
        let open = matches!(
            dispute.status,
            DisputeStatus::NeedsResponse | DisputeStatus::WarningNeedsResponse
        );
        if open && submissions == 0 {
            let sent = evidence(ctx, &facts, &dispute.id).await?;
            notify_opened(ctx, &facts, &sent);
            if !sent.submitted {
                remind(ctx, &self.0, &dispute.id, &facts)?;
            }
        } else {
            notify_opened(
                ctx,
                &facts,
                &EvidenceSent {
                    submitted: submissions > 0,
                },
            );
        }
        match dispute.status {
            DisputeStatus::Won => tell(ctx, &facts, Told::Won).await?,
            DisputeStatus::Lost => tell(ctx, &facts, Told::Lost).await?,
            DisputeStatus::WarningClosed => tell(ctx, &facts, Told::Closed).await?,
            _ => {}
        }
        Ok(())
    }
}

/// What the comments and notices of a dispute say.
struct Facts<'a> {
    shared: &'a Shared,
    order_id: i64,
    order: &'a magento::Order,
    dispute: &'a mapping::Dispute,
    due_by: Option<OffsetDateTime>,
}

impl Facts<'_> {
    fn number(&self) -> String {
        self.order
            .increment_id
            .clone()
            .unwrap_or_else(|| self.order_id.to_string())
    }

    fn reason(&self) -> &str {
        self.dispute.reason.as_deref().unwrap_or("unknown")
    }

    fn due_by(&self) -> Option<String> {
        self.due_by.map(rfc3339)
    }
}

/// Books a stage of the dispute in the ERP once, with the money Stripe moved.
async fn book(
    ctx: &StepCtx<'_>,
    shared: &Shared,
    dispute: &mapping::Dispute,
    stage: erp::DisputeStage,
    step: &Step<erp::Recorded>,
    moved: &FundsMoved,
) -> Result<(), StepError> {
    ctx.once(step, || async {
        let erp_ctx = shared.erp_ctx(moved.at.to_offset(time::UtcOffset::UTC).date());
        let mut record = to_erp_dispute_at(dispute, stage, &erp_ctx)?;
        record.amount = moved.amount.into();
        // The Stripe pair books fees with their payments (`SettlementFees::OnPayments`), so the
        // payout's journal leaves the dispute fee to this record.
        record.fee = (!moved.fee.is_zero()).then(|| moved.fee.into());
        Ok(shared.erp.record_dispute(&record).await?)
    })
    .await?;
    Ok(())
}

/// The order's comment of `told` (with the dispute status, when configured, while the dispute
/// is open), once. The order read in this run says whether an earlier run's comment got through
/// before its record was written.
async fn tell(ctx: &StepCtx<'_>, facts: &Facts<'_>, told: Told) -> Result<(), StepError> {
    let step = told.step();
    ctx.once(&step, || async {
        let text = comment(facts, told);
        let present = facts
            .order
            .status_histories
            .iter()
            .any(|c| c.comment.as_deref() == Some(text.as_str()));
        if present {
            return Ok(false);
        }
        let orders = facts.shared.magento.orders();
        let status = facts.shared.config.disputes.status.clone();
        match (status, &facts.order.state) {
            (Some(status), Some(state)) if told == Told::Opened => {
                // The comment-and-status call (named for failed payments, it records any status)
                // writes the status on Magento 2.4.7+, where a comment alone no longer does; the
                // order keeps its state.
                orders
                    .record_payment_failure(
                        facts.order_id,
                        &magento::PaymentFailure {
                            status,
                            state: state.clone(),
                            comment: text,
                            notify_customer: false,
                        },
                    )
                    .await?;
            }
            _ => {
                orders
                    .add_comment(
                        facts.order_id,
                        &magento::NewOrderComment {
                            comment: text,
                            ..magento::NewOrderComment::default()
                        },
                    )
                    .await?;
            }
        }
        Ok(true)
    })
    .await?;
    Ok(())
}

/// The text of an order comment.
fn comment(facts: &Facts<'_>, told: Told) -> String {
    let id = facts.dispute.ids.get(System::Stripe).unwrap_or_default();
    let amount = facts.dispute.amount;
    match told {
        Told::Opened => {
            let due = facts
                .due_by()
                .map(|by| format!(" Evidence is due by {by}."))
                .unwrap_or_default();
            format!(
                "Stripe dispute {id} opened: {amount}, reason {}.{due}",
                facts.reason()
            )
        }
        Told::Won => format!("Stripe dispute {id} won: {amount} returned."),
        Told::Lost => format!("Stripe dispute {id} lost: {amount} written off as a chargeback."),
        Told::Closed => format!("Stripe inquiry {id} closed without a chargeback."),
    }
}

/// Assembles the evidence and sends it, once: submitted when configured, staged otherwise.
async fn evidence(
    ctx: &StepCtx<'_>,
    facts: &Facts<'_>,
    dispute_id: &str,
) -> Result<EvidenceSent, StepError> {
    let shared = facts.shared;
    ctx.once(&EVIDENCE, || async {
        let order = canonical(facts.order)?;
        let shipments = shipments(shared, facts.order_id).await?;
        let config = &shared.config.disputes;
        let evidence = to_dispute_evidence(&EvidenceFacts {
            order: &order,
            ordered_on: facts.order.created_at.map(|at| at.date()),
            customer_ip: facts.order.remote_ip.as_deref(),
            shipments: &shipments,
            refund_policy: config.refund_policy.as_deref(),
        });
        let submit = config.submit_evidence;
        shared
            .stripe
            .disputes()
            .update(
                dispute_id,
                &UpdateDispute {
                    evidence: Some(evidence),
                    submit: Some(submit),
                    ..UpdateDispute::default()
                },
            )
            .await?;
        Ok(EvidenceSent { submitted: submit })
    })
    .await
}

/// The order's shipments as evidence facts, first first: each tracking number with its
/// carrier and the shipment's date.
async fn shipments(shared: &Shared, order_id: i64) -> Result<Vec<ShipmentFacts>, StepError> {
    let criteria = magento::SearchCriteria::new()
        .filter(magento::Filter::eq("order_id", order_id.to_string()))
        .sort("created_at", magento::Direction::Asc);
    let page = shared.magento.shipments().search(&criteria).await?;
    let mut facts = Vec::new();
    for shipment in &page.items {
        for track in &shipment.tracks {
            let Some(number) = track.track_number.clone().filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            facts.push(ShipmentFacts {
                carrier: track.title.clone().or_else(|| track.carrier_code.clone()),
                tracking_number: number,
                shipped_on: track.created_at.or(shipment.created_at).map(|at| at.date()),
            });
        }
    }
    Ok(facts)
}

/// Tells a person of the dispute, once.
fn notify_opened(ctx: &StepCtx<'_>, facts: &Facts<'_>, sent: &EvidenceSent) {
    let due_by = facts.due_by();
    let evidence = if sent.submitted {
        "submitted"
    } else {
        "staged in Stripe for review: submit it before the deadline"
    };
    ctx.notify(
        Notice::dispute_opened(
            ctx.entity(),
            facts.dispute.amount,
            facts.reason(),
            due_by.as_deref(),
        )
        .fact("order", facts.number())
        .fact("evidence", evidence),
    );
}

/// Schedules the reminder before the deadline, once; within the reminder's lead time already,
/// the reminder is sent now.
fn remind(
    ctx: &StepCtx<'_>,
    shared: &Arc<Shared>,
    dispute_id: &str,
    facts: &Facts<'_>,
) -> Result<(), StepError> {
    let Some(due_by) = facts.due_by else {
        return Ok(());
    };
    if ctx.recorded(&REMINDER)?.is_some() {
        return Ok(());
    }
    let lead = time::Duration::try_from(shared.config.disputes.reminder_lead()).map_err(|_| {
        StepError::permanent(format!(
            "evidence reminder {:?} is out of range",
            shared.config.disputes.reminder_lead()
        ))
    })?;
    let at = due_by.saturating_sub(lead);
    let millis = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    ctx.enqueue(NewJob {
        run_at: millis,
        ..job(
            &DisputeDeadline(Arc::clone(shared)),
            &DisputeDue {
                dispute_id: dispute_id.to_owned(),
            },
        )?
    });
    ctx.record(ctx.entity(), &REMINDER, &millis)
}

/// The input of [`DisputeDeadline`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeDue {
    /// The dispute (`dp_...`).
    pub dispute_id: String,
}

/// `stripe.dispute-deadline`: scheduled a few days before a dispute's evidence is due (see
/// [`super::DisputeCtx::reminder`]); tells a person when no evidence was submitted by then.
#[derive(Clone)]
pub struct DisputeDeadline(pub(super) Arc<Shared>);

impl std::fmt::Debug for DisputeDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisputeDeadline").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for DisputeDeadline {
    type Input = DisputeDue;
    const KIND: JobKind = JobKind::new("stripe.dispute-deadline");
    const SYSTEMS: &'static [System] = &[System::Stripe];

    fn entity(&self, input: &DisputeDue) -> Result<EntityKey, StepError> {
        Ok(self.0.dispute_key(&input.dispute_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: DisputeDue) -> Result<(), StepError> {
        let dispute = self.0.stripe.disputes().retrieve(&input.dispute_id).await?;
        let open = matches!(
            dispute.status,
            DisputeStatus::NeedsResponse | DisputeStatus::WarningNeedsResponse
        );
        let details = dispute.evidence_details.as_ref();
        if !open || details.is_some_and(|d| d.submission_count > 0) {
            return Ok(());
        }
        let amount = mapping::Dispute::try_from(&dispute)?.amount;
        let due_by = details
            .and_then(|d| d.due_by)
            .map(rfc3339)
            .unwrap_or_else(|| "the deadline".to_owned());
        ctx.notify(Notice::dispute_evidence_due(ctx.entity(), amount, &due_by));
        Ok(())
    }
}

/// The job a dispute event gets: the dispute's job, run once more.
pub(super) fn dispute_job(
    flow: &DisputeChanged,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    let input = DisputeEvent {
        event: delivery.event(),
        dispute_id: super::object_id(delivery)?,
    };
    Ok(NewJob {
        rerun: true,
        ..job(flow, &input)?
    })
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}
