//! `/v1/invoices`: retrieve, list, pay.

use reqwest::Method;
use serde::Serialize;

use super::{CollectionMethod, PaymentOutcome, handler, into_outcome, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Invoice, InvoiceStatus};

handler! {
    /// Invoices.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{PayInvoice, PaymentOutcome};
    /// match client.invoices().pay("in_123", &PayInvoice::default()).await? {
    ///     PaymentOutcome::Completed(invoice) => println!("paid: {}", invoice.is_paid()),
    ///     PaymentOutcome::Declined(d) => println!("declined: {:?}", d.error.decline_code),
    /// }
    /// # Ok(()) }
    /// ```
    InvoicesApi, invoices
}

list_ops!(InvoicesApi, ListInvoices, Invoice, ["v1", "invoices"]);

impl<E> InvoicesApi<'_, E> {
    /// `GET /v1/invoices/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Invoice, Error> {
        self.client
            .call(Method::GET, &["v1", "invoices", id], &(), &self.opts)
            .await
    }

    /// `POST /v1/invoices/{id}/pay`. A card decline is returned as
    /// [`PaymentOutcome::Declined`].
    pub async fn pay(
        &self,
        id: &str,
        params: &PayInvoice,
    ) -> Result<PaymentOutcome<Invoice>, Error> {
        into_outcome(
            self.client
                .call(
                    Method::POST,
                    &["v1", "invoices", id, "pay"],
                    params,
                    &self.opts,
                )
                .await,
        )
    }
}

/// Parameters of `POST /v1/invoices/{id}/pay`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PayInvoice {
    /// Forgive the difference when the source cannot pay the full amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forgive: Option<bool>,
    /// The customer is not present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_session: Option<bool>,
    /// Mark as paid outside Stripe (cash, cheque) without charging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_out_of_band: Option<bool>,
    /// PaymentMethod id to charge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
}

/// Filters of `GET /v1/invoices`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListInvoices {
    /// Only this customer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Only this subscription's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// Only this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<InvoiceStatus>,
    /// Only invoices paid this way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_method: Option<CollectionMethod>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}
