//! `magento.customer`: a Magento customer and its Stripe customer kept in agreement, both ways;
//! `stripe.customer`: a Stripe customer event, linked to its Magento customer (by metadata, or
//! by e-mail) and handed to the Magento customer's job. See [Customers](super#customers).

use std::sync::Arc;

use async_trait::async_trait;
use mapping::address::{join_name, split_name, two_street_lines};
use mapping::magento::{CustomerCtx, to_magento_customer};
use mapping::stripe::{META_STORE, META_STORE_CODE, customer_id_key};
use mapping::{CountryCode, Customer, MappingError, System};
use serde::{Deserialize, Serialize};
use stripe_client::UpdateCustomer;

use super::Shared;
use crate::StepError;
use crate::intake::Delivery;
use crate::notify::{Notice, NoticeKind};
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, State, Step, StepCtx, job};

/// The Stripe customer a Magento customer is linked to, and how many links it had before (each
/// new link creates under its own `Idempotency-Key`).
const LINK: State<Link> = State::new("stripe/link");
/// The synced fields as both sides last agreed on them: the fingerprint an echo is recognised by.
const SYNCED: State<Synced> = State::new("sync/fields");
/// A Stripe customer's events run so far, kept by [`StripeCustomerChanged`] under the Stripe
/// customer's key: how many, and the newest one's time (the Stripe side's change time). Kept
/// there, not in the sync job's input: a queued job's input is replaced by the next event's, and
/// a Magento event must not erase a Stripe one.
const STRIPE_CHANGES: State<StripeSeen> = State::new("sync/stripe-changes");
/// The Stripe customer created for a Magento customer without one: its `Idempotency-Key`, with
/// the link's generation after it (`stripe/customer/{n}`). The link itself is the record.
const CREATED: Step<String> = Step::new("stripe/customer", System::Stripe);
/// The `magento_customer_id` written on a Stripe customer matched by e-mail.
const LINKED_BY_EMAIL: Step<i64> = Step::new("magento/link", System::Stripe);
/// The ERP customer as last written (name, e-mail, the Stripe customer id): written again only
/// when it changes.
const ERP_CUSTOMER: State<erp::Customer> = State::new("erp/customer");

/// The Adobe Commerce customer events routed to [`CustomerSync`], under either name `eventName`
/// may carry (with or without the `observer.` prefix).
pub const CUSTOMER_TOPICS: [&str; 4] = [
    "observer.customer_save_after",
    "observer.customer_register_success",
    "customer_save_after",
    "customer_register_success",
];

/// The Stripe customer events routed to [`StripeCustomerChanged`].
pub const STRIPE_CUSTOMER_TOPICS: [&str; 3] =
    ["customer.created", "customer.updated", "customer.deleted"];

/// What a Magento customer's link to Stripe is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Link {
    /// The linked Stripe customer (`cus_...`); `None` once unlinked.
    customer: Option<String>,
    /// Links made so far: part of the next creation's `Idempotency-Key`.
    generation: u32,
}

/// The fields customer sync keeps equal on both sides, in the form both can hold: the name as
/// one string (Stripe's `name`; [`join_name`] of Magento's two), the postal part of the default
/// billing address folded to Stripe's two street lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedFields {
    /// The full name.
    pub name: Option<String>,
    /// The e-mail address.
    pub email: Option<String>,
    /// The phone number (Magento keeps it on the default billing address).
    pub phone: Option<String>,
    /// The postal address.
    pub address: Option<PostalAddress>,
}

/// The postal part of an address, as Stripe holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    /// First street line.
    pub line1: Option<String>,
    /// The other street lines, joined.
    pub line2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Region code.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO country code.
    pub country: Option<String>,
}

/// The fields each side held after the last run (the fingerprint an echo is recognised by),
/// with the Stripe events seen then. The sides differ only where a value could not be carried
/// (a field one side cleared and the other cannot clear).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Synced {
    /// Magento's fields (before per-side snapshots: both sides').
    fields: SyncedFields,
    /// Stripe's fields; `None` in records of earlier versions, where both sides agreed on
    /// `fields`.
    #[serde(default)]
    stripe: Option<SyncedFields>,
    /// [`StripeSeen::events`] when they were agreed: a Stripe change is announced once another
    /// event came (counted, not timed: two events can share a second).
    #[serde(default)]
    stripe_changes: u64,
}

/// The Stripe customer events of one Stripe customer run so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct StripeSeen {
    /// How many.
    events: u64,
    /// The newest one's `created` (Unix seconds).
    at: i64,
}

