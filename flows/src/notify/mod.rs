//! Notifications to people: a dead letter, a declined payment, a circuit breaker opening and
//! closing, a backfill watchdog alarm, a reconciliation with discrepancies, a dispute opened.
//!
//! A [`Notice`] is sent by a [`Notifier`]: [`WebhookNotifier`] (a signed JSON `POST` whose body
//! a Slack incoming webhook takes as it is) or [`EmailNotifier`] (SMTP, with `lettre`). Give the
//! worker a [`Notices`] ([`crate::Worker::notify`]) and each notice becomes a job of its own
//! (`payops.notify`, keyed by the notice's key):
//! - **once per key**: the notice's job is unique on its key, so a flow that runs again (a retry,
//!   a replay of the order's job, a duplicate webhook) adds nothing; the key goes out as the
//!   webhook's `Idempotency-Key` and the e-mail's `Message-ID`, so a notice sent again after a
//!   crash between the send and its record is one message to a receiver that de-duplicates;
//! - **retried** as any job is (backoff, `Retry-After`), and dead-lettered when the notifier
//!   refuses it (without a notice of its own: a notifier that fails cannot tell about itself);
//! - **never blocking the money path**: a flow only enqueues the notice with its own outcome (in
//!   the same transaction), and the notifier is called by the notice's job, later.
//!
//! Without [`crate::Worker::notify`], nothing is enqueued.
//!
//! | event | [`NoticeKind`] | produced by | key |
//! |---|---|---|---|
//! | a job goes to dead letters | `dead_letter` | the worker, with the dead letter (not for `payops.notify` jobs) | `{job key}/notice/dead-letter/{claim token}` |
//! | a payment is declined | `payment_declined` | the pairs' order payment flows | `{order key}/notice/declined` |
//! | a circuit breaker opens or closes | `breaker_opened`, `breaker_closed` | the worker | `breaker/{system}/{opened or closed}/{worker id}/{unix ms}` |
//! | a poller finds events whose webhooks never came | `backfill_alarm` | [`crate::backfill::Backfill`], on the first poll of a run of polls with misses | `{poller key}/notice/alarm/{unix ms}` |
//! | a reconciliation has discrepancies | `discrepancies` | the settlement flows | `{payout or day key}/notice/discrepancies` |
//! | a dispute is opened | `dispute_opened` | the disputes flows (Shopify + PayTrace: `paytrace.chargeback`, `shopify.dispute`), once per dispute | `{dispute key}/notice/opened` |
//!
//! No notice holds a secret or card data: they carry what a log line of the same event carries,
//! and card numbers and codes are masked out of their text before they are sent
//! ([`payops_core::card`]), for a reason that quotes a careless provider message.

mod email;
mod error;
mod webhook;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mapping::System;
use serde::{Deserialize, Serialize};

pub use email::{EmailNotifier, SmtpSecurity};
pub use error::NotifyError;
pub use webhook::WebhookNotifier;

use crate::StepError;
use crate::store::NewJob;
use crate::workflow::{EntityKey, Flow, JobKind, StepCtx};

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoticeKind {
    /// A job went to dead letters: a person must look.
    DeadLetter,
    /// A customer's payment was declined.
    PaymentDeclined,
    /// A provider's circuit breaker opened: its calls fail.
    BreakerOpened,
    /// It closed again.
    BreakerClosed,
    /// A backfill poller found events whose webhooks never came.
    BackfillAlarm,
    /// A settlement reconciliation left discrepancies.
    Discrepancies,
    /// A customer disputed a payment.
    DisputeOpened,
    /// A dispute's evidence is due soon and none was submitted.
    DisputeEvidenceDue,
    /// A card issuer reported a payment as fraud (Stripe Radar's early fraud warning).
    EarlyFraudWarning,
    /// A customer of one system could not be linked to its counterpart in another (no match,
    /// several, or two claiming one): a person links them.
    CustomerUnlinked,
    /// A subscription's renewal payment failed; Stripe retries it at the date given.
    RenewalFailed,
    /// The fraud screen held an order for review or refused it
    /// ([`crate::workflows::screening`]).
    FraudScreen,
    /// An order held for fraud review is still undecided and its card authorization lapses
    /// soon (Magento + Stripe's `HeldReminder`).
    HeldAuthorizationLapsing,
}

