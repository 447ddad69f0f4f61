use super::{bag_fragment, payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::OrderTransaction;
use crate::{Client, Error, Gid};
use serde_json::json;

/// Transaction operations. Get one with [`Client::transactions`].
#[derive(Debug, Clone, Copy)]
pub struct Transactions<'a> {
    pub(crate) client: &'a Client,
}

/// `transactionVoid`.
pub const TRANSACTION_VOID: Operation<'static> = Operation {
    name: "transactionVoid",
    document: concat!(
        "mutation transactionVoid($parentTransactionId: ID!) { transactionVoid(parentTransactionId: $parentTransactionId) { ",
        "transaction { id kind status gateway errorCode parentTransaction { id } amountSet { ...bag } } ",
        "userErrors { field message code } } }",
        bag_fragment!()
    ),
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

payload!(VoidPayload { transaction: Option<OrderTransaction> });

impl Transactions<'_> {
    /// `transactionVoid`: voids an uncaptured authorization.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let void = client.transactions().void(&shopify::Gid::new("OrderTransaction", 2)).await?;
    /// println!("{:?}", void.status);
    /// # Ok(()) }
    /// ```
    pub async fn void(&self, parent_transaction_id: &Gid) -> Result<OrderTransaction, Error> {
        let p: VoidPayload = self
            .client
            .mutate(
                &TRANSACTION_VOID,
                "transactionVoid",
                &json!({ "parentTransactionId": parent_transaction_id }),
            )
            .await?;
        required(p.transaction, "data.transactionVoid.transaction")
    }
}