impl SyncedFields {
    /// The synced fields of a canonical customer.
    pub fn of(customer: &Customer) -> Self {
        let postal = customer.address.as_ref().map(|a| {
            let (line1, line2) = two_street_lines(&a.lines);
            PostalAddress {
                line1,
                line2,
                city: a.city.clone(),
                state: a.region_code.clone(),
                postal_code: a.postal_code.clone(),
                country: a.country.map(|c| c.as_str().to_owned()),
            }
        });
        Self {
            name: join_name(
                customer.first_name.as_deref().unwrap_or_default(),
                customer.last_name.as_deref().unwrap_or_default(),
            ),
            email: customer.email.clone(),
            phone: customer.phone.clone(),
            address: postal,
        }
    }

    /// What of these fields Magento can hold: no phone without an address (Magento keeps the
    /// phone on the default billing address).
    fn magento_view(&self) -> Self {
        Self {
            phone: self.phone.clone().filter(|_| self.address.is_some()),
            ..self.clone()
        }
    }
}

/// Which side a merged field was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Both sides agree.
    Same,
    /// The store's (Magento's) value.
    Store,
    /// The gateway's (Stripe's) value.
    Gateway,
    /// Both changed and the gateway's change is not announced yet (its event is on the way):
    /// left as it is until it comes.
    Deferred,
    /// The sides differ but neither changed since the last run (a value one side cleared and
    /// the other cannot clear): left as it is on both.
    Apart,
}

/// When each side last changed: Magento's `updated_at` and the newest Stripe customer event
/// (Unix seconds); `stripe_announced` says whether a Stripe event came since the last agreement.
#[derive(Debug, Clone, Copy)]
pub struct ChangeTimes {
    /// Magento's `updated_at`.
    pub magento: i64,
    /// The newest Stripe customer event's `created`.
    pub stripe: i64,
    /// A Stripe event newer than the last agreement was seen.
    pub stripe_announced: bool,
}

/// The per-field rule (see [Customers](super#customers)): a field only one side changed since
/// the last agreement (`base`) takes that side's value; a field both changed takes the newer
/// change by provider time, the store's on a tie. With no agreement on record, every differing
/// field counts as changed on both sides.
pub fn merge_field<T: Clone + PartialEq>(
    magento: &T,
    magento_base: Option<&T>,
    stripe: &T,
    stripe_base: Option<&T>,
    times: ChangeTimes,
) -> (T, Side) {
    if magento == stripe {
        return (magento.clone(), Side::Same);
    }
    let magento_changed = magento_base != Some(magento);
    let stripe_changed = stripe_base != Some(stripe);
    match (magento_changed, stripe_changed) {
        (false, false) => (magento.clone(), Side::Apart),
        (true, false) => (magento.clone(), Side::Store),
        (false, true) => (stripe.clone(), Side::Gateway),
        // Stripe's change is known but not yet its time: its event decides.
        _ if !times.stripe_announced => (magento.clone(), Side::Deferred),
        _ if times.stripe > times.magento => (stripe.clone(), Side::Gateway),
        _ => (magento.clone(), Side::Store),
    }
}

/// What [`merge`] decided.
struct Merged {
    /// The fields Magento is to hold.
    to_magento: SyncedFields,
    /// The fields Stripe is to hold.
    to_stripe: SyncedFields,
    /// Whether any field waits for its Stripe event ([`Side::Deferred`]).
    deferred: bool,
}

/// Merges every field (see [`merge_field`]) against each side's fields after the last run
/// (`base`: Magento's, Stripe's). A field left as it is ([`Side::Deferred`], [`Side::Apart`])
/// keeps each side's own value.
fn merge(
    magento: &SyncedFields,
    stripe: &SyncedFields,
    base: Option<(&SyncedFields, &SyncedFields)>,
    times: ChangeTimes,
) -> Merged {
    // A first link has no agreement to compare with, so neither side's values are changes:
    // the store's win (it is the customer's record), whatever the clocks say.
    let Some((magento_base, stripe_base)) = base else {
        return Merged {
            to_magento: magento.clone(),
            to_stripe: magento.clone(),
            deferred: false,
        };
    };
    let mut out = Merged {
        to_magento: SyncedFields::default(),
        to_stripe: SyncedFields::default(),
        deferred: false,
    };
    macro_rules! pick {
        ($f:ident) => {{
            let (value, side) = merge_field(
                &magento.$f,
                Some(&magento_base.$f),
                &stripe.$f,
                Some(&stripe_base.$f),
                times,
            );
            out.deferred |= side == Side::Deferred;
            if matches!(side, Side::Deferred | Side::Apart) {
                out.to_magento.$f = magento.$f.clone();
                out.to_stripe.$f = stripe.$f.clone();
            } else {
                out.to_magento.$f = value.clone();
                out.to_stripe.$f = value;
            }
        }};
    }
    pick!(name);
    pick!(email);
    pick!(phone);
    pick!(address);
    out
}