impl NoticeKind {
    /// The name in payloads and subjects (`dead_letter`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DeadLetter => "dead_letter",
            Self::PaymentDeclined => "payment_declined",
            Self::BreakerOpened => "breaker_opened",
            Self::BreakerClosed => "breaker_closed",
            Self::BackfillAlarm => "backfill_alarm",
            Self::Discrepancies => "discrepancies",
            Self::DisputeOpened => "dispute_opened",
            Self::DisputeEvidenceDue => "dispute_evidence_due",
            Self::EarlyFraudWarning => "early_fraud_warning",
            Self::CustomerUnlinked => "customer_unlinked",
            Self::RenewalFailed => "renewal_failed",
            Self::FraudScreen => "fraud_screen",
            Self::HeldAuthorizationLapsing => "held_authorization_lapsing",
        }
    }
}

impl fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One fact of a notice (`order`: `#1001`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// What it is.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A notification for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notice {
    /// What it is about.
    pub kind: NoticeKind,
    /// Unique to the event told: the notice job's key, the webhook's `Idempotency-Key` and the
    /// e-mail's `Message-ID`.
    pub key: String,
    /// One line (an e-mail's subject).
    pub title: String,
    /// What happened and what to do, in plain text.
    pub text: String,
    /// The facts, in order.
    pub facts: Vec<Fact>,
    /// Where to look (the operations console), when known.
    pub link: Option<String>,
    /// The dead job, for a [`NoticeKind::DeadLetter`] notice: the console link is found from it.
    pub job_id: Option<i64>,
    /// When it happened (Unix milliseconds).
    pub at: crate::Millis,
}

impl Notice {
    /// A notice of `kind` keyed `key`, titled `title`, dated now.
    pub fn new(kind: NoticeKind, key: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            kind,
            key: key.into(),
            title: title.into(),
            text: String::new(),
            facts: Vec::new(),
            link: None,
            job_id: None,
            at: crate::now_millis(),
        }
    }

    /// Sets the text.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// Adds a fact.
    #[must_use]
    pub fn fact(mut self, name: impl Into<String>, value: impl fmt::Display) -> Self {
        self.facts.push(Fact {
            name: name.into(),
            value: value.to_string(),
        });
        self
    }

    /// Sets the link.
    #[must_use]
    pub fn link(mut self, link: impl Into<String>) -> Self {
        self.link = Some(link.into());
        self
    }

    /// The notice of a declined payment of the order keyed `order` (`{order}/notice/declined`);
    /// a flow that pays an order again after a decline passes the attempt's key, so each
    /// declined attempt has its own notice.
    pub fn payment_declined(
        order: &EntityKey,
        number: &str,
        amount: impl fmt::Display,
        reason: &str,
    ) -> Self {
        Self::new(
            NoticeKind::PaymentDeclined,
            format!("{order}/notice/declined"),
            format!("Payment declined for order {number}"),
        )
        .text(format!(
            "The payment of order {number} ({amount}) was declined: {reason}. The order is \
             marked as such in the store; the customer may pay another way."
        ))
        .fact("order", number)
        .fact("amount", amount)
        .fact("reason", reason)
    }

    /// The notice of a dispute opened against a payment, keyed `{dispute}/notice/opened`.
    pub fn dispute_opened(
        dispute: &EntityKey,
        amount: impl fmt::Display,
        reason: &str,
        respond_by: Option<&str>,
    ) -> Self {
        let mut notice = Self::new(
            NoticeKind::DisputeOpened,
            format!("{dispute}/notice/opened"),
            format!("Dispute opened: {amount}"),
        )
        .text(format!(
            "A customer disputed a payment of {amount} ({reason}). Gather the evidence before \
             the deadline."
        ))
        .fact("dispute", dispute)
        .fact("amount", amount)
        .fact("reason", reason);
        if let Some(by) = respond_by {
            notice = notice.fact("respond by", by);
        }
        notice
    }

    /// The notice that dispute `dispute`'s evidence is due by `due_by` and none was submitted,
    /// keyed `{dispute}/notice/evidence-due`.
    pub fn dispute_evidence_due(
        dispute: &EntityKey,
        amount: impl fmt::Display,
        due_by: &str,
    ) -> Self {
        Self::new(
            NoticeKind::DisputeEvidenceDue,
            format!("{dispute}/notice/evidence-due"),
            format!("Dispute evidence due by {due_by}"),
        )
        .text(format!(
            "No evidence has been submitted for the dispute of {amount}. Review the evidence \
             staged in Stripe and submit it before {due_by}, or the dispute is lost."
        ))
        .fact("dispute", dispute)
        .fact("amount", amount)
        .fact("respond by", due_by)
    }

    /// The job that sends it.
    pub(crate) fn job(&self) -> Result<NewJob, StepError> {
        let payload = serde_json::to_value(self)
            .map_err(|e| StepError::permanent(format!("notice {}: {e}", self.key)))?;
        Ok(NewJob {
            kind: NotifyFlow::KIND,
            key: self.key.clone(),
            payload,
            run_at: 0,
            rerun: false,
            event: None,
        })
    }
}

