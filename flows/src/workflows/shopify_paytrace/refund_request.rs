//! `shopify.refund-request`: a refund asked for outside Shopify (by the ERP, a person, the
//! `payops refund shopify` command), made in Shopify and then run as the refund's own
//! [`RefundFlow`] job.

use std::sync::Arc;

use async_trait::async_trait;
use mapping::shopify::gateway_system;
use mapping::{MappingError, System};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shopify::models::{
    OrderTransaction, OrderTransactionKind, OrderTransactionStatus, RefundInput, TransactionInput,
};
use shopify::rest;
use time::format_description::well_known::Rfc3339;

use super::{REFUNDS_CREATE, RefundFlow, Shared, refund_job};
use crate::StepError;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, Flow, JobKind, Step, StepCtx, decode};
use crate::workflows::RefundRequest;

/// The request checked against the order: what `refundCreate` is sent with.
const CHECKED: Step<Checked> = Step::new("checked", System::Shopify);
/// The refund made in Shopify, as the REST body of its `refunds/create`. Its key is the
/// `refundCreate` idempotency key.
const SHOPIFY_REFUND: Step<rest::Refund> = Step::new("shopify-refund", System::Shopify);

/// The job that runs `request` for `shop` (the shop's domain), as
/// [`super::ShopifyPaytrace::refund_request_job`] builds it, for a caller that has the shop's
/// name and not its clients (the `payops refund shopify` command). Its key is
/// `shopify/{shop}/order/{order id}/refund-request/{request id}`. A blank `request_id`, or an
/// `amount` that is not more than zero, is an error naming the field.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use flows::workflows::shopify_paytrace::{RefundRequest, refund_request_job};
/// let request = RefundRequest::new(1001, "15.00".parse()?, "USD", "CM-2026-0042");
/// let job = refund_request_job("demo.myshopify.com", &request)?;
/// assert_eq!(job.key, "shopify/demo.myshopify.com/order/1001/refund-request/CM-2026-0042");
/// # Ok(()) }
/// ```
pub fn refund_request_job(shop: &str, request: &RefundRequest) -> Result<NewJob, StepError> {
    request.job(
        <RefundRequestFlow as Flow>::KIND,
        &request_key(shop, request)?,
    )
}

/// `shopify/{shop}/order/{order id}/refund-request/{request id}`.
fn request_key(shop: &str, request: &RefundRequest) -> Result<EntityKey, StepError> {
    if shop.trim().is_empty() {
        return Err(MappingError::MissingField {
            field: "shop".to_owned(),
        }
        .into());
    }
    request.key(EntityKey::new(System::Shopify, shop).child(Entity::Order, request.order_id))
}

/// The request as checked against the order.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Checked {
    /// The order's PayTrace sale (or capture) in Shopify: the refund's parent transaction.
    parent: shopify::Gid,
    /// Its gateway name, which the refund transaction must carry.
    gateway: String,
    /// The amount, in the order's currency.
    amount: Decimal,
}

/// A refund asked for outside Shopify ([`RefundRequest`]); one job per request, keyed
/// `shopify/{shop}/order/{order id}/refund-request/{request id}`.
///
/// # Steps
///
/// 1. `checked` (recorded before anything is sent): `amount` is more than zero and exact in
///    `currency` (no more decimals than the currency has), `currency` is the order's (shop and
///    presentment currency: a refund of a multi-currency order is refused, naming `currency`),
///    and `amount` is at most what the order has left to refund (`totalReceivedSet` less
///    `totalRefundedSet`, in the shop's money), naming `amount` otherwise; the refund's parent is
///    the order's first successful sale or capture whose gateway stands for PayTrace
///    ([`super::Config::paytrace_gateway_names`], or a built-in name of PayTrace). A request that
///    fails any of these goes to dead letters and nothing is refunded. The check is recorded so
///    that a run after the refund landed does not refuse the request for the refund it made.
/// 2. `shopify-refund`: Shopify `refundCreate` of `amount` against the parent, with the request's
///    `reason` as its note, and `{entity}/shopify-refund` as its `@idempotent` key: a repeat (a
///    crash before the answer was recorded, a rerun) returns the first refund. The answer is
///    recorded as the REST body of the refund's `refunds/create` (below), written before the
///    next step.
/// 3. The refund's [`RefundFlow`] job: the body is stored in the inbox under the event id
///    `refund-request:refunds/create:{refund id}`, topic `refunds/create`, with the job the
///    `refunds/create` route names for it (the same function plans both). The inbox is unique
///    on the event id and a job on its kind and key, so a repeat stores nothing.
///
/// # One refund at PayTrace, one credit memo
///
/// PayTrace and the ERP are not called here: the refund's own [`RefundFlow`] job does that, the
/// one job Shopify's `refunds/create` webhook about the same refund names
/// (`shopify/{shop}/order/{id}/refund/{refund id}`). Whichever arrives first (this flow's body or
/// the webhook) creates the job, and the second finds it and adds nothing; the job refunds (or
/// voids) at PayTrace and books the ERP credit memo and refund payment exactly once, as for a
/// refund made in Shopify's admin.
///
/// # The body the refund job reads
///
/// [`RefundFlow`] maps the refund from its `refunds/create` body (the REST refund resource), as
/// [`super::ShopifyOrderPoller`] does for orders. `refundCreate` answers in GraphQL; its answer
/// is written back as that body: `id` and `admin_graphql_api_id` (the refund's GID), `order_id`,
/// `note` (the reason), `processed_at` (of its first transaction) and, for each transaction of
/// kind `REFUND`, `id`, `admin_graphql_api_id`, `order_id`, `kind`, `status` and `gateway`
/// (lower-cased as REST writes them), `amount` and `currency` (its shop money: the request is in
/// the order's one currency). That is every field the refund's mapping reads for a refund of an
/// amount without line items ([`mapping::shopify::refund_from_shopify`]). A job the webhook
/// created first reads the webhook's own body instead; both map to the same amount, gateway and
/// status.
#[derive(Clone)]
pub struct RefundRequestFlow(pub(super) Arc<Shared>);

