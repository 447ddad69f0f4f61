use super::payload;
use crate::graphql::{Operation, RetrySafety};
use crate::models::{Metafield, MetafieldsSetInput};
use crate::{Client, Error};
use serde_json::json;

/// Most metafields `metafieldsSet` accepts in one call.
pub const METAFIELDS_SET_BATCH: usize = 25;

/// Metafield operations. Get one with [`Client::metafields`].
#[derive(Debug, Clone, Copy)]
pub struct Metafields<'a> {
    pub(crate) client: &'a Client,
}

/// `metafieldsSet`.
pub const METAFIELDS_SET: Operation<'static> = Operation {
    name: "metafieldsSet",
    document: "mutation metafieldsSet($metafields: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $metafields) { metafields { id namespace key value type compareDigest } userErrors { field message code } } }",
    estimated_cost: 10,
    retry: RetrySafety::Idempotent,
};

payload!(SetPayload { metafields: Option<Vec<Metafield>> });

impl Metafields<'_> {
    /// `metafieldsSet`, split into calls of at most [`METAFIELDS_SET_BATCH`].
    ///
    /// Each call is atomic on Shopify's side; if a later batch fails, earlier
    /// batches stay written (setting the same values again is harmless).
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::MetafieldsSetInput;
    /// let order = shopify::Gid::new("Order", 1);
    /// let written = client
    ///     .metafields()
    ///     .set(&[MetafieldsSetInput::text(order, "payments", "paytrace_txn", "123456")])
    ///     .await?;
    /// println!("{} written", written.len());
    /// # Ok(()) }
    /// ```
    pub async fn set(&self, metafields: &[MetafieldsSetInput]) -> Result<Vec<Metafield>, Error> {
        let mut written = Vec::with_capacity(metafields.len());
        for batch in metafields.chunks(METAFIELDS_SET_BATCH) {
            let p: SetPayload = self
                .client
                .mutate(
                    &METAFIELDS_SET,
                    "metafieldsSet",
                    &json!({ "metafields": batch }),
                )
                .await?;
            written.extend(p.metafields.unwrap_or_default());
        }
        Ok(written)
    }
}
