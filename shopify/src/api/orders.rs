use super::{bag_fragment, payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::{
    DateTime, ManualPaymentInput, Order, OrderCaptureInput, OrderRef, OrderSummary,
    OrderTransaction, PageInfo,
};
use crate::{Client, Error, Gid};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::json;

/// Order operations. Get one with [`Client::orders`].
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    pub(crate) client: &'a Client,
}

/// `order` with transactions, risk assessments and metafields.
pub const GET_ORDER: Operation<'static> = Operation {
    name: "getOrder",
    document: concat!(
        "query getOrder($id: ID!) { order(id: $id) { ",
        "id legacyResourceId name email createdAt updatedAt processedAt cancelledAt ",
        "displayFinancialStatus displayFulfillmentStatus currencyCode presentmentCurrencyCode ",
        "totalPriceSet { ...bag } currentTotalPriceSet { ...bag } totalOutstandingSet { ...bag } ",
        "totalReceivedSet { ...bag } totalRefundedSet { ...bag } note tags test ",
        "transactions(first: 50) { id kind status gateway authorizationCode errorCode test ",
        "processedAt createdAt parentTransaction { id } amountSet { ...bag } } ",
        "risk { recommendation assessments { riskLevel provider { title } facts { description sentiment } } } ",
        "metafields(first: 50) { nodes { id namespace key value type compareDigest } } ",
        "} }",
        bag_fragment!()
    ),
    estimated_cost: 120,
    retry: RetrySafety::Idempotent,
};

/// `orders` updated at or after a time, oldest first, by cursor.
pub const ORDERS_UPDATED_SINCE: Operation<'static> = Operation {
    name: "ordersUpdatedSince",
    document: concat!(
        "query ordersUpdatedSince($first: Int!, $after: String, $query: String!) { ",
        "orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) { ",
        "nodes { id legacyResourceId name createdAt updatedAt displayFinancialStatus totalPriceSet { ...bag } } ",
        "pageInfo { hasNextPage endCursor } } }",
        bag_fragment!()
    ),
    estimated_cost: 60,
    retry: RetrySafety::Idempotent,
};

/// `orderMarkAsPaid`.
pub const ORDER_MARK_AS_PAID: Operation<'static> = Operation {
    name: "orderMarkAsPaid",
    document: concat!(
        "mutation orderMarkAsPaid($input: OrderMarkAsPaidInput!) { orderMarkAsPaid(input: $input) { ",
        "order { id displayFinancialStatus totalOutstandingSet { ...bag } } userErrors { field message } } }",
        bag_fragment!()
    ),
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

/// `orderCreateManualPayment`.
pub const ORDER_CREATE_MANUAL_PAYMENT: Operation<'static> = Operation {
    name: "orderCreateManualPayment",
    document: concat!(
        "mutation orderCreateManualPayment($id: ID!, $amount: MoneyInput, $paymentMethodName: String, $processedAt: DateTime) { ",
        "orderCreateManualPayment(id: $id, amount: $amount, paymentMethodName: $paymentMethodName, processedAt: $processedAt) { ",
        "order { id displayFinancialStatus totalOutstandingSet { ...bag } } userErrors { field message code } } }",
        bag_fragment!()
    ),
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

/// `orderCapture`.
pub const ORDER_CAPTURE: Operation<'static> = Operation {
    name: "orderCapture",
    document: concat!(
        "mutation orderCapture($input: OrderCaptureInput!) { orderCapture(input: $input) { ",
        "transaction { id kind status gateway authorizationCode errorCode parentTransaction { id } amountSet { ...bag } } ",
        "userErrors { field message } } }",
        bag_fragment!()
    ),
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

/// `orderUpdate` (note only).
pub const ORDER_UPDATE: Operation<'static> = Operation {
    name: "orderUpdate",
    document: "mutation orderUpdate($input: OrderInput!) { orderUpdate(input: $input) { order { id note tags } userErrors { field message } } }",
    estimated_cost: 10,
    retry: RetrySafety::Idempotent,
};

#[derive(Deserialize)]
struct OrderData {
    order: Option<Order>,
}

#[derive(Deserialize)]
struct OrdersData {
    orders: OrdersConnection,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersConnection {
    nodes: Vec<OrderSummary>,
    page_info: PageInfo,
}

payload!(OrderPayload { order: Option<OrderRef> });
payload!(TransactionPayload { transaction: Option<OrderTransaction> });

impl<'a> Orders<'a> {
    /// Fetches an order with its transactions (first 50), risk assessments and
    /// metafields (first 50). `Ok(None)` when no such order exists.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let id = shopify::Gid::new("Order", 450789469);
    /// if let Some(order) = client.orders().get(&id).await? {
    ///     println!("{} {:?}", order.name, order.display_financial_status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &Gid) -> Result<Option<Order>, Error> {
        let resp = self
            .client
            .execute::<_, OrderData>(&GET_ORDER, &json!({ "id": id }))
            .await?;
        Ok(resp.data.order)
    }