/// Where a [`CustomerSync`] run comes from: each write carries its origin into the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "side", rename_all = "snake_case")]
pub enum Origin {
    /// A Magento change: an Adobe Commerce customer event, or the poll.
    Magento {
        /// The event in the inbox, when one started it.
        event: Option<EventRef>,
    },
    /// A Stripe customer event of the customer `customer`, created at `at` (Unix seconds).
    Stripe {
        /// The Stripe customer (`cus_...`).
        customer: String,
        /// The event's `created`.
        at: i64,
    },
    /// The Stripe customer `customer` was deleted: the two are unlinked.
    Unlinked {
        /// The deleted Stripe customer.
        customer: String,
    },
}

/// The input of [`CustomerSync`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerChange {
    /// The Magento customer id.
    pub customer_id: i64,
    /// What started the run.
    pub origin: Origin,
}

/// `magento.customer`: a Magento customer and its Stripe customer, kept in agreement (see
/// [Customers](super#customers)). Every event of either side runs it once more; each run reads
/// both sides and writes only what changed since they last agreed.
#[derive(Clone)]
pub struct CustomerSync(pub(super) Arc<Shared>);

impl std::fmt::Debug for CustomerSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerSync").finish_non_exhaustive()
    }
}

impl Shared {
    /// A Magento customer's key: `magento/{store}/customer/{id}`.
    pub(super) fn customer_key(&self, customer_id: i64) -> EntityKey {
        EntityKey::new(System::Magento, &self.config.store_code)
            .child(Entity::Customer, customer_id)
    }

    /// A Stripe customer's key: `stripe/{account}/customer/{cus id}`.
    fn stripe_customer_key(&self, customer: &str) -> EntityKey {
        EntityKey::new(System::Stripe, &self.config.stripe_account)
            .child(Entity::Customer, customer)
    }

    /// The Stripe customer linked to Magento customer `customer_id`, if any (for the order's
    /// PaymentIntent).
    pub(super) async fn linked_stripe_customer(
        &self,
        ctx: &StepCtx<'_>,
        customer_id: i64,
    ) -> Result<Option<String>, StepError> {
        Ok(ctx
            .read_state(&self.customer_key(customer_id), &LINK)
            .await?
            .and_then(|link| link.customer))
    }

    /// The same link read from `store` outside a job (to start a subscription): a record that
    /// is not a link is an error naming its key.
    pub(super) async fn stored_stripe_customer(
        &self,
        store: &dyn crate::Store,
        customer_id: i64,
    ) -> Result<Option<String>, crate::FlowError> {
        let key = self.customer_key(customer_id).under(LINK.name());
        let Some(value) = store.state(&key).await? else {
            return Ok(None);
        };
        let link: Link = serde_json::from_value(value)?;
        Ok(link.customer)
    }

    /// Whether a Stripe customer's metadata names another store (or store view) than this one.
    pub(super) fn is_other_store(&self, metadata: &stripe_client::Metadata) -> bool {
        other_store(metadata, &self.config.store_code).is_some()
    }
}

/// The job of a Magento customer's sync, run once more for `origin`.
pub(super) fn sync_job(
    flow: &CustomerSync,
    customer_id: i64,
    origin: Origin,
) -> Result<NewJob, StepError> {
    Ok(NewJob {
        rerun: true,
        ..job(
            flow,
            &CustomerChange {
                customer_id,
                origin,
            },
        )?
    })
}

#[async_trait]
impl Flow for CustomerSync {
    type Input = CustomerChange;
    const KIND: JobKind = JobKind::new("magento.customer");
    const SYSTEMS: &'static [System] = &[System::Magento, System::Stripe];