/// Sends notices to people.
#[async_trait]
pub trait Notifier: fmt::Debug + Send + Sync {
    /// Sends `notice` once. A transient failure ([`StepError::Transient`]) is retried by the
    /// notice's job; a permanent one dead-letters it.
    async fn send(&self, notice: &Notice) -> Result<(), StepError>;
}

/// Several notifiers: each notice goes to all of them, in order. One that fails fails the
/// notice's run, which sends it again to every notifier (each de-duplicates by the key).
#[derive(Debug, Default)]
pub struct AllNotifiers(Vec<Arc<dyn Notifier>>);

impl AllNotifiers {
    /// These notifiers.
    pub fn new(notifiers: Vec<Arc<dyn Notifier>>) -> Self {
        Self(notifiers)
    }
}

#[async_trait]
impl Notifier for AllNotifiers {
    async fn send(&self, notice: &Notice) -> Result<(), StepError> {
        for notifier in &self.0 {
            notifier.send(notice).await?;
        }
        Ok(())
    }
}

/// What the worker needs to notify: the notifier, and the operations console's address for
/// links (`https://ops.example.com/console`), if one is served.
#[derive(Debug, Clone)]
pub struct Notices {
    notifier: Arc<dyn Notifier>,
    console: Option<String>,
}

impl Notices {
    /// Notices sent by `notifier`.
    ///
    /// ```no_run
    /// # async fn run(worker: flows::Worker) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use flows::notify::{Notices, WebhookNotifier};
    /// let slack = WebhookNotifier::new(
    ///     "https://hooks.slack.com/services/T000/B000/XXXX",
    ///     secrecy::SecretString::from("shared-secret"),
    /// )?;
    /// let worker = worker.notify(
    ///     Notices::new(Arc::new(slack)).console("https://ops.example.com/console"),
    /// );
    /// # let _ = worker; Ok(()) }
    /// ```
    pub fn new(notifier: Arc<dyn Notifier>) -> Self {
        Self {
            notifier,
            console: None,
        }
    }

    /// Sets the console's base address, for links in notices.
    #[must_use]
    pub fn console(mut self, base: impl Into<String>) -> Self {
        self.console = Some(base.into().trim_end_matches('/').to_owned());
        self
    }

    /// The notice's job flow.
    pub(crate) fn flow(&self) -> NotifyFlow {
        NotifyFlow {
            notifier: Arc::clone(&self.notifier),
            console: self.console.clone(),
        }
    }
}