    /// Streams every order updated at or after `since`, oldest update first,
    /// following cursors page by page (`page_size` 1..=250). Used for backfill:
    /// store the last `updated_at` seen as the next checkpoint.
    ///
    /// The search query is `updated_at:>='<RFC 3339 time>'`.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use futures::TryStreamExt;
    /// let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    /// let mut orders = client.orders().updated_since(since, 100);
    /// while let Some(order) = orders.try_next().await? {
    ///     println!("{} updated {}", order.name, order.updated_at);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn updated_since(
        &self,
        since: DateTime,
        page_size: u32,
    ) -> BoxStream<'static, Result<OrderSummary, Error>> {
        let client = self.client.clone();
        let query = format!("updated_at:>='{}'", search_time(since));
        let first = page_size.clamp(1, 250);
        // State: None once the last page has been read.
        let pages = stream::try_unfold(Some(None::<String>), move |state| {
            let client = client.clone();
            let query = query.clone();
            async move {
                let Some(after) = state else {
                    return Ok(None);
                };
                let vars = json!({ "first": first, "after": after, "query": query });
                let resp = client
                    .execute::<_, OrdersData>(&ORDERS_UPDATED_SINCE, &vars)
                    .await?;
                let conn = resp.data.orders;
                let next = match (conn.page_info.has_next_page, conn.page_info.end_cursor) {
                    (true, Some(cursor)) => Some(Some(cursor)),
                    _ => None,
                };
                Ok(Some((conn.nodes, next)))
            }
        });
        pages
            .map_ok(|nodes| stream::iter(nodes.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// `orderMarkAsPaid`: records the outstanding balance as paid (a sale, or
    /// a capture of an authorization).
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let order = client.orders().mark_as_paid(&shopify::Gid::new("Order", 1)).await?;
    /// println!("{:?}", order.display_financial_status);
    /// # Ok(()) }
    /// ```
    pub async fn mark_as_paid(&self, id: &Gid) -> Result<OrderRef, Error> {
        let p: OrderPayload = self
            .client
            .mutate(
                &ORDER_MARK_AS_PAID,
                "orderMarkAsPaid",
                &json!({ "input": { "id": id } }),
            )
            .await?;
        required(p.order, "data.orderMarkAsPaid.order")
    }

    /// `orderCreateManualPayment`: records a payment taken outside Shopify
    /// (for example by PayTrace) of a chosen amount.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::{ManualPaymentInput, MoneyV2};
    /// let input = ManualPaymentInput::new(
    ///     shopify::Gid::new("Order", 1),
    ///     MoneyV2::new("19.99".parse().unwrap(), "USD"),
    ///     "PayTrace",
    /// );
    /// client.orders().create_manual_payment(&input).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_manual_payment(
        &self,
        input: &ManualPaymentInput,
    ) -> Result<OrderRef, Error> {
        let p: OrderPayload = self
            .client
            .mutate(
                &ORDER_CREATE_MANUAL_PAYMENT,
                "orderCreateManualPayment",
                input,
            )
            .await?;
        required(p.order, "data.orderCreateManualPayment.order")
    }

    /// `orderCapture`: captures an authorization. The returned transaction's
    /// `status` tells success from decline (`FAILURE` is data, not an error).
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::OrderCaptureInput;
    /// let input = OrderCaptureInput::new(
    ///     shopify::Gid::new("Order", 1),
    ///     shopify::Gid::new("OrderTransaction", 2),
    ///     "10.00".parse().unwrap(),
    /// );
    /// let txn = client.orders().capture(&input).await?;
    /// println!("{:?}", txn.status);
    /// # Ok(()) }
    /// ```
    pub async fn capture(&self, input: &OrderCaptureInput) -> Result<OrderTransaction, Error> {
        let p: TransactionPayload = self
            .client
            .mutate(&ORDER_CAPTURE, "orderCapture", &json!({ "input": input }))
            .await?;
        required(p.transaction, "data.orderCapture.transaction")
    }

    /// `orderUpdate` setting the note (other fields untouched).
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// client.orders().update_note(&shopify::Gid::new("Order", 1), "paid via PayTrace").await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_note(&self, id: &Gid, note: &str) -> Result<OrderRef, Error> {
        let p: OrderPayload = self
            .client
            .mutate(
                &ORDER_UPDATE,
                "orderUpdate",
                &json!({ "input": { "id": id, "note": note } }),
            )
            .await?;
        required(p.order, "data.orderUpdate.order")
    }
}

/// `time` as Shopify's search syntax takes it: RFC 3339 in UTC, whole seconds
/// (`2024-01-15T15:00:00Z`). Written by hand because it cannot fail, unlike a formatter.
fn search_time(time: DateTime) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_time_is_utc_whole_seconds() {
        let at = time::macros::datetime!(2024-01-15 10:00:00.75 -05:00);
        assert_eq!(search_time(at), "2024-01-15T15:00:00Z");
    }
}
