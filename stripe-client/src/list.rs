//! List parameters shared by every list endpoint, and pagination as a stream.

use std::collections::VecDeque;

use futures::stream::{BoxStream, StreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::client::{Client, RequestOptions};
use crate::error::Error;
use crate::models::Object;

/// A stream of every object of a list, fetching pages lazily. It ends after the last page or
/// after the first error (which it yields).
pub type ListStream<T> = BoxStream<'static, Result<T, Error>>;

/// Paging parameters of every list endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PageParams {
    /// Page size, 1 to 100 (Stripe's default is 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u8>,
    /// Return objects after this id (forward paging). Streams set it themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<String>,
    /// Return objects before this id (backward paging).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending_before: Option<String>,
}

/// A time filter (`created[gte]=...`). Bounds left `None` are not sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RangeQuery {
    /// Strictly after.
    #[serde(
        with = "time::serde::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub gt: Option<OffsetDateTime>,
    /// At or after.
    #[serde(
        with = "time::serde::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub gte: Option<OffsetDateTime>,
    /// Strictly before.
    #[serde(
        with = "time::serde::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub lt: Option<OffsetDateTime>,
    /// At or before.
    #[serde(
        with = "time::serde::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub lte: Option<OffsetDateTime>,
}

impl RangeQuery {
    /// At or after `t`.
    pub fn since(t: OffsetDateTime) -> Self {
        RangeQuery {
            gte: Some(t),
            ..Self::default()
        }
    }
}

/// How the next page is requested.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cursor {
    /// Lists: `starting_after=<id of the last object>`.
    StartingAfter,
    /// Search: `page=<next_page>`.
    Page,
}

/// Both list and search pages decode into this.
#[derive(Deserialize)]
struct PageOf<T> {
    data: Vec<T>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    next_page: Option<String>,
}

struct State<T> {
    client: Client,
    segments: Vec<String>,
    params: Vec<(String, String)>,
    opts: RequestOptions,
    cursor: Cursor,
    buffer: VecDeque<T>,
    next: Option<String>,
    done: bool,
}

/// Streams every object of a list or search endpoint, one page at a time.
pub(crate) fn paginate<T>(
    client: Client,
    segments: Vec<String>,
    params: Vec<(String, String)>,
    opts: RequestOptions,
    cursor: Cursor,
) -> ListStream<T>
where
    T: DeserializeOwned + Object + Send + 'static,
{
    let cursor_key = match cursor {
        Cursor::StartingAfter => "starting_after",
        Cursor::Page => "page",
    };
    // A caller-given cursor is the starting point; afterwards the stream owns it.
    let next = params
        .iter()
        .find(|(k, _)| k == cursor_key)
        .map(|(_, v)| v.clone());
    let params = params
        .into_iter()
        .filter(|(k, _)| k != cursor_key)
        .collect();
    let state = State {
        client,
        segments,
        params,
        opts,
        cursor,
        buffer: VecDeque::new(),
        next,
        done: false,
    };
    futures::stream::try_unfold(state, move |mut st| async move {
        loop {
            if let Some(item) = st.buffer.pop_front() {
                return Ok(Some((item, st)));
            }
            if st.done {
                return Ok(None);
            }
            let mut params = st.params.clone();
            if let Some(next) = &st.next {
                params.push((cursor_key.to_owned(), next.clone()));
            }
            let segments: Vec<&str> = st.segments.iter().map(String::as_str).collect();
            let page: PageOf<T> = st
                .client
                .request(Method::GET, &segments, params, &st.opts)
                .await?;
            st.next = match st.cursor {
                Cursor::StartingAfter => page.data.last().map(|o| o.id().to_owned()),
                Cursor::Page => page.next_page,
            };
            // Stop on an empty page too: a missing cursor would otherwise loop forever.
            st.done = !page.has_more || st.next.is_none();
            st.buffer.extend(page.data);
        }
    })
    .boxed()
}