impl std::fmt::Debug for RefundRequestFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefundRequestFlow").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for RefundRequestFlow {
    type Input = RefundRequest;
    const KIND: JobKind = JobKind::new("shopify.refund-request");
    const SYSTEMS: &'static [System] = &[System::Shopify];

    fn entity(&self, input: &RefundRequest) -> Result<EntityKey, StepError> {
        request_key(&self.0.config.shop, input)
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: RefundRequest) -> Result<(), StepError> {
        let shared = &*self.0;
        let order = shopify::Gid::new("Order", input.order_id);
        let checked = ctx
            .once_durable(&CHECKED, || check(shared, &input, &order))
            .await?;
        let key = ctx.key_of(&SHOPIFY_REFUND);
        let refund = ctx
            .once_durable(&SHOPIFY_REFUND, || async {
                let mut refund = RefundInput::new(order.clone());
                refund.note.clone_from(&input.reason);
                refund.transactions.push(TransactionInput::refund(
                    order.clone(),
                    checked.parent.clone(),
                    checked.amount,
                    checked.gateway.clone(),
                ));
                let created = shared.shopify.refunds().create(&refund, &key).await?;
                rest_body(&created, input.order_id, input.reason.as_deref())
            })
            .await?;
        start_refund_job(&self.0, ctx, &refund).await
    }
}

/// Step 1 (see [`RefundRequestFlow`]).
async fn check(
    shared: &Shared,
    input: &RefundRequest,
    order_gid: &shopify::Gid,
) -> Result<Checked, StepError> {
    let currency = input.money()?.currency();
    let Some(order) = shared.shopify.orders().get(order_gid).await? else {
        return Err(MappingError::InvalidValue {
            field: "order_id".to_owned(),
            value: input.order_id.to_string(),
            expected: "an order of the shop",
        }
        .into());
    };
    let presentment = order
        .presentment_currency_code
        .as_deref()
        .unwrap_or(&order.currency_code);
    if order.currency_code != currency.code() || presentment != currency.code() {
        return Err(StepError::permanent(format!(
            "refund request {}: `currency` {} is not the currency of order {} (shop {}, \
             presentment {presentment})",
            input.request_id, input.currency, input.order_id, order.currency_code
        )));
    }
    let shop_money = |bag: Option<&shopify::models::MoneyBag>| {
        bag.map_or(Decimal::ZERO, |b| b.shop_money.amount)
    };
    let refundable = shop_money(order.total_received_set.as_ref())
        - shop_money(order.total_refunded_set.as_ref());
    if input.amount > refundable {
        // Shown in the currency's decimals (for display only; the comparison is exact).
        let mut refundable = refundable;
        refundable.rescale(currency.exponent());
        return Err(StepError::permanent(format!(
            "refund request {}: `amount` {} {} is more than the {refundable} {} order {} has left \
             to refund",
            input.request_id, input.amount, input.currency, input.currency, input.order_id
        )));
    }
    let parent = order
        .transactions
        .iter()
        .find(|t| is_paytrace_payment(shared, t))
        .ok_or_else(|| {
            StepError::permanent(format!(
                "refund request {}: order {} has no successful PayTrace sale or capture in \
                 Shopify's `transactions` to refund",
                input.request_id, input.order_id
            ))
        })?;
    Ok(Checked {
        parent: parent.id.clone(),
        gateway: parent.gateway.clone().unwrap_or_default(),
        amount: input.amount,
    })
}

/// A successful sale or capture through a gateway that stands for PayTrace on this shop.
fn is_paytrace_payment(shared: &Shared, t: &OrderTransaction) -> bool {
    let money_in = matches!(
        t.kind,
        OrderTransactionKind::Sale | OrderTransactionKind::Capture
    );
    let Some(gateway) = t.gateway.as_deref() else {
        return false;
    };
    let paytrace = shared
        .config
        .paytrace_gateway_names
        .iter()
        .any(|name| name == gateway)
        || gateway_system(gateway, &[], "gateway").is_ok_and(|s| s == System::Paytrace);
    money_in && t.status == OrderTransactionStatus::Success && paytrace
}

