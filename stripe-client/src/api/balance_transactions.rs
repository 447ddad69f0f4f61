//! `/v1/balance_transactions`: retrieve, list (e.g. the transactions of one payout).

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{BalanceTransaction, BalanceTransactionType, Currency};

handler! {
    /// BalanceTransactions: the ledger lines behind payouts, for reconciliation.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use futures::TryStreamExt;
    /// use stripe_client::ListBalanceTransactions;
    /// let lines: Vec<_> = client
    ///     .balance_transactions()
    ///     .list_all(&ListBalanceTransactions::for_payout("po_123"))?
    ///     .try_collect()
    ///     .await?;
    /// let fees: i64 = lines.iter().map(|t| t.fee).sum();
    /// println!("{} lines, fees {}", lines.len(), fees);
    /// # Ok(()) }
    /// ```
    BalanceTransactionsApi, balance_transactions
}

list_ops!(
    BalanceTransactionsApi,
    ListBalanceTransactions,
    BalanceTransaction,
    ["v1", "balance_transactions"]
);

impl<E> BalanceTransactionsApi<'_, E> {
    /// `GET /v1/balance_transactions/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<BalanceTransaction, Error> {
        self.client
            .call(
                Method::GET,
                &["v1", "balance_transactions", id],
                &(),
                &self.opts,
            )
            .await
    }
}

/// Filters of `GET /v1/balance_transactions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListBalanceTransactions {
    /// Only transactions paid out in this (automatic) payout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payout: Option<String>,
    /// Only transactions caused by this object (a charge id, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Only this type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<BalanceTransactionType>,
    /// Only this currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

impl ListBalanceTransactions {
    /// The transactions of one payout.
    pub fn for_payout(payout: impl Into<String>) -> Self {
        ListBalanceTransactions {
            payout: Some(payout.into()),
            ..Self::default()
        }
    }
}