/// The notice of a dead letter: its job, its reason, a link to the console.
pub(crate) fn dead_letter(job: &crate::store::Job, reason: &str, permanent: bool) -> Notice {
    let mut notice = Notice::new(
        NoticeKind::DeadLetter,
        format!("{}/notice/dead-letter/{}", job.key, job.lease.token),
        format!("Dead letter: {} {}", job.kind, job.key),
    )
    .text(format!(
        "A job went to dead letters and waits for a person: {reason}. Look at it in the \
         operations console, fix the cause, then replay it."
    ))
    .fact("kind", &job.kind)
    .fact("key", &job.key)
    .fact(
        "failure",
        if permanent {
            "permanent"
        } else {
            "retries exhausted"
        },
    )
    .fact("reason", reason);
    notice.job_id = Some(job.id);
    notice
}

/// The notice of a breaker of `system` that opened (`opened`) or closed, in worker `worker`.
pub(crate) fn breaker(
    system: System,
    opened: bool,
    worker: &str,
    open_for: std::time::Duration,
) -> Notice {
    let at = crate::now_millis();
    let (kind, word) = if opened {
        (NoticeKind::BreakerOpened, "opened")
    } else {
        (NoticeKind::BreakerClosed, "closed")
    };
    let text = if opened {
        format!(
            "Calls to {system} keep failing: the worker holds back the jobs that call it and \
             tries one again after {open_for:?}. Jobs wait; nothing is lost."
        )
    } else {
        format!("Calls to {system} succeed again: held-back jobs run.")
    };
    Notice {
        at,
        ..Notice::new(
            kind,
            format!("breaker/{system}/{word}/{worker}/{at}"),
            format!("Circuit breaker {word}: {system}"),
        )
    }
    .text(text)
    .fact("system", system)
    .fact("worker", worker)
}

/// Sends the notice of its job (`payops.notify`): see the [module docs](self).
#[derive(Debug, Clone)]
pub struct NotifyFlow {
    notifier: Arc<dyn Notifier>,
    console: Option<String>,
}

#[async_trait]
impl Flow for NotifyFlow {
    type Input = Notice;
    const KIND: JobKind = JobKind::new("payops.notify");
    const SYSTEMS: &'static [System] = &[];

    fn entity(&self, input: &Notice) -> Result<EntityKey, StepError> {
        Ok(EntityKey::stored(input.key.clone()))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: Notice) -> Result<(), StepError> {
        // The last line before a person reads it: a reason quoting a careless provider message
        // never carries a card number out.
        let mut notice = masked(input);
        if notice.link.is_none()
            && let Some(console) = &self.console
        {
            notice.link = Some(match notice.job_id {
                Some(job) => match dead_letter_id(ctx, job).await? {
                    Some(id) => format!("{console}/dead-letters/{id}"),
                    None => format!("{console}/dead-letters"),
                },
                None => console.clone(),
            });
        }
        self.notifier.send(&notice).await?;
        tracing::info!(kind = %notice.kind, key = %notice.key, "notice sent");
        Ok(())
    }
}

/// `notice` with card numbers and codes masked in its title, text and facts
/// ([`payops_core::card::mask_text`]).
fn masked(mut notice: Notice) -> Notice {
    let mask = |text: &str| payops_core::card::mask_text(text).into_owned();
    notice.title = mask(&notice.title);
    notice.text = mask(&notice.text);
    for fact in &mut notice.facts {
        fact.value = mask(&fact.value);
    }
    notice
}

/// The dead letter of job `job`, among the latest ones.
async fn dead_letter_id(ctx: &StepCtx<'_>, job: i64) -> Result<Option<i64>, StepError> {
    let letters = ctx.store().dead_letters(500).await?;
    Ok(letters.iter().find(|d| d.job_id == job).map(|d| d.id))
}

/// The plain-text rendering of a notice (an e-mail's body, a chat message's fallback).
pub(crate) fn plain_text(notice: &Notice) -> String {
    let mut text = format!("{}\n\n{}\n", notice.title, notice.text);
    if !notice.facts.is_empty() {
        text.push('\n');
        for fact in &notice.facts {
            text.push_str(&format!("{}: {}\n", fact.name, fact.value));
        }
    }
    if let Some(link) = &notice.link {
        text.push_str(&format!("\n{link}\n"));
    }
    text
}
