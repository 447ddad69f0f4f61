use super::{bag_fragment, payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::order_rest::OrderAsRest;
use crate::models::{
    DateTime, InvoiceEmail, ManualPaymentInput, Order, OrderCancel, OrderCaptureInput, OrderRef,
    OrderSummary, OrderTransaction, OrdersPage, rest,
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
        "nodes { id legacyResourceId name createdAt updatedAt cancelledAt displayFinancialStatus ",
        "totalPriceSet { ...bag } customAttributes { key value } } ",
        "pageInfo { hasNextPage endCursor } } }",
        bag_fragment!()
    ),
    estimated_cost: 60,
    retry: RetrySafety::Idempotent,
};

/// `order` with what its REST resource's money and parties need (see
/// [`Orders::get_as_rest`]); `$lineItemsAfter` reads the following pages of line items.
pub const GET_ORDER_AS_REST: Operation<'static> = Operation {
    name: "getOrderAsRest",
    document: concat!(
        "query getOrderAsRest($id: ID!, $lineItemsAfter: String) { order(id: $id) { ",
        "id legacyResourceId name email phone createdAt updatedAt processedAt cancelledAt closedAt ",
        "currencyCode presentmentCurrencyCode displayFinancialStatus test taxesIncluded dutiesIncluded ",
        "note tags customAttributes { key value } ",
        "totalPriceSet { ...bag } subtotalPriceSet { ...bag } totalDiscountsSet { ...bag } ",
        "totalTaxSet { ...bag } totalShippingPriceSet { ...bag } totalTipReceivedSet { ...bag } ",
        "totalOutstandingSet { ...bag } currentTotalPriceSet { ...bag } originalTotalDutiesSet { ...bag } ",
        "totalCashRoundingAdjustment { paymentSet { ...bag } refundSet { ...bag } } ",
        "billingAddress { ...address } shippingAddress { ...address } ",
        "customer { id legacyResourceId firstName lastName email: defaultEmailAddress { emailAddress } ",
        "phone: defaultPhoneNumber { phoneNumber } defaultAddress { ...address } } ",
        "shippingLines(first: 20) { nodes { title code source originalPriceSet { ...bag } ",
        "discountedPriceSet { ...bag } } pageInfo { hasNextPage endCursor } } ",
        "lineItems(first: 50, after: $lineItemsAfter) { nodes { id title name sku quantity currentQuantity ",
        "variant { legacyResourceId } product { legacyResourceId } originalUnitPriceSet { ...bag } ",
        "discountAllocations { allocatedAmountSet { ...bag } discountApplication { index } } ",
        "taxLines { title rate priceSet { ...bag } } } pageInfo { hasNextPage endCursor } } ",
        "} }",
        bag_fragment!(),
        "\nfragment address on MailingAddress { firstName lastName name company address1 address2 ",
        "city province provinceCode country countryCodeV2 zip phone }"
    ),
    estimated_cost: 600,
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

/// `orderInvoiceSend` (Admin API 2022-01+): e-mails the order's invoice, with a link to pay
/// what the order still owes. Not idempotent: a repeat sends another e-mail.
pub const ORDER_INVOICE_SEND: Operation<'static> = Operation {
    name: "orderInvoiceSend",
    document: "mutation orderInvoiceSend($id: ID!, $email: EmailInput) { orderInvoiceSend(id: $id, email: $email) { order { id } userErrors { field message code } } }",
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

/// `orderCancel` (Admin API 2024-01+; `refundMethod` replaced the `refund` flag): cancels an
/// order in a background job. Shopify refuses a second cancellation of an order, so a repeat
/// acts once.
/// <https://shopify.dev/docs/api/admin-graphql/2026-07/mutations/orderCancel>
pub const ORDER_CANCEL: Operation<'static> = Operation {
    name: "orderCancel",
    document: concat!(
        "mutation orderCancel($orderId: ID!, $reason: OrderCancelReason!, ",
        "$refundMethod: OrderCancelRefundMethodInput!, $restock: Boolean!, ",
        "$notifyCustomer: Boolean, $staffNote: String) { orderCancel(orderId: $orderId, ",
        "reason: $reason, refundMethod: $refundMethod, restock: $restock, ",
        "notifyCustomer: $notifyCustomer, staffNote: $staffNote) { job { id done } ",
        "orderCancelUserErrors { field message code } } }"
    ),
    estimated_cost: 10,
    retry: RetrySafety::Idempotent,
};

