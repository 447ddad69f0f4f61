//! GraphQL envelope types: operations, errors, `userErrors`, query cost.

use crate::serde_util::{decimal, decimal_opt};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether an operation may be sent again after an ambiguous failure
/// (timeout, dropped connection, 5xx) where Shopify may already have applied it.
///
/// `429` and `THROTTLED` answers are always retried: Shopify did not run the
/// operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetrySafety {
    /// Queries, and mutations whose repetition has no further effect
    /// (`metafieldsSet`, `tagsAdd`, `orderUpdate`, `refundCreate` with `@idempotent`).
    Idempotent,
    /// Mutations that could act twice (`orderCapture`, `customerCreate`, ...).
    NotIdempotent,
}

/// A GraphQL document with its operation name and the facts the transport needs.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The operation name, which must match the named operation in `document`.
    pub name: &'a str,
    /// The GraphQL document.
    pub document: &'a str,
    /// Expected cost in points, used by the client-side throttle before sending.
    /// Shopify charges 10 points per mutation and about 1 per object in a query.
    pub estimated_cost: u32,
    /// Whether the operation can be retried after an ambiguous failure.
    pub retry: RetrySafety,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestBody<'a, V: ?Sized> {
    pub query: &'a str,
    pub operation_name: &'a str,
    pub variables: &'a V,
}

#[derive(Deserialize)]
pub(crate) struct Envelope {
    /// Kept as text and decoded into the operation's own type afterwards, without an
    /// intermediate `Value`.
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub errors: Vec<GraphqlError>,
    #[serde(default)]
    pub extensions: Option<Extensions>,
}

#[derive(Deserialize)]
pub(crate) struct Extensions {
    #[serde(default)]
    pub cost: Option<QueryCost>,
}

/// The data of a successful GraphQL call and the query cost Shopify reported.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GraphqlResponse<D> {
    /// The typed `data` member.
    pub data: D,
    /// `extensions.cost`, when present.
    pub cost: Option<QueryCost>,
}

/// `extensions.cost` of a GraphQL response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QueryCost {
    /// Cost Shopify computed before running the query.
    #[serde(with = "decimal")]
    pub requested_query_cost: Decimal,
    /// Cost actually charged (null when throttled).
    #[serde(default, with = "decimal_opt")]
    pub actual_query_cost: Option<Decimal>,
    /// The leaky-bucket state after this call.
    #[serde(default)]
    pub throttle_status: Option<ThrottleStatus>,
}

/// `extensions.cost.throttleStatus`: Shopify's leaky bucket for this app and shop.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ThrottleStatus {
    /// Bucket size in points.
    #[serde(with = "decimal")]
    pub maximum_available: Decimal,
    /// Points available now.
    #[serde(with = "decimal")]
    pub currently_available: Decimal,
    /// Points restored per second.
    #[serde(with = "decimal")]
    pub restore_rate: Decimal,
}

/// One entry of a GraphQL response's top-level `errors`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct GraphqlError {
    /// Human-readable message.
    pub message: String,
    /// `extensions`, where Shopify puts the error `code`.
    #[serde(default)]
    pub extensions: Option<GraphqlErrorExtensions>,
    /// Path of the failing field, when given.
    #[serde(default)]
    pub path: Option<Vec<serde_json::Value>>,
}

impl GraphqlError {
    /// The `extensions.code`, e.g. `THROTTLED`, `MAX_COST_EXCEEDED`, `ACCESS_DENIED`.
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.code.as_deref()
    }
}

/// `extensions` of a GraphQL error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct GraphqlErrorExtensions {
    /// Machine-readable code.
    #[serde(default)]
    pub code: Option<String>,
    /// Link to Shopify's documentation of the code.
    #[serde(default)]
    pub documentation: Option<String>,
}

/// An entry of a mutation payload's `userErrors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "amount"]`.
    #[serde(default)]
    pub field: Option<Vec<String>>,
    /// Human-readable message.
    pub message: String,
    /// Error code, on payloads whose user error type has one
    /// (`AMOUNT_EXCEEDS_BALANCE`, `INVALID_VALUE`, ...).
    #[serde(default)]
    pub code: Option<String>,
}

/// A mutation payload that carries `userErrors`.
pub(crate) trait HasUserErrors {
    fn user_errors(&self) -> &[UserError];
}

/// Turns a payload with non-empty `userErrors` into [`crate::Error::UserErrors`].
pub(crate) fn check_user_errors<P: HasUserErrors>(
    operation: &'static str,
    payload: P,
) -> Result<P, crate::Error> {
    if payload.user_errors().is_empty() {
        Ok(payload)
    } else {
        Err(crate::Error::UserErrors {
            operation,
            errors: payload.user_errors().to_vec(),
        })
    }
}