    fn entity(&self, input: &CustomerChange) -> Result<EntityKey, StepError> {
        Ok(self.0.customer_key(input.customer_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: CustomerChange) -> Result<(), StepError> {
        let shared = &*self.0;
        let mut link = ctx.state(&LINK)?.unwrap_or_default();
        match &input.origin {
            Origin::Unlinked { customer } => {
                if link.customer.as_deref() == Some(customer.as_str()) {
                    tracing::info!(magento = input.customer_id, stripe = %customer, "customer unlinked: its Stripe customer was deleted");
                    link.customer = None;
                    ctx.set_state(&LINK, &link)?;
                    ctx.clear_state(&SYNCED);
                }
                // The Magento customer itself is never deleted (nor the ERP customer, which
                // keeps the Stripe id it had: the `Erp` trait removes no vault id).
                return Ok(());
            }
            Origin::Stripe { customer, at } => {
                if link.customer.is_none() {
                    // Linked on Stripe's side (metadata, or by e-mail): adopted here.
                    link.customer = Some(customer.clone());
                    ctx.set_state(&LINK, &link)?;
                } else if link.customer.as_deref() != Some(customer.as_str()) {
                    tracing::warn!(magento = input.customer_id, linked = ?link.customer, other = %customer, "a second Stripe customer names this Magento customer: left alone");
                    ctx.notify(
                        Notice::new(
                            NoticeKind::CustomerUnlinked,
                            format!("{}/notice/second-stripe-customer/{customer}", ctx.entity()),
                            format!("Two Stripe customers for Magento customer {}", input.customer_id),
                        )
                        .text("Another Stripe customer names this Magento customer in its metadata. It is not synced: merge the two in Stripe, or remove its magento_customer_id.")
                        .fact("magento customer", input.customer_id)
                        .fact("linked", link.customer.as_deref().unwrap_or_default())
                        .fact("other", customer),
                    );
                    return Ok(());
                }
                tracing::debug!(magento = input.customer_id, stripe = %customer, at, "Stripe customer event");
            }
            Origin::Magento { .. } => {}
        }

        let magento = match shared.magento.customers().get(input.customer_id).await {
            Ok(customer) => customer,
            Err(magento::Error::NotFound(_)) => {
                tracing::info!(
                    magento = input.customer_id,
                    "customer gone from Magento: nothing synced"
                );
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let canonical = Customer::try_from(&magento)?;
        let m = SyncedFields::of(&canonical);
        let magento_at = magento
            .updated_at
            .map(time::OffsetDateTime::unix_timestamp)
            .unwrap_or(0);

        let stripe_id = match link.customer.clone() {
            Some(linked) => linked,
            None => match adopt(ctx, shared, input.customer_id).await? {
                Adoption::One(found) => {
                    link.customer = Some(found.clone());
                    ctx.set_state(&LINK, &link)?;
                    found
                }
                Adoption::None => {
                    let created = create(ctx, shared, &input, &canonical, &mut link, m).await?;
                    return book_customer(ctx, shared, &canonical, &created).await;
                }
                // A person was told; the next change of either side looks again.
                Adoption::Several => return Ok(()),
            },
        };
        let stripe = shared.stripe.customers().retrieve(&stripe_id).await?;
        if stripe.deleted {
            link.customer = None;
            ctx.set_state(&LINK, &link)?;
            ctx.clear_state(&SYNCED);
            return Ok(());
        }
        let stripe_canonical = Customer::try_from(&stripe)?;
        let s = SyncedFields::of(&stripe_canonical);
        let base = ctx.state(&SYNCED)?;
        let seen = stripe_changes(ctx, shared, &stripe_id).await?;
        let times = ChangeTimes {
            magento: magento_at,
            stripe: seen.at,
            stripe_announced: base.as_ref().is_none_or(|b| seen.events > b.stripe_changes),
        };
        // Each side's fields after the last run (records of earlier versions kept one set for
        // both, as Stripe holds them).
        let bases = base.as_ref().map(|b| match &b.stripe {
            Some(stripe) => (b.fields.clone(), stripe.clone()),
            None => (b.fields.magento_view(), b.fields.clone()),
        });
        let merged = merge(&m, &s, bases.as_ref().map(|(m, s)| (m, s)), times);

        let mut s_after = s.clone();
        if merged.to_stripe != s {
            let update = stripe_update(&merged.to_stripe, &s);
            if update != UpdateCustomer::default() {
                tracing::info!(magento = input.customer_id, stripe = %stripe_id, origin = ?input.origin, "customer sync: Stripe updated");
                let updated = shared
                    .stripe
                    .customers()
                    .update(&stripe_id, &update)
                    .await?;
                s_after = SyncedFields::of(&Customer::try_from(&updated)?);
            }
        }
        // The customer as Magento holds it after this run: what the ERP customer is written from.
        let mut current = canonical.clone();
        let mut m_after = m.clone();
        if merged.to_magento.magento_view() != m {
            tracing::info!(magento = input.customer_id, stripe = %stripe_id, origin = ?input.origin, "customer sync: Magento updated");
            let target = with_fields(&canonical, &merged.to_magento, &stripe_canonical)?;
            let out = to_magento_customer(
                &target,
                &CustomerCtx {
                    existing: Some(&magento),
                    ..CustomerCtx::default()
                },
            )?;
            let updated = shared
                .magento
                .customers()
                .update(input.customer_id, &out)
                .await?;
            current = Customer::try_from(&updated)?;
            m_after = SyncedFields::of(&current);
        }
        // A deferred field keeps both sides' old fields, so the Stripe event's run still sees it
        // as changed on both sides.
        if merged.deferred {
            if let Some((m_base, s_base)) = &bases {
                macro_rules! keep {
                    ($f:ident) => {
                        if m.$f != m_base.$f && s.$f != s_base.$f && m.$f != s.$f {
                            m_after.$f = m_base.$f.clone();
                            s_after.$f = s_base.$f.clone();
                        }
                    };
                }
                keep!(name);
                keep!(email);
                keep!(phone);
                keep!(address);
            }
        }
        ctx.set_state(
            &SYNCED,
            &Synced {
                fields: m_after,
                stripe: Some(s_after),
                stripe_changes: if merged.deferred {
                    base.map_or(0, |b| b.stripe_changes)
                } else {
                    seen.events
                },
            },
        )?;
        book_customer(ctx, shared, &current, &stripe_id).await
    }
}

/// Writes the ERP customer `magento/{store}/customer/{id}` with the Magento customer's name and
/// e-mail and its Stripe customer id (an [`erp::VaultId`] of gateway `stripe`), when any of them
/// changed since the last write. The same reference the customer's orders are booked to.
async fn book_customer(
    ctx: &StepCtx<'_>,
    shared: &Shared,
    magento: &Customer,
    stripe_id: &str,
) -> Result<(), StepError> {
    let mut linked = magento.clone();
    linked.ids.set(System::Stripe, stripe_id.to_owned());
    let today = time::OffsetDateTime::now_utc().date();
    let customer = mapping::erp::to_erp_customer(&linked, &shared.erp_ctx(today))?;
    if ctx.state(&ERP_CUSTOMER)?.as_ref() == Some(&customer) {
        return Ok(());
    }
    // An upsert: a run cut off before the state is saved writes the same customer again.
    shared.erp.upsert_customer(&customer).await?;
    ctx.set_state(&ERP_CUSTOMER, &customer)?;
    Ok(())
}

/// The Stripe events of customer `stripe_id` run so far ([`STRIPE_CHANGES`]).
async fn stripe_changes(
    ctx: &StepCtx<'_>,
    shared: &Shared,
    stripe_id: &str,
) -> Result<StripeSeen, StepError> {
    Ok(ctx
        .read_state(&shared.stripe_customer_key(stripe_id), &STRIPE_CHANGES)
        .await?
        .unwrap_or_default())
}

/// What [`adopt`] found.
enum Adoption {
    /// No Stripe customer names the Magento customer.
    None,
    /// One does: the link.
    One(String),
    /// Several do: a person was told.
    Several,
}

/// The Stripe customer that already names Magento customer `customer_id` in its metadata, for a
/// Magento customer with no link: one linked on Stripe's side (made there, or matched by e-mail)
/// whose event's run was overtaken by a Magento event's (a queued job runs with the newest
/// input only). Stripe's search is eventually consistent ("data ... typically within a minute",
/// <https://docs.stripe.com/search#data-freshness>), so a link made seconds ago may be missed;
/// its event's run then finds the second customer and tells a person. With several, a person
/// is told and nothing is created.
async fn adopt(
    ctx: &StepCtx<'_>,
    shared: &Shared,
    customer_id: i64,
) -> Result<Adoption, StepError> {
    let found = customers_naming(shared, customer_id).await?;
    match found.as_slice() {
        [] => Ok(Adoption::None),
        [one] => {
            tracing::info!(magento = customer_id, stripe = %one.id, "customer sync: Stripe customer naming this customer adopted");
            Ok(Adoption::One(one.id.clone()))
        }
        several => {
            let ids: Vec<&str> = several.iter().map(|c| c.id.as_str()).collect();
            ctx.notify(
                Notice::new(
                    NoticeKind::CustomerUnlinked,
                    format!("{}/notice/several-stripe-customers", ctx.entity()),
                    format!("Several Stripe customers for Magento customer {customer_id}"),
                )
                .text("Several Stripe customers name this Magento customer in their metadata. None is synced: merge them in Stripe, or remove magento_customer_id from all but one.")
                .fact("magento customer", customer_id)
                .fact("stripe customers", ids.join(", ")),
            );
            Ok(Adoption::Several)
        }
    }
}

/// The Stripe customers of this store (not deleted) whose metadata names Magento customer
/// `customer_id`, by Stripe's customer search (eventually consistent: see [`adopt`]).
pub(super) async fn customers_naming(
    shared: &Shared,
    customer_id: i64,
) -> Result<Vec<stripe_client::Customer>, stripe_client::Error> {
    let Some(key) = customer_id_key(System::Magento) else {
        return Ok(Vec::new());
    };
    let query = format!("metadata['{key}']:'{customer_id}'");
    Ok(shared
        .stripe
        .customers()
        .search(&stripe_client::SearchCustomers::new(query))
        .await?
        .data
        .into_iter()
        .filter(|c| !c.deleted && !shared.is_other_store(&c.metadata))
        .collect())
}

/// Creates the Stripe customer of a Magento customer that has none, under the link's
/// `Idempotency-Key`, and records the link at once (a crash after Stripe's answer resends the
/// same key and gets the same customer). Returns the new customer's id.
async fn create(
    ctx: &StepCtx<'_>,
    shared: &Shared,
    input: &CustomerChange,
    canonical: &Customer,
    link: &mut Link,
    fields: SyncedFields,
) -> Result<String, StepError> {
    let mut params = mapping::stripe::to_create_customer(canonical)?;
    params
        .metadata
        .insert(META_STORE.to_owned(), System::Magento.as_str().to_owned());
    params
        .metadata
        .insert(META_STORE_CODE.to_owned(), shared.config.store_code.clone());
    let key = format!("{}/{}", ctx.key_of(&CREATED), link.generation);
    let created = shared
        .stripe
        .customers()
        .idempotency_key(key.as_str())
        .create(&params)
        .await?;
    tracing::info!(magento = input.customer_id, stripe = %created.id, origin = ?input.origin, "customer sync: Stripe customer created");
    link.customer = Some(created.id.clone());
    link.generation = link.generation.saturating_add(1);
    ctx.set_state(&LINK, link)?;
    let seen = stripe_changes(ctx, shared, &created.id).await?;
    let stripe = SyncedFields::of(&Customer::try_from(&created)?);
    ctx.set_state(
        &SYNCED,
        &Synced {
            fields,
            stripe: Some(stripe),
            stripe_changes: seen.events,
        },
    )?;
    ctx.save().await?;
    Ok(created.id)
}

/// The Stripe update that turns `current` into `merged`: only the fields that differ. A name,
/// e-mail or phone `merged` lacks is unset; an address is not (the client's update cannot
/// unset it; see [Customers](super#customers)).
fn stripe_update(merged: &SyncedFields, current: &SyncedFields) -> UpdateCustomer {
    // An empty string unsets a field in Stripe.
    let changed = |new: &Option<String>, old: &Option<String>| {
        if new == old {
            None
        } else {
            Some(new.clone().unwrap_or_default())
        }
    };
    UpdateCustomer {
        name: changed(&merged.name, &current.name),
        email: changed(&merged.email, &current.email),
        phone: changed(&merged.phone, &current.phone),
        address: (merged.address != current.address)
            .then(|| merged.address.as_ref().map(stripe_address))
            .flatten(),
        ..UpdateCustomer::default()
    }
}

fn stripe_address(a: &PostalAddress) -> stripe_client::Address {
    stripe_client::Address {
        city: a.city.clone(),
        country: a.country.clone(),
        line1: a.line1.clone(),
        line2: a.line2.clone(),
        postal_code: a.postal_code.clone(),
        state: a.state.clone(),
    }
}

/// The Magento customer's canonical form with `merged`'s values: the name split back at its
/// last space ([`split_name`]), the address's postal part replaced (names and company kept from
/// the Magento address, else taken from Stripe's).
fn with_fields(
    magento: &Customer,
    merged: &SyncedFields,
    stripe: &Customer,
) -> Result<Customer, MappingError> {
    let mut out = magento.clone();
    let current = SyncedFields::of(magento);
    if merged.name != current.name {
        if let Some(name) = &merged.name {
            let parts = split_name(name, "customer.name")?;
            out.first_name = Some(parts.first);
            // Magento requires a last name: a one-word name keeps the old one.
            if !parts.last.is_empty() {
                out.last_name = Some(parts.last);
            }
        }
    }
    if merged.email != current.email {
        out.email = merged.email.clone().or(out.email);
    }
    if merged.phone != current.phone {
        out.phone = merged.phone.clone().or(out.phone);
        if let Some(address) = &mut out.address {
            address.phone = out.phone.clone();
        }
    }
    if merged.address != current.address {
        if let Some(postal) = &merged.address {
            let mut address = out
                .address
                .clone()
                .or_else(|| stripe.address.clone())
                .unwrap_or_default();
            address.lines = [&postal.line1, &postal.line2]
                .into_iter()
                .flatten()
                .filter(|l| !l.trim().is_empty())
                .cloned()
                .collect();
            address.city = postal.city.clone();
            address.region_code = postal.state.clone();
            address.postal_code = postal.postal_code.clone();
            address.country = postal
                .country
                .as_deref()
                .map(|c| CountryCode::parse(c, "customer.address.country"))
                .transpose()?;
            address.phone = out.phone.clone();
            out.address = Some(address);
        }
    }
    Ok(out)
}

/// The input of [`StripeCustomerChanged`]: a Stripe customer event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StripeCustomerEvent {
    /// The event in the inbox.
    pub event: EventRef,
    /// The Stripe customer (`cus_...`).
    pub customer_id: String,
}

/// `stripe.customer`: a Stripe customer event. A customer linked to a Magento customer
/// (`metadata.magento_customer_id`) runs that customer's [`CustomerSync`]; an unlinked one is
/// linked by e-mail when exactly one Magento customer has it, otherwise a person is told; a
/// deleted one is unlinked (see [Customers](super#customers)).
#[derive(Clone)]
pub struct StripeCustomerChanged(pub(super) Arc<Shared>);

impl std::fmt::Debug for StripeCustomerChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeCustomerChanged")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for StripeCustomerChanged {
    type Input = StripeCustomerEvent;
    const KIND: JobKind = JobKind::new("stripe.customer");
    const SYSTEMS: &'static [System] = &[System::Stripe, System::Magento];

    fn entity(&self, input: &StripeCustomerEvent) -> Result<EntityKey, StepError> {
        Ok(self.0.stripe_customer_key(&input.customer_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: StripeCustomerEvent) -> Result<(), StepError> {
        let shared = &self.0;
        let event = super::stripe_event(ctx, &input.event).await?;
        let at = event.created.unix_timestamp();
        let seen = ctx.state(&STRIPE_CHANGES)?.unwrap_or_default();
        ctx.set_state(
            &STRIPE_CHANGES,
            &StripeSeen {
                events: seen.events.saturating_add(1),
                at: seen.at.max(at),
            },
        )?;
        let sync = CustomerSync(Arc::clone(shared));
        let deleted = event.event_type.as_str() == "customer.deleted";
        // The customer as Stripe has it now (events come late and out of order); a deleted one
        // as the event last showed it, for its metadata.
        let customer = if deleted {
            None
        } else {
            let current = shared
                .stripe
                .customers()
                .retrieve(&input.customer_id)
                .await?;
            (!current.deleted).then_some(current)
        };
        let Some(customer) = customer else {
            if let Some(id) = event_magento_id(&event, &shared.config.store_code)? {
                ctx.enqueue(sync_job(
                    &sync,
                    id,
                    Origin::Unlinked {
                        customer: input.customer_id.clone(),
                    },
                )?);
            }
            return Ok(());
        };
        if let Some(other) = other_store(&customer.metadata, &shared.config.store_code) {
            tracing::debug!(stripe = %input.customer_id, store = %other, "Stripe customer of another store: left alone");
            return Ok(());
        }
        let origin = Origin::Stripe {
            customer: input.customer_id.clone(),
            at,
        };
        if let Some(id) = magento_id(&customer.metadata)? {
            ctx.enqueue(sync_job(&sync, id, origin)?);
            return Ok(());
        }
        // Not linked: by e-mail when exactly one Magento customer has it.
        if let Some(id) = ctx.recorded(&LINKED_BY_EMAIL)? {
            ctx.enqueue(sync_job(&sync, id, origin)?);
            return Ok(());
        }
        let email = customer
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let matches = match email {
            Some(email) => {
                let criteria = magento::SearchCriteria::new()
                    .filter(magento::Filter::eq("email", email))
                    .page_size(2);
                shared
                    .magento
                    .customers()
                    .search(&criteria)
                    .await?
                    .items
                    .into_iter()
                    .filter_map(|c| c.id)
                    .collect::<Vec<_>>()
            }
            None => Vec::new(),
        };
        match matches.as_slice() {
            [id] => {
                let id = *id;
                let key = ctx.key_of(&LINKED_BY_EMAIL);
                let key_name = customer_id_key(System::Magento).unwrap_or("magento_customer_id");
                ctx.once(&LINKED_BY_EMAIL, || async {
                    let mut metadata = stripe_client::Metadata::new();
                    metadata.insert(key_name.to_owned(), id.to_string());
                    metadata.insert(META_STORE.to_owned(), System::Magento.as_str().to_owned());
                    metadata.insert(META_STORE_CODE.to_owned(), shared.config.store_code.clone());
                    shared
                        .stripe
                        .customers()
                        .idempotency_key(key.as_str())
                        .update(
                            &input.customer_id,
                            &UpdateCustomer {
                                metadata,
                                ..UpdateCustomer::default()
                            },
                        )
                        .await?;
                    Ok(id)
                })
                .await?;
                tracing::info!(stripe = %input.customer_id, magento = id, "Stripe customer linked by e-mail");
                ctx.enqueue(sync_job(&sync, id, origin)?);
            }
            found => {
                let why = if found.is_empty() {
                    "no Magento customer has its e-mail"
                } else {
                    "several Magento customers have its e-mail"
                };
                tracing::info!(stripe = %input.customer_id, matches = found.len(), "Stripe customer not linked: {why}");
                ctx.notify(
                    Notice::new(
                        NoticeKind::CustomerUnlinked,
                        format!("{}/notice/unlinked", ctx.entity()),
                        format!("Stripe customer {} is not linked", input.customer_id),
                    )
                    .text(format!(
                        "Stripe customer {} has no Magento customer: {why}. Link it by setting \
                         its metadata magento_customer_id to the Magento customer's id in \
                         Stripe; the next change syncs it.",
                        input.customer_id
                    ))
                    .fact("stripe customer", &input.customer_id)
                    .fact("email", email.unwrap_or("(none)"))
                    .fact("matches", found.len()),
                );
            }
        }
        Ok(())
    }
}

/// `metadata.magento_customer_id` as a Magento customer id; a value that is not one is an error
/// naming it.
fn magento_id(metadata: &stripe_client::Metadata) -> Result<Option<i64>, StepError> {
    let Some(key) = customer_id_key(System::Magento) else {
        return Ok(None);
    };
    let Some(raw) = metadata
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    raw.parse::<i64>().map(Some).map_err(|_| {
        MappingError::InvalidValue {
            field: format!("customer.metadata.{key}"),
            value: raw.to_owned(),
            expected: "Magento customer id",
        }
        .into()
    })
}

/// The store a Stripe customer's metadata names when it is not this one (`metadata.store` other
/// than `magento`, or `metadata.store_code` other than `store_code`); `None` when it is this
/// store's or names none (a customer made by hand).
fn other_store(metadata: &stripe_client::Metadata, store_code: &str) -> Option<String> {
    let named = |key: &str| {
        metadata
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    };
    match (named(META_STORE), named(META_STORE_CODE)) {
        (Some(store), _) if store != System::Magento.as_str() => Some(store.to_owned()),
        (_, Some(code)) if code != store_code => Some(format!("magento/{code}")),
        _ => None,
    }
}

/// The Magento id in a customer event's object, when the customer is this store's.
fn event_magento_id(
    event: &stripe_client::Event,
    store_code: &str,
) -> Result<Option<i64>, StepError> {
    match &event.data.object {
        stripe_client::EventObject::Customer(customer)
            if other_store(&customer.metadata, store_code).is_none() =>
        {
            magento_id(&customer.metadata)
        }
        _ => Ok(None),
    }
}

/// The job of a delivered Stripe customer event: the customer's job, run once more.
pub(super) fn stripe_customer_job(
    flow: &StripeCustomerChanged,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    let input = StripeCustomerEvent {
        event: delivery.event(),
        customer_id: super::object_id(delivery)?,
    };
    Ok(NewJob {
        rerun: true,
        ..job(flow, &input)?
    })
}

/// The job of a delivered Adobe Commerce customer event: the customer's [`CustomerSync`], run
/// once more. One without `data.customer.id` is an error naming it.
pub(super) fn magento_customer_job(
    flow: &CustomerSync,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    #[derive(Deserialize)]
    struct Body {
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        customer: Option<serde_json::Value>,
    }
    let body: Body = crate::workflow::decode(delivery.body, delivery.topic)?;
    let id = body
        .data
        .customer
        .as_ref()
        .and_then(|c| c.get("id").or_else(|| c.get("entity_id")))
        .and_then(|id| match id {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .filter(|id| *id > 0)
        .ok_or_else(|| MappingError::MissingField {
            field: "data.customer.id".to_owned(),
        })?;
    sync_job(
        flow,
        id,
        Origin::Magento {
            event: Some(delivery.event()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: ChangeTimes = ChangeTimes {
        magento: 100,
        stripe: 100,
        stripe_announced: true,
    };

    #[test]
    fn one_sided_changes_win_and_conflicts_go_to_the_newer() {
        let b = "base".to_owned();
        let m = "store".to_owned();
        let s = "gateway".to_owned();
        assert_eq!(
            merge_field(&m, Some(&b), &b, Some(&b), AT),
            (m.clone(), Side::Store)
        );
        assert_eq!(
            merge_field(&b, Some(&b), &s, Some(&b), AT),
            (s.clone(), Side::Gateway)
        );
        // A tie goes to the store.
        assert_eq!(
            merge_field(&m, Some(&b), &s, Some(&b), AT),
            (m.clone(), Side::Store)
        );
        let later = ChangeTimes { stripe: 101, ..AT };
        assert_eq!(
            merge_field(&m, Some(&b), &s, Some(&b), later),
            (s.clone(), Side::Gateway)
        );
        let unannounced = ChangeTimes {
            stripe_announced: false,
            ..later
        };
        assert_eq!(
            merge_field(&m, Some(&b), &s, Some(&b), unannounced),
            (m.clone(), Side::Deferred)
        );
        // An echo of the project's own write changes nothing.
        assert_eq!(merge_field(&m, Some(&m), &m, Some(&m), AT), (m, Side::Same));
    }

    #[test]
    fn names_are_compared_joined() {
        let customer = Customer {
            first_name: Some("Ada".into()),
            last_name: Some("de la Cruz".into()),
            ..Customer::default()
        };
        assert_eq!(
            SyncedFields::of(&customer).name.as_deref(),
            Some("Ada de la Cruz")
        );
    }
}
