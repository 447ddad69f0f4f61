//! Invoices: create (with or without online capture) and get.

use crate::api::Id;
use crate::client::{Call, Client};
use crate::error::Result;
use crate::models::invoice::{CreateInvoice, Invoice};

/// Invoice operations; see [`Client::invoices`].
#[derive(Debug, Clone, Copy)]
pub struct Invoices<'a> {
    client: &'a Client,
}

impl Client {
    /// Invoice operations.
    pub fn invoices(&self) -> Invoices<'_> {
        Invoices { client: self }
    }
}

impl Invoices<'_> {
    /// `POST /V1/order/{orderId}/invoice`: invoices the order and returns the new invoice id.
    ///
    /// Never retried automatically: after a timeout the invoice may exist, so read the order
    /// (`total_invoiced`, `state`) before trying again.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{CreateInvoice, DocumentComment};
    /// let invoice_id = client.invoices().create(3, &CreateInvoice {
    ///     capture: false,
    ///     notify: true,
    ///     comment: Some(DocumentComment::internal("Paid by Stripe pi_123")),
    ///     ..CreateInvoice::default()
    /// }).await?;
    /// let invoice = client.invoices().get(invoice_id).await?;
    /// assert!(invoice.is_paid());
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, order_id: i64, invoice: &CreateInvoice) -> Result<i64> {
        let id: Id = self
            .client
            .send(Call::post(format!("/order/{order_id}/invoice"), invoice)?)
            .await?;
        Ok(id.0)
    }

    /// `GET /V1/invoices/{id}`.
    pub async fn get(&self, invoice_id: i64) -> Result<Invoice> {
        self.client
            .send(Call::get(format!("/invoices/{invoice_id}")))
            .await
    }
}