/// `refundCreate`'s answer as the REST body of its `refunds/create` (see [`RefundRequestFlow`]).
fn rest_body(
    created: &shopify::models::Refund,
    order_id: u64,
    note: Option<&str>,
) -> Result<rest::Refund, StepError> {
    let numeric = |gid: &shopify::Gid, field: &str| {
        gid.numeric_id().ok_or_else(|| {
            StepError::permanent(format!("refundCreate: `{field}` {gid} has no numeric id"))
        })
    };
    let id = numeric(&created.id, "refund.id")?;
    let mut transactions = Vec::new();
    let mut processed_at = None;
    for (i, t) in created.transactions.iter().enumerate() {
        if t.kind != OrderTransactionKind::Refund {
            continue;
        }
        let money = t.amount_set.as_ref().ok_or_else(|| {
            StepError::permanent(format!(
                "refundCreate: `refund.transactions[{i}].amountSet` is missing"
            ))
        })?;
        if processed_at.is_none() {
            processed_at = t.processed_at.and_then(|at| at.format(&Rfc3339).ok());
        }
        transactions.push(json!({
            "id": numeric(&t.id, &format!("refund.transactions[{i}].id"))?,
            "admin_graphql_api_id": t.id,
            "order_id": order_id,
            "kind": "refund",
            "status": t.status.as_str().to_ascii_lowercase(),
            "gateway": t.gateway,
            "amount": money.shop_money.amount.to_string(),
            "currency": money.shop_money.currency_code,
        }));
    }
    let body = json!({
        "id": id,
        "admin_graphql_api_id": created.id,
        "order_id": order_id,
        "note": note,
        "processed_at": processed_at,
        "transactions": transactions,
    });
    let bytes = serde_json::to_vec(&body)
        .map_err(|e| StepError::permanent(format!("refund {id}: REST body: {e}")))?;
    decode(&bytes, "refundCreate refund as refunds/create")
}

/// Step 3 (see [`RefundRequestFlow`]): the refund's body into the inbox with its
/// [`RefundFlow`] job. Not fenced by the run's claim: the inbox is unique on the event id and
/// the job on its kind and key, so a run that lost its claim writes nothing new.
async fn start_refund_job(
    shared: &Arc<Shared>,
    ctx: &StepCtx<'_>,
    refund: &rest::Refund,
) -> Result<(), StepError> {
    let refund_id = refund.id.ok_or_else(|| MappingError::MissingField {
        field: "refund.id".to_owned(),
    })?;
    let body = serde_json::to_vec(refund)
        .map_err(|e| StepError::permanent(format!("refund {refund_id}: REST body: {e}")))?;
    let flow = RefundFlow(Arc::clone(shared));
    super::store_as_delivery(
        ctx.store(),
        &shared.config.shop,
        format!("refund-request:{REFUNDS_CREATE}:{refund_id}"),
        REFUNDS_CREATE,
        body,
        |delivery| refund_job(&flow, delivery),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_request_is_keyed_under_its_order_and_refuses_blank_ids_and_no_money() {
        let request = RefundRequest::new(7, "1.50".parse().unwrap(), "USD", "CM/1");
        let job = refund_request_job("s.myshopify.com", &request).unwrap();
        assert_eq!(job.kind.as_str(), "shopify.refund-request");
        assert_eq!(
            job.key,
            "shopify/s.myshopify.com/order/7/refund-request/CM%2F1"
        );
        assert_eq!(job.payload["amount"], "1.50");

        let blank = RefundRequest::new(7, "1.50".parse().unwrap(), "USD", " ");
        let err = refund_request_job("s.myshopify.com", &blank).unwrap_err();
        assert!(err.to_string().contains("request_id"), "{err}");
        let zero = RefundRequest::new(7, Decimal::ZERO, "USD", "CM-1");
        let err = refund_request_job("s.myshopify.com", &zero).unwrap_err();
        assert!(err.to_string().contains("amount"), "{err}");
    }

    #[test]
    fn the_answer_of_refund_create_becomes_a_refunds_create_body() {
        let created: shopify::models::Refund = serde_json::from_value(json!({
            "id": "gid://shopify/Refund/55",
            "transactions": {"nodes": [{
                "id": "gid://shopify/OrderTransaction/66", "kind": "REFUND", "status": "SUCCESS",
                "gateway": "manual",
                "amountSet": {"shopMoney": {"amount": "15.00", "currencyCode": "USD"}},
            }]},
        }))
        .unwrap();
        let body = rest_body(&created, 9, Some("damaged")).unwrap();
        assert_eq!(body.id, Some(55));
        assert_eq!(body.order_id, Some(9));
        let refund = mapping::shopify::refund_from_shopify(
            &body,
            &mapping::shopify::RefundCtx {
                gateways: &[("manual", System::Paytrace)],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(refund.amount.minor(), 1500);
        assert_eq!(refund.gateway, System::Paytrace);
        assert_eq!(refund.reason.as_deref(), Some("damaged"));
    }
}
