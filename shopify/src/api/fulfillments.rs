use super::{payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::{Fulfillment, FulfillmentInput, OrderFulfillments};
use crate::{Client, Error, Gid};
use serde::Deserialize;
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

/// An order's fulfillment orders and fulfillments with their tracking: what to fulfil, and
/// whether a parcel is already recorded.
pub const GET_ORDER_FULFILLMENTS: Operation<'static> = Operation {
    name: "getOrderFulfillments",
    document: concat!(
        "query getOrderFulfillments($id: ID!) { order(id: $id) { id ",
        "fulfillmentOrders(first: 50) { nodes { id status } } ",
        "fulfillments(first: 50) { id status trackingInfo(first: 10) { company number url } } ",
        "} }"
    ),
    estimated_cost: 60,
    retry: RetrySafety::Idempotent,
};

#[derive(Deserialize)]
struct OrderFulfillmentsData {
    order: Option<OrderFulfillments>,
}

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

    /// The fulfillment orders and fulfillments of `order`; `None` when there is no such order.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let order = shopify::Gid::new("Order", 450789469);
    /// if let Some(state) = client.fulfillments().of_order(&order).await? {
    ///     let open = state.fulfillment_orders.iter().filter(|f| f.is_fulfillable()).count();
    ///     println!("{open} fulfillment orders to fulfil, {} fulfillments", state.fulfillments.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn of_order(&self, order: &Gid) -> Result<Option<OrderFulfillments>, Error> {
        let resp = self
            .client
            .execute::<_, OrderFulfillmentsData>(&GET_ORDER_FULFILLMENTS, &json!({ "id": order }))
            .await?;
        Ok(resp.data.order)
    }
}
