//! Operations, grouped by resource. Each handler borrows the [`Client`]:
//! `client.orders().get(&id)`.

mod customers;
mod fulfillments;
mod metafields;
mod orders;
mod refunds;
mod risk;
mod tags;
mod transactions;

pub use customers::{CUSTOMER_CREATE, CUSTOMER_SET, CUSTOMER_UPDATE, Customers};
pub use fulfillments::{FULFILLMENT_CREATE, Fulfillments, GET_ORDER_FULFILLMENTS};
pub use metafields::{METAFIELDS_SET, METAFIELDS_SET_BATCH, Metafields};
pub use orders::{
    GET_ORDER, GET_ORDER_AS_REST, ORDER_CAPTURE, ORDER_CREATE_MANUAL_PAYMENT, ORDER_MARK_AS_PAID,
    ORDER_UPDATE, ORDERS_UPDATED_SINCE, Orders,
};
pub use refunds::{REFUND_CREATE, Refunds};
pub use risk::{ORDER_RISK_ASSESSMENT_CREATE, RiskAssessments};
pub use tags::{TAGS_ADD, TAGS_REMOVE, Tags};
pub use transactions::{TRANSACTION_VOID, Transactions};

use crate::graphql::{HasUserErrors, Operation, check_user_errors};
use crate::{Client, Error};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Selection of both amounts of a `MoneyBag`, appended to documents that use `...bag`.
macro_rules! bag_fragment {
    () => {
        "\nfragment bag on MoneyBag { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"
    };
}
pub(crate) use bag_fragment;

impl Client {
    /// Orders: get, list updated since, mark as paid, manual payment, capture, note.
    pub fn orders(&self) -> Orders<'_> {
        Orders { client: self }
    }

    /// Transactions: void.
    pub fn transactions(&self) -> Transactions<'_> {
        Transactions { client: self }
    }

    /// Metafields: `metafieldsSet` in batches of 25.
    pub fn metafields(&self) -> Metafields<'_> {
        Metafields { client: self }
    }

    /// Tags on any taggable resource.
    pub fn tags(&self) -> Tags<'_> {
        Tags { client: self }
    }

    /// Refunds with an idempotency key.
    pub fn refunds(&self) -> Refunds<'_> {
        Refunds { client: self }
    }

    /// Fulfillments with tracking.
    pub fn fulfillments(&self) -> Fulfillments<'_> {
        Fulfillments { client: self }
    }

    /// Customers: create, update, set (upsert).
    pub fn customers(&self) -> Customers<'_> {
        Customers { client: self }
    }

    /// Order risk assessments.
    pub fn risk_assessments(&self) -> RiskAssessments<'_> {
        RiskAssessments { client: self }
    }

    /// Runs a mutation whose `data` has one field, `field`, holding a payload
    /// with `userErrors`; non-empty `userErrors` become [`Error::UserErrors`].
    pub(crate) async fn mutate<V, P>(
        &self,
        op: &Operation<'_>,
        field: &'static str,
        variables: &V,
    ) -> Result<P, Error>
    where
        V: Serialize + ?Sized,
        P: DeserializeOwned + HasUserErrors,
    {
        let mut data: BTreeMap<String, Option<P>> = self.execute(op, variables).await?.data;
        let payload = data.remove(field).flatten().ok_or_else(|| Error::Decode {
            path: format!("data.{field}"),
            source: <serde_json::Error as serde::de::Error>::custom("missing mutation payload"),
        })?;
        check_user_errors(field, payload)
    }
}

/// Declares a mutation payload struct with `userErrors`.
macro_rules! payload {
    ($name:ident { $( $field:ident : $ty:ty ),* $(,)? }) => {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub(crate) struct $name {
            $( #[serde(default)] pub(crate) $field: $ty, )*
            #[serde(default)]
            pub(crate) user_errors: Vec<crate::graphql::UserError>,
        }

        impl crate::graphql::HasUserErrors for $name {
            fn user_errors(&self) -> &[crate::graphql::UserError] {
                &self.user_errors
            }
        }
    };
}
pub(crate) use payload;

/// The payload's object, or a decode error naming the missing field.
pub(crate) fn required<T>(value: Option<T>, path: &str) -> Result<T, Error> {
    value.ok_or_else(|| Error::Decode {
        path: path.to_owned(),
        source: <serde_json::Error as serde::de::Error>::custom("null without userErrors"),
    })
}