/// `orderCancel`'s payload: its user errors are `orderCancelUserErrors` (the plain
/// `userErrors` is deprecated there).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderCancelPayload {
    #[serde(default)]
    job: Option<CancelJob>,
    #[serde(default)]
    order_cancel_user_errors: Vec<crate::graphql::UserError>,
}

impl crate::graphql::HasUserErrors for OrderCancelPayload {
    fn user_errors(&self) -> &[crate::graphql::UserError] {
        &self.order_cancel_user_errors
    }
}

#[derive(Deserialize)]
struct CancelJob {
    id: Gid,
}

#[derive(Deserialize)]
struct OrderData {
    order: Option<Order>,
}

#[derive(Deserialize)]
struct OrdersData {
    orders: OrdersPage,
}

#[derive(Deserialize)]
struct OrderAsRestData {
    order: Option<OrderAsRest>,
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
        // State: None once the last page has been read.
        let pages = stream::try_unfold(Some(None::<String>), move |state| {
            let client = client.clone();
            async move {
                let Some(after) = state else {
                    return Ok(None);
                };
                let page = client
                    .orders()
                    .updated_since_page(since, after.as_deref(), page_size)
                    .await?;
                let next = match (page.page_info.has_next_page, page.page_info.end_cursor) {
                    (true, Some(cursor)) => Some(Some(cursor)),
                    _ => None,
                };
                Ok(Some((page.orders, next)))
            }
        });
        pages
            .map_ok(|nodes| stream::iter(nodes.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// One page of the orders updated at or after `since`, oldest update first
    /// (`orders(first:, after:, query: "updated_at:>='…'", sortKey: UPDATED_AT)`):
    /// `after` is the previous page's `endCursor` (`None` for the first page),
    /// `first` is clamped to 1..=250. For a reader that keeps its place page by
    /// page (a backfill that stores a checkpoint after each page).
    ///
    /// Shopify's search is whole seconds: an order updated during `since`'s
    /// second is included. Its search index may lag a write by a little, so a
    /// reader that resumes from a stored time should search a little before it.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    /// let mut after: Option<String> = None;
    /// loop {
    ///     let page = client.orders().updated_since_page(since, after.as_deref(), 50).await?;
    ///     for order in &page.orders {
    ///         println!("{} updated {}", order.name, order.updated_at);
    ///     }
    ///     match (page.page_info.has_next_page, page.page_info.end_cursor) {
    ///         (true, Some(cursor)) => after = Some(cursor),
    ///         _ => break,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn updated_since_page(
        &self,
        since: DateTime,
        after: Option<&str>,
        first: u32,
    ) -> Result<OrdersPage, Error> {
        let query = format!("updated_at:>='{}'", search_time(since));
        let vars = json!({ "first": first.clamp(1, 250), "after": after, "query": query });
        let resp = self
            .client
            .execute::<_, OrdersData>(&ORDERS_UPDATED_SINCE, &vars)
            .await?;
        Ok(resp.data.orders)
    }

    /// The order as its REST resource, the body its `orders/*` webhooks carry,
    /// read through GraphQL (`getOrderAsRest`, then again with
    /// `$lineItemsAfter` for each further 50 line items). `Ok(None)` when no
    /// such order exists.
    ///
    /// For a reader that must treat an order found by a query exactly as its
    /// webhook (a backfill of missed `orders/create`). The fields rebuilt, and
    /// their GraphQL sources, are listed in the table below; the others are
    /// `null` or empty. An order with more than 20 shipping lines is an
    /// [`Error::Decode`] naming `shippingLines`, never a short read.
    ///
    /// | REST field | GraphQL source |
    /// |---|---|
    /// | `id`, `admin_graphql_api_id`, `name`, `email`, `phone`, `note`, `test` | `legacyResourceId`, `id`, and the same names |
    /// | `created_at`, `updated_at`, `processed_at`, `cancelled_at`, `closed_at` | the same names in camel case |
    /// | `currency`, `presentment_currency` | `currencyCode`, `presentmentCurrencyCode` |
    /// | `financial_status` | `displayFinancialStatus`, lower case |
    /// | `taxes_included`, `duties_included`, `tags` (joined with `", "`) | the same names |
    /// | `note_attributes` | `customAttributes` (`key` is `name`) |
    /// | `total_price`, `subtotal_price`, `total_discounts`, `total_tax`, `total_tip_received`, `total_outstanding`, `current_total_price` (and their `_set`s) | the `...Set` of the same name (the plain field is the shop money) |
    /// | `total_shipping_price_set`, `original_total_duties_set` | the same names |
    /// | `total_cash_rounding_payment_adjustment_set`, `..._refund_adjustment_set` | `totalCashRoundingAdjustment.paymentSet`, `.refundSet` |
    /// | `billing_address`, `shipping_address`, `customer` | the same names (`country_code` is `countryCodeV2`) |
    /// | `line_items` | `lineItems`: `price` is `originalUnitPriceSet`, `id` the GID's number, `variant_id`/`product_id` the `legacyResourceId`s, `discount_allocations`, `tax_lines` |
    /// | `shipping_lines` | `shippingLines`: `price` is `originalPriceSet` |
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let id = shopify::Gid::new("Order", 450789469);
    /// if let Some(order) = client.orders().get_as_rest(&id).await? {
    ///     let body = serde_json::to_vec(&order).expect("a REST order serializes");
    ///     println!("{} bytes, as `orders/create` would carry them", body.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_as_rest(&self, id: &Gid) -> Result<Option<rest::Order>, Error> {
        let resp = self
            .client
            .execute::<_, OrderAsRestData>(
                &GET_ORDER_AS_REST,
                &json!({ "id": id, "lineItemsAfter": null }),
            )
            .await?;
        let Some(mut order) = resp.data.order else {
            return Ok(None);
        };
        let mut more = Vec::new();
        let mut page_info = order.line_items.page_info.clone();
        while page_info.has_next_page {
            let Some(after) = page_info.end_cursor.take() else {
                return Err(Error::Decode {
                    path: "data.order.lineItems.pageInfo.endCursor".to_owned(),
                    source: <serde_json::Error as serde::de::Error>::custom(
                        "hasNextPage without an endCursor",
                    ),
                });
            };
            let next = self
                .client
                .execute::<_, OrderAsRestData>(
                    &GET_ORDER_AS_REST,
                    &json!({ "id": id, "lineItemsAfter": after }),
                )
                .await?;
            // An order deleted between two pages is gone: none.
            let Some(page) = next.data.order else {
                return Ok(None);
            };
            page_info = page.line_items.page_info;
            more.extend(page.line_items.nodes);
        }
        order.line_items.page_info = page_info;
        order.into_rest(more).map(Some)
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

    /// `orderCancel`: cancels the order as `cancel` says, and returns the id of Shopify's job
    /// that does it (the cancellation runs in the background). An order already cancelled is
    /// refused with a user error. Requires the `write_orders` scope.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::{OrderCancel, OrderCancelReason};
    /// let cancel = OrderCancel::new(OrderCancelReason::Fraud).staff_note("fraud review");
    /// client.orders().cancel(&shopify::Gid::new("Order", 1), &cancel).await?;
    /// # Ok(()) }
    /// ```
    pub async fn cancel(&self, id: &Gid, cancel: &OrderCancel) -> Result<Gid, Error> {
        let variables = json!({
            "orderId": id,
            "reason": cancel.reason,
            "refundMethod": { "originalPaymentMethodsRefund": cancel.refund },
            "restock": cancel.restock,
            "notifyCustomer": cancel.notify_customer,
            "staffNote": cancel.staff_note,
        });
        let p: OrderCancelPayload = self
            .client
            .mutate(&ORDER_CANCEL, "orderCancel", &variables)
            .await?;
        Ok(required(p.job, "data.orderCancel.job")?.id)
    }

    /// `orderInvoiceSend`: e-mails the order's invoice to its customer (or `email.to`), with a
    /// link to pay what it still owes: how a customer whose card was declined pays another way.
    /// Requires the `write_orders` scope. Each call sends an e-mail.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::InvoiceEmail;
    /// let email = InvoiceEmail::with_message("Your card was declined: you can pay here.");
    /// client.orders().send_invoice(&shopify::Gid::new("Order", 1), &email).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_invoice(&self, id: &Gid, email: &InvoiceEmail) -> Result<OrderRef, Error> {
        let p: OrderPayload = self
            .client
            .mutate(
                &ORDER_INVOICE_SEND,
                "orderInvoiceSend",
                &json!({ "id": id, "email": email }),
            )
            .await?;
        required(p.order, "data.orderInvoiceSend.order")
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
