//! Orders: get, search, comments, hold, unhold, cancel, and recording a failed payment.

use crate::api::Flag;
use crate::client::{Call, Client};
use crate::error::Result;
use crate::models::order::{
    NewOrderComment, Order, OrderComment, OrderStatusEntity, OrderStatusSave, PaymentFailure,
    PaymentFailureRecorded, StatusApplied, StatusHistoryBody, StatusHistoryPayload,
};
use crate::models::search::{Filter, SearchCriteria, SearchResult};

/// Order operations; see [`Client::orders`].
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    client: &'a Client,
}

impl Client {
    /// Order operations.
    pub fn orders(&self) -> Orders<'_> {
        Orders { client: self }
    }
}

impl Orders<'_> {
    /// `GET /V1/orders/{id}`: one order by its `entity_id` (not the customer-facing
    /// `increment_id`; search on `increment_id` to resolve one).
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// let order = client.orders().get(3).await?;
    /// if let Some(address) = order.shipping_address() {
    ///     println!("ship to {:?}", address.street);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, order_id: i64) -> Result<Order> {
        self.client
            .send(Call::get(format!("/orders/{order_id}")))
            .await
    }

    /// Finds an order by its customer-facing number (`increment_id`, e.g. `"000000003"`)
    /// through a one-row search. `Ok(None)` when no order has that number.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// if let Some(order) = client.orders().get_by_increment_id("000000003").await? {
    ///     println!("entity id {:?}", order.entity_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_by_increment_id(&self, increment_id: &str) -> Result<Option<Order>> {
        let criteria = SearchCriteria::new()
            .filter(Filter::eq("increment_id", increment_id))
            .page_size(1);
        let page = self.search(&criteria).await?;
        Ok(page.items.into_iter().next())
    }

    /// Finds the order placed from cart `quote_id` (the order's `quote_id`) through a one-row
    /// search: after a [`Carts::place_order`](crate::api::carts::Carts::place_order) whose
    /// answer was lost, whether the order exists. `Ok(None)` when none was placed from it.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// if let Some(order) = client.orders().get_by_quote_id(12).await? {
    ///     println!("entity id {:?}", order.entity_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_by_quote_id(&self, quote_id: i64) -> Result<Option<Order>> {
        let criteria = SearchCriteria::new()
            .filter(Filter::eq("quote_id", quote_id.to_string()))
            .page_size(1);
        let page = self.search(&criteria).await?;
        Ok(page.items.into_iter().next())
    }

    /// `GET /V1/orders?searchCriteria...`: one page of orders.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{Condition, Direction, Filter, SearchCriteria};
    /// let since = time::macros::datetime!(2026-11-01 00:00 UTC);
    /// let mut criteria = SearchCriteria::new()
    ///     .filter(Filter::timestamp("updated_at", Condition::Gteq, since))
    ///     .sort("updated_at", Direction::Asc)
    ///     .page_size(100);
    /// loop {
    ///     let page = client.orders().search(&criteria).await?;
    ///     for order in &page.items {
    ///         println!("{:?} {:?}", order.increment_id, order.status);
    ///     }
    ///     if page.is_last_page(&criteria) {
    ///         break;
    ///     }
    ///     criteria = criteria.next_page();
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn search(&self, criteria: &SearchCriteria) -> Result<SearchResult<Order>> {
        self.client
            .send(Call::get("/orders").query(criteria.to_query()))
            .await
    }

    /// `GET /V1/orders/{id}/comments`: the order's comments (status history).
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// let comments = client.orders().comments(3).await?;
    /// for c in comments.items {
    ///     println!("{:?}: {:?}", c.created_at, c.comment);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn comments(&self, order_id: i64) -> Result<SearchResult<OrderComment>> {
        self.client
            .send(Call::get(format!("/orders/{order_id}/comments")))
            .await
    }

    /// `POST /V1/orders/{id}/comments`: adds a comment. Returns Magento's boolean answer.
    /// Not retried automatically: a repeat would add the comment twice.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::NewOrderComment;
    /// client.orders().add_comment(3, &NewOrderComment {
    ///     comment: "Captured by Stripe: pi_123".into(),
    ///     status: Some("processing".into()),
    ///     ..NewOrderComment::default()
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_comment(&self, order_id: i64, comment: &NewOrderComment) -> Result<bool> {
        let body = StatusHistoryBody {
            status_history: StatusHistoryPayload {
                comment: &comment.comment,
                is_customer_notified: comment.notify_customer,
                is_visible_on_front: comment.visible_on_front,
                parent_id: order_id,
                status: comment.status.as_deref(),
            },
        };
        let flag: Flag = self
            .client
            .send(Call::post(format!("/orders/{order_id}/comments"), &body)?)
            .await?;
        Ok(flag.value())
    }

    /// `POST /V1/orders/{id}/hold`. `Ok(false)` when Magento did not hold the order.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// let held = client.orders().hold(3).await?;
    /// let released = client.orders().unhold(3).await?;
    /// let canceled = client.orders().cancel(3).await?;
    /// # let _ = (held, released, canceled);
    /// # Ok(()) }
    /// ```
    pub async fn hold(&self, order_id: i64) -> Result<bool> {
        self.action(order_id, "hold").await
    }

    /// `POST /V1/orders/{id}/unhold`. `Ok(false)` when Magento did not release the order.
    pub async fn unhold(&self, order_id: i64) -> Result<bool> {
        self.action(order_id, "unhold").await
    }

    /// `POST /V1/orders/{id}/cancel`. `Ok(false)` when the order cannot be canceled (already
    /// invoiced in full, complete, closed...): that is Magento's answer, not an error.
    pub async fn cancel(&self, order_id: i64) -> Result<bool> {
        self.action(order_id, "cancel").await
    }

    async fn action(&self, order_id: i64, action: &str) -> Result<bool> {
        let flag: Flag = self
            .client
            .send(Call::post(
                format!("/orders/{order_id}/{action}"),
                &serde_json::Map::new(),
            )?)
            .await?;
        Ok(flag.value())
    }

    /// Records a failed payment on the order: a history comment plus the merchant's custom
    /// "payment failed" status.
    ///
    /// Magento has no built-in "Payment Failed" status: the merchant creates one (Stores >
    /// Settings > Order Status) and assigns it to a state, and [`PaymentFailure`] names both.
    /// The steps:
    /// 1. `POST /V1/orders/{id}/comments` with the comment and `status`. Before 2.4.7 this also
    ///    set the order's status. Since 2.4.7 (magento2 commit 632f253, issue #38723) it only
    ///    records the comment.
    /// 2. `GET /V1/orders/{id}?fields=entity_id,state,status` to see what happened.
    /// 3. If the status is not the wanted one, `POST /V1/orders` with
    ///    `{"entity":{"entity_id","state","status"}}` writes state and status on the order.
    ///
    /// The answer says which step applied the status. Nothing is retried automatically. If this
    /// fails half-way, calling it again adds the comment a second time.
    ///
    /// Not confirmed against a live store: whether every 2.4.7+ patch release keeps the comment
    /// from changing the status (a later commit may have restored it), and whether a partial
    /// `POST /V1/orders` entity leaves the other columns alone on every version. Step 2 catches
    /// the first case either way.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{OrderState, PaymentFailure};
    /// let recorded = client.orders().record_payment_failure(3, &PaymentFailure {
    ///     status: "payment_failed".into(),
    ///     state: OrderState::PendingPayment,
    ///     comment: "Stripe declined pi_123: card_declined (insufficient_funds)".into(),
    ///     notify_customer: false,
    /// }).await?;
    /// println!("{:?} -> {:?}", recorded.applied, recorded.status);
    /// # Ok(()) }
    /// ```
    pub async fn record_payment_failure(
        &self,
        order_id: i64,
        failure: &PaymentFailure,
    ) -> Result<PaymentFailureRecorded> {
        self.add_comment(
            order_id,
            &NewOrderComment {
                comment: failure.comment.clone(),
                status: Some(failure.status.clone()),
                notify_customer: failure.notify_customer,
                visible_on_front: false,
            },
        )
        .await?;
        let current: Order = self
            .client
            .send(
                Call::get(format!("/orders/{order_id}"))
                    .query(vec![("fields".into(), "entity_id,state,status".into())]),
            )
            .await?;
        if current.status.as_deref() == Some(failure.status.as_str()) {
            return Ok(PaymentFailureRecorded {
                applied: StatusApplied::ByComment,
                status: current.status,
                state: current.state,
            });
        }
        let body = OrderStatusSave {
            entity: OrderStatusEntity {
                entity_id: order_id,
                state: failure.state.as_str(),
                status: &failure.status,
            },
        };
        let saved: Order = self.client.send(Call::post("/orders", &body)?).await?;
        Ok(PaymentFailureRecorded {
            applied: StatusApplied::ByOrderSave,
            status: saved.status,
            state: saved.state,
        })
    }
}
