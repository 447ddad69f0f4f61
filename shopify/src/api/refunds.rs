use super::{bag_fragment, payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::{Refund, RefundInput};
use crate::{Client, Error};
use serde_json::json;

/// Refund operations. Get one with [`Client::refunds`].
#[derive(Debug, Clone, Copy)]
pub struct Refunds<'a> {
    pub(crate) client: &'a Client,
}

/// `refundCreate` with `@idempotent(key:)`, mandatory from API 2026-04
/// (<https://shopify.dev/changelog/making-idempotency-mandatory-for-inventory-adjustments-and-refund-mutations>).
/// The key is passed as a variable, which the GraphQL spec allows for
/// directive arguments.
pub const REFUND_CREATE: Operation<'static> = Operation {
    name: "refundCreate",
    document: concat!(
        "mutation refundCreate($input: RefundInput!, $idempotencyKey: String!) { ",
        "refundCreate(input: $input) @idempotent(key: $idempotencyKey) { ",
        "refund { id totalRefundedSet { ...bag } transactions(first: 10) { nodes { id kind status gateway amountSet { ...bag } } } } ",
        "userErrors { field message } } }",
        bag_fragment!()
    ),
    estimated_cost: 20,
    // The idempotency key makes a repeated request return the first result.
    retry: RetrySafety::Idempotent,
};

payload!(RefundPayload { refund: Option<Refund> });

impl Refunds<'_> {
    /// `refundCreate`. Derive `idempotency_key` from the source event (for
    /// example `shopify/{shop}/order/{id}/refund/{n}`) and reuse it on every
    /// retry, so a refund is never issued twice.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::{RefundInput, TransactionInput};
    /// let order = shopify::Gid::new("Order", 1);
    /// let mut input = RefundInput::new(order.clone());
    /// input.transactions.push(TransactionInput::refund(
    ///     order,
    ///     shopify::Gid::new("OrderTransaction", 2),
    ///     "5.00".parse().unwrap(),
    ///     "paytrace",
    /// ));
    /// let refund = client.refunds().create(&input, "order-1-refund-1").await?;
    /// println!("{}", refund.id);
    /// # Ok(()) }
    /// ```
    pub async fn create(
        &self,
        input: &RefundInput,
        idempotency_key: &str,
    ) -> Result<Refund, Error> {
        if idempotency_key.is_empty() {
            return Err(Error::Config(
                "refundCreate needs a non-empty idempotency key".into(),
            ));
        }
        let p: RefundPayload = self
            .client
            .mutate(
                &REFUND_CREATE,
                "refundCreate",
                &json!({ "input": input, "idempotencyKey": idempotency_key }),
            )
            .await?;
        required(p.refund, "data.refundCreate.refund")
    }
}
