//! The operations, one handler per resource (`client.payment_intents()`, `client.refunds()`...),
//! with their parameter structs.
//!
//! A handler carries per-request options: [`idempotency_key`](PaymentIntentsApi::idempotency_key),
//! [`stripe_account`](PaymentIntentsApi::stripe_account) and
//! [`expand`](PaymentIntentsApi::expand).

mod balance_transactions;
mod charges;
mod customers;
mod disputes;
mod early_fraud_warnings;
mod events;
mod invoices;
mod payment_intents;
mod payment_methods;
mod payouts;
mod refunds;
mod subscriptions;

pub use balance_transactions::*;
pub use charges::*;
pub use customers::*;
pub use disputes::*;
pub use early_fraud_warnings::*;
pub use events::*;
pub use invoices::*;
pub use payment_intents::*;
pub use payment_methods::*;
pub use payouts::*;
pub use refunds::*;
pub use subscriptions::*;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Client, RequestOptions};
use crate::error::{ApiError, Error, ErrorType};
use crate::form;

/// The result of an operation that moves money: either it went through (whatever the object's
/// status, e.g. `requires_action`) or the card was declined.
///
/// A decline is Stripe's HTTP 402 `card_error`; it is data, not an [`Error`]. The
/// [`ApiError`] carries `code`, `decline_code`, `message`, the charge id and, on
/// PaymentIntent confirmation, the PaymentIntent itself.
#[derive(Debug, Clone)]
pub enum PaymentOutcome<T> {
    /// Stripe accepted the request.
    Completed(T),
    /// The card or issuer declined the payment.
    Declined(Box<ApiError>),
}

impl<T> PaymentOutcome<T> {
    /// The object, unless the payment was declined.
    pub fn completed(self) -> Option<T> {
        match self {
            PaymentOutcome::Completed(t) => Some(t),
            PaymentOutcome::Declined(_) => None,
        }
    }

    /// The decline, if the payment was declined.
    pub fn declined(&self) -> Option<&ApiError> {
        match self {
            PaymentOutcome::Completed(_) => None,
            PaymentOutcome::Declined(e) => Some(e),
        }
    }
}

fn into_outcome<T>(result: Result<T, Error>) -> Result<PaymentOutcome<T>, Error> {
    match result {
        Ok(t) => Ok(PaymentOutcome::Completed(t)),
        Err(Error::Api(e))
            if e.status == 402 && e.error.error_type == Some(ErrorType::CardError) =>
        {
            Ok(PaymentOutcome::Declined(e))
        }
        Err(e) => Err(e),
    }
}

impl Client {
    async fn call<T: DeserializeOwned, P: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        params: &P,
        opts: &RequestOptions,
    ) -> Result<T, Error> {
        let pairs = form::to_pairs(params)?;
        self.request(method, segments, pairs, opts).await
    }
}

/// Defines a resource handler and its accessor on [`Client`].
macro_rules! handler {
    ($(#[$meta:meta])* $name:ident, $accessor:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name<'a> {
            client: &'a crate::Client,
            opts: crate::RequestOptions,
        }

        impl crate::Client {
            #[doc = concat!("Operations of [`", stringify!($name), "`].")]
            pub fn $accessor(&self) -> $name<'_> {
                $name {
                    client: self,
                    opts: crate::RequestOptions::default(),
                }
            }
        }

        impl $name<'_> {
            /// Sets the `Idempotency-Key` of the POST made through this handler (otherwise a
            /// random one is generated per call). Derive it from the source event, e.g.
            /// `magento/order/1001/payment`, so a replayed job cannot pay twice.
            pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
                self.opts.idempotency_key = Some(key.into());
                self
            }

            /// Makes the request on behalf of a connected account (`Stripe-Account: acct_...`).
            pub fn stripe_account(mut self, account: impl Into<String>) -> Self {
                self.opts.stripe_account = Some(account.into());
                self
            }

            /// Expands fields of the response (`latest_charge`, or `data.customer` for lists).
            pub fn expand<I, S>(mut self, fields: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.opts.expand.extend(fields.into_iter().map(Into::into));
                self
            }

            /// Replaces all per-request options at once.
            pub fn options(mut self, opts: crate::RequestOptions) -> Self {
                self.opts = opts;
                self
            }
        }
    };
}
pub(crate) use handler;

/// Implements `list` (one page) and `list_all` (a stream) for a handler.
macro_rules! list_ops {
    ($name:ident, $params:ty, $item:ty, [$($seg:literal),+]) => {
        impl $name<'_> {
            /// One page of the list.
            pub async fn list(&self, params: &$params) -> Result<crate::List<$item>, crate::Error> {
                self.client
                    .call(reqwest::Method::GET, &[$($seg),+], params, &self.opts)
                    .await
            }

            /// Every object matching `params`, as a stream that follows `starting_after`.
            pub fn list_all(&self, params: &$params) -> Result<crate::ListStream<$item>, crate::Error> {
                Ok(crate::list::paginate(
                    self.client.clone(),
                    vec![$($seg.to_owned()),+],
                    crate::form::to_pairs(params)?,
                    self.opts.clone(),
                    crate::list::Cursor::StartingAfter,
                ))
            }
        }
    };
}
pub(crate) use list_ops;
