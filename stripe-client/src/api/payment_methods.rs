//! `/v1/payment_methods`: attach, retrieve, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::PageParams;
use crate::models::PaymentMethod;

handler! {
    /// PaymentMethods.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::ListPaymentMethods;
    /// client.payment_methods().attach("pm_123", "cus_123").await?;
    /// let cards = client
    ///     .payment_methods()
    ///     .list(&ListPaymentMethods {
    ///         customer: Some("cus_123".into()),
    ///         method_type: Some("card".into()),
    ///         ..ListPaymentMethods::default()
    ///     })
    ///     .await?;
    /// println!("{} cards", cards.data.len());
    /// # Ok(()) }
    /// ```
    PaymentMethodsApi, payment_methods
}

list_ops!(
    PaymentMethodsApi,
    ListPaymentMethods,
    PaymentMethod,
    ["v1", "payment_methods"]
);

impl<E> PaymentMethodsApi<'_, E> {
    /// `GET /v1/payment_methods/{id}`: a PaymentMethod, with its card's `fingerprint`.
    pub async fn retrieve(&self, id: &str) -> Result<PaymentMethod, Error> {
        self.client
            .call(Method::GET, &["v1", "payment_methods", id], &(), &self.opts)
            .await
    }

    /// `POST /v1/payment_methods/{id}/attach`: attaches a PaymentMethod to a customer.
    pub async fn attach(&self, id: &str, customer: &str) -> Result<PaymentMethod, Error> {
        #[derive(Serialize)]
        struct Attach<'a> {
            customer: &'a str,
        }
        self.client
            .call(
                Method::POST,
                &["v1", "payment_methods", id, "attach"],
                &Attach { customer },
                &self.opts,
            )
            .await
    }
}

/// Filters of `GET /v1/payment_methods`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListPaymentMethods {
    /// Only this customer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Only this type (`card`, ...).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub method_type: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}
