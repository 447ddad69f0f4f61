//! `/v1/events`: retrieve, list, and a stream of events since a time (webhook backfill).

use reqwest::Method;
use serde::Serialize;
use time::OffsetDateTime;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{ListStream, PageParams, RangeQuery};
use crate::models::Event;

handler! {
    /// Events: the account's change log (Stripe keeps 30 days).
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client, checkpoint: time::OffsetDateTime) -> Result<(), stripe_client::Error> {
    /// use futures::StreamExt;
    /// let mut events = client.events().list_since(checkpoint, &["payment_intent.succeeded"])?;
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     println!("{} {}", event.id, event.event_type);
    /// }
    /// # Ok(()) }
    /// ```
    EventsApi, events
}

list_ops!(EventsApi, ListEvents, Event, ["v1", "events"]);

impl<E> EventsApi<'_, E> {
    /// `GET /v1/events/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Event, Error> {
        self.client
            .call(Method::GET, &["v1", "events", id], &(), &self.opts)
            .await
    }

    /// Every event created at or after `since` (`created[gte]`), optionally only of the given
    /// types, newest first as Stripe lists them. Events of the boundary second are included,
    /// so a backfill from a checkpoint may see some events again: de-duplicate by id.
    pub fn list_since(
        &self,
        since: OffsetDateTime,
        types: &[&str],
    ) -> Result<ListStream<Event>, Error> {
        self.list_all(&ListEvents {
            created: Some(RangeQuery::since(since)),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
            ..ListEvents::default()
        })
    }
}

/// Filters of `GET /v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListEvents {
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Only events whose webhooks were (`true`) or were not (`false`) delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_success: Option<bool>,
    /// One type, or a wildcard like `payment_intent.*`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Up to 20 types (exclusive with `event_type`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}
