//! Credit memos: offline refunds through the order, online refunds through the invoice.

use crate::api::Id;
use crate::client::{Call, Client};
use crate::error::Result;
use crate::models::creditmemo::{InvoiceRefundBody, Refund};

/// Credit memo operations; see [`Client::credit_memos`].
#[derive(Debug, Clone, Copy)]
pub struct CreditMemos<'a> {
    client: &'a Client,
}

impl Client {
    /// Credit memo (refund) operations.
    pub fn credit_memos(&self) -> CreditMemos<'_> {
        CreditMemos { client: self }
    }
}

impl CreditMemos<'_> {
    /// `POST /V1/order/{orderId}/refund`: an offline refund (the money goes back outside
    /// Magento, e.g. through Stripe directly). Returns the credit memo id.
    ///
    /// Never retried automatically: after a timeout the credit memo may exist, so read the
    /// order (`total_refunded`) before trying again.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{ItemQty, Refund, RefundArguments};
    /// use rust_decimal::Decimal;
    /// let refund = Refund {
    ///     items: vec![ItemQty::new(3, 1)],
    ///     notify: true,
    ///     arguments: Some(RefundArguments {
    ///         shipping_amount: Some(Decimal::ZERO),
    ///         ..RefundArguments::default()
    ///     }),
    ///     ..Refund::default()
    /// };
    /// let offline = client.credit_memos().refund_offline(3, &refund).await?;
    /// let online = client.credit_memos().refund_online(7, &refund).await?;
    /// # let _ = (offline, online);
    /// # Ok(()) }
    /// ```
    pub async fn refund_offline(&self, order_id: i64, refund: &Refund) -> Result<i64> {
        let id: Id = self
            .client
            .send(Call::post(format!("/order/{order_id}/refund"), refund)?)
            .await?;
        Ok(id.0)
    }

    /// `POST /V1/invoice/{invoiceId}/refund` with `isOnline: true`: refunds through the
    /// payment method that captured the invoice. Returns the credit memo id. Same retry
    /// caveat as [`refund_offline`](Self::refund_offline).
    pub async fn refund_online(&self, invoice_id: i64, refund: &Refund) -> Result<i64> {
        let id: Id = self
            .client
            .send(Call::post(
                format!("/invoice/{invoice_id}/refund"),
                &InvoiceRefundBody::online(refund),
            )?)
            .await?;
        Ok(id.0)
    }
}
