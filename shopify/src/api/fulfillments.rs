use super::{payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::{Fulfillment, FulfillmentInput};
use crate::{Client, Error};
use serde_json::json;

/// Fulfillment operations. Get one with [`Client::fulfillments`].
#[derive(Debug, Clone, Copy)]
pub struct Fulfillments<'a> {
    pub(crate) client: &'a Client,
}

/// `fulfillmentCreate` (API 2025-04+; `fulfillmentCreateV2` is deprecated).
pub const FULFILLMENT_CREATE: Operation<'static> = Operation {
    name: "fulfillmentCreate",
    document: "mutation fulfillmentCreate($fulfillment: FulfillmentInput!) { fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status trackingInfo { company number url } } userErrors { field message } } }",
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

payload!(FulfillmentPayload { fulfillment: Option<Fulfillment> });

impl Fulfillments<'_> {
    /// `fulfillmentCreate` for one or more fulfillment orders, with tracking.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::{FulfillmentInput, FulfillmentTrackingInfo};
    /// let input = FulfillmentInput::whole(shopify::Gid::new("FulfillmentOrder", 1046000816))
    ///     .with_tracking(FulfillmentTrackingInfo::new("UPS", "1Z001985YW99744790"))
    ///     .with_notify_customer(true);
    /// let f = client.fulfillments().create(&input).await?;
    /// println!("{}", f.id);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, input: &FulfillmentInput) -> Result<Fulfillment, Error> {
        let p: FulfillmentPayload = self
            .client
            .mutate(
                &FULFILLMENT_CREATE,
                "fulfillmentCreate",
                &json!({ "fulfillment": input }),
            )
            .await?;
        required(p.fulfillment, "data.fulfillmentCreate.fulfillment")
    }
}
