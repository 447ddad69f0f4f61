//! The operations, one handler per resource (`client.payment_intents()`, `client.refunds()`...),
//! with their parameter structs.
//!
//! A handler carries per-request options: [`idempotency_key`](PaymentIntentsApi::idempotency_key),
//! [`stripe_account`](PaymentIntentsApi::stripe_account) and
//! [`expand`](PaymentIntentsApi::expand).
//!
//! Parameter structs are request types: they hold only what the operation accepts in API version
//! `2026-10-28.endive` (checked field by field, nested ones included, by the crate's contract
//! test against the `stripe` 16.1.0 package on PyPI, which describes that version). Where a
//! request differs from the object Stripe returns, the request has its own type:
//! [`CustomerShipping`] vs [`PaymentIntentShipping`] vs the response's `Shipping`,
//! [`CancelPaymentIntentReason`] and [`CreateRefundReason`] without the values only Stripe sets,
//! [`CreateSubscriptionItem`] vs [`UpdateSubscriptionItem`], [`UpdateDisputeEvidence`] (file ids)
//! vs the response's `DisputeEvidence`. Request enums are closed (`ALL` lists their values):
//! a value the API does not take cannot be built.

mod balance_transactions;
mod charges;
mod credit_notes;
mod customers;
mod disputes;
mod early_fraud_warnings;
mod events;
mod invoices;
mod payment_intents;
mod payment_methods;
mod payouts;
mod prices;
mod products;
mod refunds;
mod subscriptions;
mod test_clocks;

pub use balance_transactions::*;
pub use charges::*;
pub use credit_notes::*;
pub use customers::*;
pub use disputes::*;
pub use early_fraud_warnings::*;
pub use events::*;
pub use invoices::*;
pub use payment_intents::*;
pub use payment_methods::*;
pub use payouts::*;
pub use prices::*;
pub use products::*;
pub use refunds::*;
pub use subscriptions::*;
pub use test_clocks::*;

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

/// Handler state: no `expand` given. Every operation is available, including those that take no
/// `expand` (`DELETE /v1/customers/{id}`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExpand;

/// Handler state after [`expand`](PaymentIntentsApi::expand) or
/// [`options`](PaymentIntentsApi::options): the operations that take no `expand` are not
/// available, so the client cannot send a parameter the API refuses.
#[derive(Debug, Clone, Copy, Default)]
pub struct MayExpand;

/// Defines a resource handler and its accessor on [`Client`].
///
/// The handler's second type parameter is [`NoExpand`] until `expand` (or `options`) is called,
/// then [`MayExpand`].
macro_rules! handler {
    ($(#[$meta:meta])* $name:ident, $accessor:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name<'a, E = crate::NoExpand> {
            client: &'a crate::Client,
            opts: crate::RequestOptions,
            state: ::std::marker::PhantomData<E>,
        }

        impl crate::Client {
            #[doc = concat!("Operations of [`", stringify!($name), "`].")]
            pub fn $accessor(&self) -> $name<'_> {
                $name {
                    client: self,
                    opts: crate::RequestOptions::default(),
                    state: ::std::marker::PhantomData,
                }
            }
        }

        impl<'a, E> $name<'a, E> {
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
            /// Operations that take no `expand` are then unavailable
            /// (see [`MayExpand`](crate::MayExpand)).
            pub fn expand<I, S>(mut self, fields: I) -> $name<'a, crate::MayExpand>
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.opts.expand.extend(fields.into_iter().map(Into::into));
                $name {
                    client: self.client,
                    opts: self.opts,
                    state: ::std::marker::PhantomData,
                }
            }

            /// Replaces all per-request options at once. As they may carry `expand`, operations
            /// that take none are then unavailable (see [`MayExpand`](crate::MayExpand)).
            pub fn options(self, opts: crate::RequestOptions) -> $name<'a, crate::MayExpand> {
                $name {
                    client: self.client,
                    opts,
                    state: ::std::marker::PhantomData,
                }
            }
        }
    };
}
pub(crate) use handler;

/// Implements `list` (one page) and `list_all` (a stream) for a handler.
macro_rules! list_ops {
    ($name:ident, $params:ty, $item:ty, [$($seg:literal),+]) => {
        impl<E> $name<'_, E> {
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

/// Defines a closed request enum: only the values the API accepts for a parameter, serialized as
/// Stripe writes them, with `ALL` listing them (the contract test sends each one).
macro_rules! request_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The value as Stripe writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use request_enum;
