//! The GraphQL operations the `shopify` client sends, dispatched on the operation name,
//! reading their variables and answering in the response shapes the client parses.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::rest;
use super::state::{
    Address, Customer, FinancialStatus, Fulfillment, LineItem, Metafield, Order, Refund,
    RefundLine, RiskAssessment, RiskFact, State, Transaction, TransactionKind, TransactionStatus,
};
use super::util::{gid, gql_amount, gql_time, parse_any_gid, parse_gid, parse_time};

/// Most items a connection returns per page.
const MAX_PAGE: u64 = 250;
/// Most metafields per `metafieldsSet`.
const MAX_METAFIELDS: usize = 25;
/// Most facts per risk assessment.
const MAX_FACTS: usize = 20;

/// A webhook to send once the state lock is released: topic and REST payload.
pub(crate) type Pending = (String, Value);

/// What running one operation produced.
pub(crate) struct Exec {
    /// `Ok(data)` or top-level GraphQL errors.
    pub(crate) result: Result<Value, Vec<Value>>,
    /// Points actually spent.
    pub(crate) actual: u32,
    /// Webhooks to send.
    pub(crate) webhooks: Vec<Pending>,
}

impl Exec {
    fn data(field: &str, payload: Value, actual: u32) -> Self {
        let mut data = Map::new();
        data.insert(field.to_owned(), payload);
        Self {
            result: Ok(Value::Object(data)),
            actual,
            webhooks: Vec::new(),
        }
    }

    fn errors(errors: Vec<Value>) -> Self {
        Self {
            result: Err(errors),
            actual: 1,
            webhooks: Vec::new(),
        }
    }

    fn with(mut self, webhooks: Vec<Pending>) -> Self {
        self.webhooks = webhooks;
        self
    }
}

/// The operation name of a document: `operationName`, else the first `query X`/`mutation X`.
pub(crate) fn operation_name(operation_name: Option<&str>, query: &str) -> Option<String> {
    if let Some(name) = operation_name.filter(|n| !n.is_empty()) {
        return Some(name.to_owned());
    }
    let trimmed = query.trim_start();
    let rest = trimmed
        .strip_prefix("mutation")
        .or_else(|| trimmed.strip_prefix("query"))?;
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Requested cost of an operation before it runs (the fake's approximation of Shopify's
/// calculation: 10 per mutation, about one point per object a query may return).
pub(crate) fn requested_cost(op: &str, vars: &Value) -> u32 {
    match op {
        "getOrder" => 120,
        "getOrderAsRest" => 600,
        "getOrderFulfillments" => 60,
        "ordersUpdatedSince" => {
            let first = vars
                .get("first")
                .and_then(Value::as_u64)
                .unwrap_or(MAX_PAGE)
                .min(MAX_PAGE);
            u32::try_from(first).unwrap_or(250) + 2
        }
        "refundCreate" => 20,
        "orderMarkAsPaid"
        | "orderCreateManualPayment"
        | "orderCapture"
        | "orderUpdate"
        | "orderCancel"
        | "orderInvoiceSend"
        | "transactionVoid"
        | "metafieldsSet"
        | "tagsAdd"
        | "tagsRemove"
        | "fulfillmentCreate"
        | "customerCreate"
        | "customerUpdate"
        | "customerSet"
        | "customerDelete"
        | "orderRiskAssessmentCreate" => 10,
        _ => 1,
    }
}

// ---------------------------------------------------------------- errors

fn gql_error(message: &str, code: &str) -> Value {
    json!({"message": message, "extensions": {"code": code}})
}

/// Shopify's answer to a variable of the wrong type or value.
fn invalid_variable(name: &str, ty: &str, value: &Value, explanation: &str) -> Value {
    json!({
        "message": format!("Variable ${name} of type {ty} was provided invalid value"),
        "locations": [{"line": 1, "column": 1}],
        "extensions": {"value": value, "problems": [{"path": [], "explanation": explanation}]},
    })
}

fn user_error(field: &[&str], message: &str, code: Option<&str>) -> Value {
    let mut e = json!({"field": field, "message": message});
    if let (Some(code), Some(obj)) = (code, e.as_object_mut()) {
        obj.insert("code".into(), json!(code));
    }
    e
}

fn rejected(field: &str, object: &str, errors: Vec<Value>) -> Exec {
    let mut payload = Map::new();
    payload.insert(object.to_owned(), Value::Null);
    payload.insert("userErrors".to_owned(), Value::Array(errors));
    Exec::data(field, Value::Object(payload), 10)
}

fn accepted(field: &str, object: &str, value: Value) -> Exec {
    let mut payload = Map::new();
    payload.insert(object.to_owned(), value);
    payload.insert("userErrors".to_owned(), json!([]));
    Exec::data(field, Value::Object(payload), 10)
}

// ---------------------------------------------------------------- variables

type VarResult<T> = Result<T, Value>;

fn field<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn required<'a>(vars: &'a Value, name: &str, ty: &str) -> VarResult<&'a Value> {
    field(vars, name).ok_or_else(|| {
        json!({
            "message": format!("Variable ${name} of type {ty} was provided invalid value"),
            "locations": [{"line": 1, "column": 1}],
            "extensions": {"value": null, "problems": [{"path": [], "explanation": "Expected value to not be null"}]},
        })
    })
}

fn opt_str(obj: &Value, name: &str) -> Option<String> {
    field(obj, name).and_then(Value::as_str).map(str::to_owned)
}

fn str_list(v: Option<&Value>) -> Option<Vec<String>> {
    let arr = v?.as_array()?;
    arr.iter().map(|x| x.as_str().map(str::to_owned)).collect()
}

/// A GID of `resource` from a variable, or an invalid-variable error.
fn gid_var(var: &str, ty: &str, value: &Value, resource: &str) -> VarResult<u64> {
    let s = value
        .as_str()
        .ok_or_else(|| invalid_variable(var, ty, value, "Could not coerce value to ID"))?;
    match parse_gid(s, resource) {
        Some(id) => Ok(id),
        None if parse_any_gid(s).is_some() => Ok(0),
        None => Err(invalid_variable(
            var,
            ty,
            value,
            &format!("Invalid global id '{s}'"),
        )),
    }
}

/// A decimal from a string or a number.
fn decimal_var(var: &str, value: &Value) -> VarResult<Decimal> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(invalid_variable(
                var,
                "Decimal!",
                value,
                "Could not coerce value to Decimal",
            ));
        }
    };
    let d: Decimal = text.trim().parse().map_err(|_| {
        invalid_variable(var, "Decimal!", value, "Could not coerce value to Decimal")
    })?;
    if d.normalize().scale() > 2 {
        return Err(invalid_variable(
            var,
            "Decimal!",
            value,
            "Amount has more than two decimals",
        ));
    }
    Ok(d)
}

// ---------------------------------------------------------------- rendering

fn bag(amount: Decimal, currency: &str) -> Value {
    let m = json!({"amount": gql_amount(amount), "currencyCode": currency});
    json!({"shopMoney": m.clone(), "presentmentMoney": m})
}

fn transaction_json(t: &Transaction, currency: &str) -> Value {
    json!({
        "id": gid("OrderTransaction", t.id),
        "kind": t.kind.graphql(),
        "status": t.status.graphql(),
        "gateway": t.gateway,
        "authorizationCode": t.authorization_code,
        "errorCode": t.error_code,
        "test": t.test,
        "processedAt": gql_time(t.created_at_ms),
        "createdAt": gql_time(t.created_at_ms),
        "parentTransaction": t.parent_id.map(|p| json!({"id": gid("OrderTransaction", p)})),
        "amountSet": bag(t.amount, currency),
    })
}

fn metafield_json(m: &Metafield) -> Value {
    json!({
        "id": gid("Metafield", m.id), "namespace": m.namespace, "key": m.key, "value": m.value,
        "type": m.kind, "compareDigest": m.compare_digest(),
    })
}

fn order_json(o: &Order) -> Value {
    let cur = o.currency.as_str();
    let assessments: Vec<Value> = o
        .risk_assessments
        .iter()
        .map(|a| {
            json!({
                "riskLevel": a.risk_level,
                "provider": a.provider.as_ref().map(|t| json!({"title": t})),
                "facts": a.facts.iter().map(|f| json!({"description": f.description, "sentiment": f.sentiment})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": gid("Order", o.id),
        "legacyResourceId": o.id.to_string(),
        "name": o.name,
        "email": o.email,
        "createdAt": gql_time(o.created_at_ms),
        "updatedAt": gql_time(o.updated_at_ms),
        "processedAt": gql_time(o.created_at_ms),
        "cancelledAt": o.cancelled_at_ms.map(gql_time),
        "displayFinancialStatus": o.financial_status().graphql(),
        "displayFulfillmentStatus": o.fulfillment_status(),
        "currencyCode": cur,
        "presentmentCurrencyCode": cur,
        "totalPriceSet": bag(o.total(), cur),
        "currentTotalPriceSet": bag(o.current_total(), cur),
        "totalOutstandingSet": bag(o.outstanding(), cur),
        "totalReceivedSet": bag(o.received(), cur),
        "totalRefundedSet": bag(o.refunded(), cur),
        "note": o.note,
        "tags": o.tags,
        "test": o.test,
        "transactions": o.transactions.iter().take(50).map(|t| transaction_json(t, cur)).collect::<Vec<_>>(),
        "risk": {"recommendation": o.risk_recommendation(), "assessments": assessments},
        "metafields": {"nodes": o.metafields.iter().take(50).map(metafield_json).collect::<Vec<_>>()},
    })
}

fn order_ref(o: &Order) -> Value {
    json!({
        "id": gid("Order", o.id),
        "displayFinancialStatus": o.financial_status().graphql(),
        "totalOutstandingSet": bag(o.outstanding(), &o.currency),
        "note": o.note,
        "tags": o.tags,
    })
}

fn customer_json(c: &Customer) -> Value {
    json!({
        "id": gid("Customer", c.id),
        "email": c.email.as_ref().map(|e| json!({"emailAddress": e})),
        "firstName": c.first_name,
        "lastName": c.last_name,
        "tags": c.tags,
    })
}

fn refund_json(r: &Refund, o: &Order) -> Value {
    let txns: Vec<&Transaction> = r
        .transaction_ids
        .iter()
        .filter_map(|id| o.transactions.iter().find(|t| t.id == *id))
        .collect();
    let total: Decimal = txns
        .iter()
        .filter(|t| t.status == TransactionStatus::Success)
        .map(|t| t.amount)
        .sum();
    json!({
        "id": gid("Refund", r.id),
        "totalRefundedSet": bag(total, &o.currency),
        "transactions": {"nodes": txns.iter().take(10).map(|t| transaction_json(t, &o.currency)).collect::<Vec<_>>()},
    })
}

// ---------------------------------------------------------------- dispatch

/// Runs operation `op` against the state.
pub(crate) fn run(st: &mut State, op: &str, vars: &Value, query: &str, api_version: &str) -> Exec {
    let result = match op {
        "getOrder" => get_order(st, vars),
        "getOrderAsRest" => get_order_as_rest(st, vars),
        "getOrderFulfillments" => get_order_fulfillments(st, vars),
        "ordersUpdatedSince" => orders_updated_since(st, vars),
        "orderMarkAsPaid" => mark_as_paid(st, vars),
        "orderCreateManualPayment" => manual_payment(st, vars),
        "orderCapture" => capture(st, vars),
        "orderUpdate" => order_update(st, vars),
        "orderCancel" => order_cancel(st, vars),
        "orderInvoiceSend" => invoice_send(st, vars),
        "transactionVoid" => void(st, vars),
        "metafieldsSet" => metafields_set(st, vars),
        "tagsAdd" => tags(st, vars, "tagsAdd", true),
        "tagsRemove" => tags(st, vars, "tagsRemove", false),
        "refundCreate" => refund_create(st, vars, query, api_version),
        "fulfillmentCreate" => fulfillment_create(st, vars),
        "customerCreate" => customer_create(st, vars),
        "customerUpdate" => customer_update(st, vars),
        "customerSet" => customer_set(st, vars),
        "customerDelete" => customer_delete(st, vars),
        "orderRiskAssessmentCreate" => risk_create(st, vars),
        other => Ok(Exec::errors(vec![json!({
            "message": format!("Field '{other}' doesn't exist on type 'QueryRoot'"),
            "locations": [{"line": 1, "column": 1}],
            "extensions": {"code": "undefinedField", "typeName": "QueryRoot", "fieldName": other},
        })])),
    };
    result.unwrap_or_else(|e| Exec::errors(vec![e]))
}

fn get_order(st: &State, vars: &Value) -> VarResult<Exec> {
    let id = gid_var("id", "ID!", required(vars, "id", "ID!")?, "Order")?;
    Ok(match st.order(id) {
        Some(o) => {
            let actual = 10 + o.transactions.len().min(50) + o.metafields.len().min(50);
            Exec::data("order", order_json(o), u32::try_from(actual).unwrap_or(120))
        }
        None => Exec::data("order", Value::Null, 1),
    })
}

/// `order { id fulfillmentOrders { nodes { id status } } fulfillments { id status trackingInfo } }`:
/// the fake's one fulfillment order per order is `OPEN` until a line is fulfilled, `IN_PROGRESS`
/// while some quantity is left, `CLOSED` when nothing is.
fn get_order_fulfillments(st: &State, vars: &Value) -> VarResult<Exec> {
    let id = gid_var("id", "ID!", required(vars, "id", "ID!")?, "Order")?;
    let Some(o) = st.order(id) else {
        return Ok(Exec::data("order", Value::Null, 1));
    };
    let left: u32 = o
        .line_items
        .iter()
        .map(|l| {
            l.quantity
                .saturating_sub(l.fulfilled_quantity + l.refunded_quantity)
        })
        .sum();
    let status = if left == 0 {
        "CLOSED"
    } else if o.line_items.iter().any(|l| l.fulfilled_quantity > 0) {
        "IN_PROGRESS"
    } else {
        "OPEN"
    };
    let fulfillments: Vec<Value> = o
        .fulfillments
        .iter()
        .take(50)
        .map(|f| {
            let tracking: Vec<Value> = if f.tracking_number.is_some()
                || f.tracking_company.is_some()
                || f.tracking_url.is_some()
            {
                vec![json!({"company": f.tracking_company, "number": f.tracking_number, "url": f.tracking_url})]
            } else {
                Vec::new()
            };
            json!({"id": gid("Fulfillment", f.id), "status": f.status, "trackingInfo": tracking})
        })
        .collect();
    let actual = 2 + fulfillments.len();
    Ok(Exec::data(
        "order",
        json!({
            "id": gid("Order", o.id),
            "fulfillmentOrders": {"nodes": [{"id": gid("FulfillmentOrder", o.fulfillment_order_id), "status": status}]},
            "fulfillments": fulfillments,
        }),
        u32::try_from(actual).unwrap_or(60),
    ))
}

/// Line items per page of `getOrderAsRest` (the client's `lineItems(first: 50)`).
const LINE_ITEMS_PAGE: usize = 50;

fn custom_attributes(o: &Order) -> Vec<Value> {
    o.note_attributes
        .iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect()
}

/// A `MailingAddress` as the client's `address` fragment selects it (the fake keeps codes only:
/// `province` and `country` are the codes, as in its REST bodies).
fn mailing_address(a: &Address) -> Value {
    let name = match (&a.first_name, &a.last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Some(n.clone()),
        (None, None) => None,
    };
    json!({
        "firstName": a.first_name, "lastName": a.last_name, "name": name, "company": a.company,
        "address1": a.address1, "address2": a.address2, "city": a.city,
        "province": a.province_code, "provinceCode": a.province_code,
        "country": a.country_code, "countryCodeV2": a.country_code, "zip": a.zip, "phone": a.phone,
    })
}

fn line_item_as_rest(l: &LineItem, currency: &str) -> Value {
    json!({
        "id": gid("LineItem", l.id), "title": l.title, "name": l.title, "sku": l.sku,
        "quantity": l.quantity, "currentQuantity": l.quantity.saturating_sub(l.refunded_quantity),
        "variant": null, "product": null, "originalUnitPriceSet": bag(l.price, currency),
        "discountAllocations": [], "taxLines": [],
    })
}

fn line_cursor(index: usize) -> String {
    BASE64.encode(json!({"line": index}).to_string())
}

fn parse_line_cursor(s: &str) -> Option<usize> {
    let bytes = BASE64.decode(s).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    usize::try_from(v.get("line")?.as_u64()?).ok()
}

/// The order as the client's `getOrderAsRest` selects it, with the line items from `first`.
fn order_as_rest_json(o: &Order, customer: Option<&Customer>, first: usize) -> Value {
    let cur = o.currency.as_str();
    let zero = bag(Decimal::ZERO, cur);
    let shipping: Vec<Value> = if o.shipping_price.is_zero() {
        Vec::new()
    } else {
        vec![json!({
            "title": "Standard", "code": "Standard", "source": "shopify",
            "originalPriceSet": bag(o.shipping_price, cur),
            "discountedPriceSet": bag(o.shipping_price, cur),
        })]
    };
    let lines: Vec<Value> = o
        .line_items
        .iter()
        .skip(first)
        .take(LINE_ITEMS_PAGE)
        .map(|l| line_item_as_rest(l, cur))
        .collect();
    let last = first + lines.len();
    let has_next = last < o.line_items.len();
    let customer = customer.map(|c| {
        json!({
            "id": gid("Customer", c.id), "legacyResourceId": c.id.to_string(),
            "firstName": c.first_name, "lastName": c.last_name,
            "email": c.email.as_ref().map(|e| json!({"emailAddress": e})),
            "phone": c.phone.as_ref().map(|p| json!({"phoneNumber": p})),
            "defaultAddress": c.addresses.first().map(mailing_address),
        })
    });
    let mut order = json!({
        "id": gid("Order", o.id), "legacyResourceId": o.id.to_string(), "name": o.name,
        "email": o.email, "phone": o.phone,
        "createdAt": gql_time(o.created_at_ms), "updatedAt": gql_time(o.updated_at_ms),
        "processedAt": gql_time(o.created_at_ms), "cancelledAt": o.cancelled_at_ms.map(gql_time), "closedAt": null,
        "currencyCode": cur, "presentmentCurrencyCode": cur,
        "displayFinancialStatus": o.financial_status().graphql(), "test": o.test,
        "taxesIncluded": false, "dutiesIncluded": false, "note": o.note, "tags": o.tags,
        "customAttributes": custom_attributes(o),
    });
    let money = json!({
        "totalPriceSet": bag(o.total(), cur), "subtotalPriceSet": bag(o.subtotal(), cur),
        "totalDiscountsSet": zero.clone(), "totalTaxSet": bag(o.total_tax, cur),
        "totalShippingPriceSet": bag(o.shipping_price, cur), "totalTipReceivedSet": bag(o.tip, cur),
        "totalOutstandingSet": bag(o.outstanding(), cur),
        "currentTotalPriceSet": bag(o.current_total(), cur), "originalTotalDutiesSet": null,
        "totalCashRoundingAdjustment": {"paymentSet": zero.clone(), "refundSet": zero},
    });
    let parts = json!({
        "billingAddress": o.billing_address.as_ref().map(mailing_address),
        "shippingAddress": o.shipping_address.as_ref().map(mailing_address),
        "customer": customer,
        "shippingLines": {"nodes": shipping, "pageInfo": {"hasNextPage": false, "endCursor": null}},
        "lineItems": {"nodes": lines, "pageInfo": {
            "hasNextPage": has_next,
            "endCursor": (last > first).then(|| line_cursor(last - 1)),
        }},
    });
    for part in [money, parts] {
        if let (Some(order), Value::Object(part)) = (order.as_object_mut(), part) {
            order.extend(part);
        }
    }
    order
}

fn get_order_as_rest(st: &State, vars: &Value) -> VarResult<Exec> {
    let id = gid_var("id", "ID!", required(vars, "id", "ID!")?, "Order")?;
    let first = match field(vars, "lineItemsAfter") {
        None => 0,
        Some(v) => match v.as_str().and_then(parse_line_cursor) {
            Some(index) => index + 1,
            None => {
                return Ok(Exec::errors(vec![gql_error(
                    "Invalid cursor for current pagination sort.",
                    "BAD_REQUEST",
                )]));
            }
        },
    };
    Ok(match st.order(id) {
        Some(o) => {
            let customer = o.customer_id.and_then(|c| st.customer(c));
            let lines = o
                .line_items
                .len()
                .saturating_sub(first)
                .min(LINE_ITEMS_PAGE);
            let actual = 30 + 10 * lines;
            Exec::data(
                "order",
                order_as_rest_json(o, customer, first),
                u32::try_from(actual).unwrap_or(600),
            )
        }
        None => Exec::data("order", Value::Null, 1),
    })
}

/// Parses `updated_at:>='…'` style terms into (operator, seconds-truncated millis).
fn updated_filters(query: &str) -> Result<Vec<(&'static str, i64)>, String> {
    let mut out = Vec::new();
    for term in query.split_whitespace() {
        let Some(rest) = term.strip_prefix("updated_at:") else {
            continue;
        };
        let (op, value) = [">=", "<=", ">", "<"]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v)))
            .unwrap_or(("=", rest));
        let value = value.trim_matches(|c| c == '\'' || c == '"');
        let ms = parse_time(value)
            .ok_or_else(|| format!("Invalid timestamp for query filter `updated_at`: {value}"))?;
        out.push((op, ms.div_euclid(1000) * 1000));
    }
    Ok(out)
}

fn cursor(updated_ms: i64, id: u64) -> String {
    BASE64.encode(json!({"last_id": id, "last_value": updated_ms.to_string()}).to_string())
}

fn parse_cursor(s: &str) -> Option<(i64, u64)> {
    let bytes = BASE64.decode(s).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    Some((
        v.get("last_value")?.as_str()?.parse().ok()?,
        v.get("last_id")?.as_u64()?,
    ))
}

fn orders_updated_since(st: &State, vars: &Value) -> VarResult<Exec> {
    let first_v = required(vars, "first", "Int!")?;
    let first = first_v.as_u64().ok_or_else(|| {
        invalid_variable("first", "Int!", first_v, "Could not coerce value to Int")
    })?;
    if first == 0 || first > MAX_PAGE {
        return Ok(Exec::errors(vec![gql_error(
            "The page size for 'orders' must be between 1 and 250 (first)",
            "BAD_REQUEST",
        )]));
    }
    let query_v = required(vars, "query", "String!")?;
    let query = query_v.as_str().ok_or_else(|| {
        invalid_variable(
            "query",
            "String!",
            query_v,
            "Could not coerce value to String",
        )
    })?;
    let filters = match updated_filters(query) {
        Ok(f) => f,
        Err(message) => return Ok(Exec::errors(vec![gql_error(&message, "BAD_REQUEST")])),
    };
    let after = match field(vars, "after") {
        None => None,
        Some(v) => match v.as_str().and_then(parse_cursor) {
            Some(c) => Some(c),
            None => {
                return Ok(Exec::errors(vec![gql_error(
                    "Invalid cursor for current pagination sort.",
                    "BAD_REQUEST",
                )]));
            }
        },
    };
    let mut matching: Vec<&Order> = st
        .orders
        .iter()
        .filter(|o| {
            let at = o.updated_at_ms.div_euclid(1000) * 1000;
            filters.iter().all(|(op, v)| match *op {
                ">=" => at >= *v,
                ">" => at > *v,
                "<=" => at <= *v,
                "<" => at < *v,
                _ => at == *v,
            })
        })
        .filter(|o| after.is_none_or(|c| (o.updated_at_ms, o.id) > c))
        .collect();
    matching.sort_by_key(|o| (o.updated_at_ms, o.id));
    let page_len = usize::try_from(first).unwrap_or(250);
    let has_next = matching.len() > page_len;
    matching.truncate(page_len);
    let nodes: Vec<Value> = matching
        .iter()
        .map(|o| {
            json!({
                "id": gid("Order", o.id), "legacyResourceId": o.id.to_string(), "name": o.name,
                "createdAt": gql_time(o.created_at_ms), "updatedAt": gql_time(o.updated_at_ms),
                "cancelledAt": o.cancelled_at_ms.map(gql_time),
                "displayFinancialStatus": o.financial_status().graphql(), "totalPriceSet": bag(o.total(), &o.currency),
                "customAttributes": custom_attributes(o),
            })
        })
        .collect();
    let end = matching.last().map(|o| cursor(o.updated_at_ms, o.id));
    let actual = u32::try_from(nodes.len()).unwrap_or(250) + 2;
    Ok(Exec::data(
        "orders",
        json!({"nodes": nodes, "pageInfo": {"hasNextPage": has_next, "endCursor": end}}),
        actual,
    ))
}

fn new_txn(
    st: &mut State,
    kind: TransactionKind,
    amount: Decimal,
    gateway: &str,
    parent: Option<u64>,
    test: bool,
) -> Transaction {
    let id = st.id();
    Transaction {
        id,
        kind,
        status: TransactionStatus::Success,
        gateway: gateway.to_owned(),
        amount,
        parent_id: parent,
        authorization_code: None,
        error_code: None,
        test,
        manual: false,
        created_at_ms: st.now_ms(),
    }
}

/// `orders/paid` (and `orders/updated`) when a payment made the order paid.
fn paid_webhooks(st: &State, order_id: u64, before: FinancialStatus) -> Vec<Pending> {
    let Some(o) = st.order(order_id) else {
        return Vec::new();
    };
    let became_paid =
        before != FinancialStatus::Paid && o.financial_status() == FinancialStatus::Paid;
    let topics: Vec<&str> = [became_paid.then_some("orders/paid"), Some("orders/updated")]
        .into_iter()
        .flatten()
        .filter(|topic| st.subscribed(topic))
        .collect();
    // Rendering an order costs more than the rest of the mutation: only for a subscriber.
    if topics.is_empty() {
        return Vec::new();
    }
    let body = rest::order(o, o.customer_id.and_then(|id| st.customer(id)));
    topics
        .into_iter()
        .map(|topic| (topic.to_owned(), body.clone()))
        .collect()
}

fn mark_as_paid(st: &mut State, vars: &Value) -> VarResult<Exec> {
    let input = required(vars, "input", "OrderMarkAsPaidInput!")?;
    let id = gid_var(
        "input",
        "OrderMarkAsPaidInput!",
        required(input, "id", "ID!")?,
        "Order",
    )?;
    const F: &str = "orderMarkAsPaid";
    let Some(o) = st.order(id) else {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(&["id"], "Order does not exist", None)],
        ));
    };
    let outstanding = o.outstanding();
    let before = o.financial_status();
    if outstanding.is_zero() {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(&["id"], "Order cannot be marked as paid.", None)],
        ));
    }
    let test = o.test;
    let mut t = new_txn(st, TransactionKind::Sale, outstanding, "manual", None, test);
    t.manual = true;
    let now = st.now_ms();
    let Some(o) = st.order_mut(id) else {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(&["id"], "Order does not exist", None)],
        ));
    };
    o.transactions.push(t);
    o.updated_at_ms = now;
    let payload = order_ref(o);
    Ok(accepted(F, "order", payload).with(paid_webhooks(st, id, before)))
}

fn manual_payment(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "orderCreateManualPayment";
    let id = gid_var("id", "ID!", required(vars, "id", "ID!")?, "Order")?;
    let amount = match field(vars, "amount") {
        None => None,
        Some(m) => {
            let a = decimal_var("amount", required(m, "amount", "Decimal!")?)?;
            let cur = opt_str(m, "currencyCode").unwrap_or_default();
            Some((a, cur))
        }
    };
    let gateway = opt_str(vars, "paymentMethodName").unwrap_or_else(|| "Other".to_owned());
    let created_at = match field(vars, "processedAt") {
        None => None,
        Some(v) => Some(v.as_str().and_then(parse_time).ok_or_else(|| {
            invalid_variable(
                "processedAt",
                "DateTime",
                v,
                "Could not coerce value to DateTime",
            )
        })?),
    };
    let Some(o) = st.order(id) else {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(
                &["id"],
                "Order does not exist",
                Some("ORDER_NOT_FOUND"),
            )],
        ));
    };
    let outstanding = o.outstanding();
    let before = o.financial_status();
    let test = o.test;
    let amount = match amount {
        None => outstanding,
        Some((_, cur)) if cur != o.currency => {
            return Ok(rejected(
                F,
                "order",
                vec![user_error(
                    &["amount", "currencyCode"],
                    "Currency must match the order currency",
                    Some("INVALID"),
                )],
            ));
        }
        Some((a, _)) => a,
    };
    if outstanding.is_zero() {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(
                &["id"],
                "Order is already paid",
                Some("INVALID"),
            )],
        ));
    }
    if amount <= Decimal::ZERO || amount > outstanding {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(
                &["amount"],
                &format!(
                    "Amount must be greater than 0 and at most the outstanding balance of {outstanding}"
                ),
                Some("INVALID"),
            )],
        ));
    }
    let mut t = new_txn(st, TransactionKind::Sale, amount, &gateway, None, test);
    t.manual = true;
    if let Some(at) = created_at {
        t.created_at_ms = at;
    }
    let now = st.now_ms();
    let Some(o) = st.order_mut(id) else {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(
                &["id"],
                "Order does not exist",
                Some("ORDER_NOT_FOUND"),
            )],
        ));
    };
    o.transactions.push(t);
    o.updated_at_ms = now;
    let payload = order_ref(o);
    Ok(accepted(F, "order", payload).with(paid_webhooks(st, id, before)))
}

fn capture(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "orderCapture";
    let input = required(vars, "input", "OrderCaptureInput!")?;
    let id = gid_var(
        "input",
        "OrderCaptureInput!",
        required(input, "id", "ID!")?,
        "Order",
    )?;
    let parent = gid_var(
        "input",
        "OrderCaptureInput!",
        required(input, "parentTransactionId", "ID!")?,
        "OrderTransaction",
    )?;
    let amount = decimal_var("input", required(input, "amount", "Money!")?)?;
    let Some(o) = st.order(id) else {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(&["input", "id"], "Order does not exist", None)],
        ));
    };
    if let Some(cur) = opt_str(input, "currency").filter(|c| *c != o.currency) {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["input", "currency"],
                &format!("Currency {cur} does not match the order currency"),
                None,
            )],
        ));
    }
    let Some(auth) = o
        .transactions
        .iter()
        .find(|t| t.id == parent && t.kind == TransactionKind::Authorization)
    else {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["input", "parentTransactionId"],
                "Parent transaction is not an authorization of this order",
                None,
            )],
        ));
    };
    let gateway = auth.gateway.clone();
    let capturable = o.capturable(parent);
    let before = o.financial_status();
    let test = o.test;
    if capturable.is_zero() {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["input", "parentTransactionId"],
                "Authorization is no longer capturable",
                None,
            )],
        ));
    }
    if amount <= Decimal::ZERO || amount > capturable {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["input", "amount"],
                &format!("Amount must be greater than 0 and at most {capturable}"),
                None,
            )],
        ));
    }
    let mut t = new_txn(
        st,
        TransactionKind::Capture,
        amount,
        &gateway,
        Some(parent),
        test,
    );
    if st.fail_next_captures > 0 {
        st.fail_next_captures -= 1;
        t.status = TransactionStatus::Failure;
        t.error_code = Some("CARD_DECLINED".to_owned());
    } else {
        t.authorization_code = Some(format!("{:06}", t.id % 1_000_000));
    }
    let now = st.now_ms();
    let Some(o) = st.order_mut(id) else {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(&["input", "id"], "Order does not exist", None)],
        ));
    };
    let json = transaction_json(&t, &o.currency);
    let failed = t.status != TransactionStatus::Success;
    o.transactions.push(t);
    o.updated_at_ms = now;
    let hooks = if failed {
        Vec::new()
    } else {
        paid_webhooks(st, id, before)
    };
    Ok(accepted(F, "transaction", json).with(hooks))
}

/// `orderCancel(orderId, reason, refundMethod, restock, notifyCustomer, staffNote)`: the order
/// cancelled now with its reason and note; one already cancelled is refused in
/// `orderCancelUserErrors`. The answer's job is done at once (the fake does not refund or
/// restock).
fn order_cancel(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "orderCancel";
    let id = gid_var("orderId", "ID!", required(vars, "orderId", "ID!")?, "Order")?;
    let reason = required(vars, "reason", "OrderCancelReason!")?;
    let reason = reason
        .as_str()
        .filter(|r| {
            [
                "CUSTOMER",
                "DECLINED",
                "FRAUD",
                "INVENTORY",
                "STAFF",
                "OTHER",
            ]
            .contains(r)
        })
        .ok_or_else(|| {
            invalid_variable(
                "reason",
                "OrderCancelReason!",
                reason,
                "Expected a valid OrderCancelReason",
            )
        })?
        .to_owned();
    let refund_method = required(vars, "refundMethod", "OrderCancelRefundMethodInput!")?;
    let refund = field(refund_method, "originalPaymentMethodsRefund")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if field(vars, "restock").and_then(Value::as_bool).is_none() {
        return Err(invalid_variable(
            "restock",
            "Boolean!",
            &Value::Null,
            "Expected value to not be null",
        ));
    }
    let staff_note = opt_str(vars, "staffNote");
    let now = st.now_ms();
    let errors = |message: &str| {
        Exec::data(
            F,
            json!({"job": null, "orderCancelUserErrors": [user_error(&["orderId"], message, Some("INVALID"))]}),
            10,
        )
    };
    let Some(o) = st.order_mut(id) else {
        return Ok(errors("Order does not exist"));
    };
    if o.cancelled_at_ms.is_some() {
        return Ok(errors("Order has already been cancelled"));
    }
    o.cancelled_at_ms = Some(now);
    o.updated_at_ms = now;
    o.cancellation = Some(super::state::Cancellation {
        reason,
        staff_note,
        refund,
    });
    let job = format!("gid://shopify/Job/cancel-{}", o.id);
    Ok(Exec::data(
        F,
        json!({"job": {"id": job, "done": true}, "orderCancelUserErrors": []}),
        10,
    ))
}

fn order_update(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "orderUpdate";
    let input = required(vars, "input", "OrderInput!")?;
    let id = gid_var(
        "input",
        "OrderInput!",
        required(input, "id", "ID!")?,
        "Order",
    )?;
    let note = field(input, "note").map(|v| v.as_str().map(str::to_owned));
    let tags = field(input, "tags").map(|v| str_list(Some(v)));
    let email = opt_str(input, "email");
    let now = st.now_ms();
    let Some(o) = st.order_mut(id) else {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(&["id"], "Order does not exist", None)],
        ));
    };
    match note {
        Some(Some(n)) => o.note = Some(n),
        Some(None) => {
            return Err(invalid_variable(
                "input",
                "OrderInput!",
                input,
                "note: Could not coerce value to String",
            ));
        }
        None if input.get("note").is_some_and(Value::is_null) => o.note = None,
        None => {}
    }
    match tags {
        Some(Some(t)) => o.tags = t,
        Some(None) => {
            return Err(invalid_variable(
                "input",
                "OrderInput!",
                input,
                "tags: Could not coerce value to [String!]",
            ));
        }
        None => {}
    }
    if let Some(e) = email {
        o.email = Some(e);
    }
    o.updated_at_ms = now;
    let payload = order_ref(o);
    Ok(accepted(F, "order", payload))
}

/// `orderInvoiceSend`: records the e-mail (to `email.to`, else the order's e-mail); an order
/// without either is a user error on `email.to`.
fn invoice_send(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "orderInvoiceSend";
    let id = gid_var("id", "ID!", required(vars, "id", "ID!")?, "Order")?;
    let email = vars.get("email").filter(|e| !e.is_null());
    let to = email.and_then(|e| opt_str(e, "to"));
    let custom_message = email.and_then(|e| opt_str(e, "customMessage"));
    let Some(o) = st.order(id) else {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(&["id"], "Order does not exist", None)],
        ));
    };
    let Some(to) = to.or_else(|| o.email.clone()) else {
        return Ok(rejected(
            F,
            "order",
            vec![user_error(
                &["email", "to"],
                "To can't be blank",
                Some("ORDER_INVOICE_SEND_UNSUCCESSFUL"),
            )],
        ));
    };
    let payload = json!({"id": format!("gid://shopify/Order/{id}")});
    st.invoices.push(super::SentInvoice {
        order_id: id,
        to,
        custom_message,
    });
    Ok(accepted(F, "order", payload))
}

fn void(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "transactionVoid";
    let parent = gid_var(
        "parentTransactionId",
        "ID!",
        required(vars, "parentTransactionId", "ID!")?,
        "OrderTransaction",
    )?;
    let found = st.orders.iter().find_map(|o| {
        o.transactions
            .iter()
            .find(|t| t.id == parent)
            .map(|t| (o.id, t.clone(), o.capturable(parent), o.test))
    });
    let Some((order_id, auth, capturable, test)) = found else {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["parentTransactionId"],
                "Transaction does not exist",
                Some("TRANSACTION_NOT_FOUND"),
            )],
        ));
    };
    if auth.kind != TransactionKind::Authorization || auth.status != TransactionStatus::Success {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["parentTransactionId"],
                "Parent transaction must be a successful authorization",
                Some("AUTH_NOT_SUCCESSFUL"),
            )],
        ));
    }
    if capturable != auth.amount {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["parentTransactionId"],
                "Authorization is not voidable",
                Some("AUTH_NOT_VOIDABLE"),
            )],
        ));
    }
    let t = new_txn(
        st,
        TransactionKind::Void,
        auth.amount,
        &auth.gateway,
        Some(parent),
        test,
    );
    let now = st.now_ms();
    let Some(o) = st.order_mut(order_id) else {
        return Ok(rejected(
            F,
            "transaction",
            vec![user_error(
                &["parentTransactionId"],
                "Transaction does not exist",
                Some("TRANSACTION_NOT_FOUND"),
            )],
        ));
    };
    let json = transaction_json(&t, &o.currency);
    o.transactions.push(t);
    o.updated_at_ms = now;
    Ok(accepted(F, "transaction", json))
}

fn metafields_of<'a>(st: &'a mut State, owner: &str) -> Option<&'a mut Vec<Metafield>> {
    match parse_any_gid(owner)? {
        ("Order", id) => st.order_mut(id).map(|o| &mut o.metafields),
        ("Customer", id) => st.customer_mut(id).map(|c| &mut c.metafields),
        _ => None,
    }
}

fn metafields_set(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "metafieldsSet";
    let list_v = required(vars, "metafields", "[MetafieldsSetInput!]!")?;
    let list = list_v.as_array().ok_or_else(|| {
        invalid_variable(
            "metafields",
            "[MetafieldsSetInput!]!",
            list_v,
            "Could not coerce value to a list",
        )
    })?;
    if list.len() > MAX_METAFIELDS {
        return Ok(rejected(
            F,
            "metafields",
            vec![user_error(
                &["metafields"],
                "Exceeded the maximum metafields input limit of 25.",
                Some("LESS_THAN_OR_EQUAL_TO"),
            )],
        ));
    }
    struct Entry {
        owner: String,
        namespace: String,
        key: String,
        kind: Option<String>,
        value: String,
        digest: Option<Option<String>>,
    }
    let mut entries = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let bad = |what: &str| {
            invalid_variable(
                "metafields",
                "[MetafieldsSetInput!]!",
                list_v,
                &format!("{i}.{what}"),
            )
        };
        let owner =
            opt_str(m, "ownerId").ok_or_else(|| bad("ownerId: Expected value to not be null"))?;
        if parse_any_gid(&owner).is_none() {
            return Err(bad(&format!("ownerId: Invalid global id '{owner}'")));
        }
        entries.push(Entry {
            owner,
            namespace: opt_str(m, "namespace").unwrap_or_else(|| "$app".to_owned()),
            key: opt_str(m, "key").ok_or_else(|| bad("key: Expected value to not be null"))?,
            kind: opt_str(m, "type"),
            value: opt_str(m, "value")
                .ok_or_else(|| bad("value: Expected value to not be null"))?,
            digest: m
                .get("compareDigest")
                .map(|d| d.as_str().map(str::to_owned)),
        });
    }
    let mut errors = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let idx = i.to_string();
        let Some(existing) = metafields_of(st, &e.owner) else {
            errors.push(user_error(
                &["metafields", &idx, "ownerId"],
                "Owner does not exist.",
                Some("INVALID_VALUE"),
            ));
            continue;
        };
        if !(2..=64).contains(&e.key.chars().count()) {
            errors.push(user_error(
                &["metafields", &idx, "key"],
                "Key must be between 2 and 64 characters.",
                Some("INVALID_VALUE"),
            ));
        }
        let current = existing
            .iter()
            .find(|m| m.namespace == e.namespace && m.key == e.key);
        if current.is_none() && e.kind.is_none() {
            errors.push(user_error(
                &["metafields", &idx, "type"],
                "Type can't be blank.",
                Some("BLANK"),
            ));
        }
        match (&e.digest, current) {
            (Some(None), Some(_)) => errors.push(user_error(
                &["metafields", &idx],
                "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value.",
                Some("STALE_OBJECT"),
            )),
            (Some(Some(d)), cur) if cur.is_none_or(|c| c.compare_digest() != *d) => errors.push(user_error(
                &["metafields", &idx],
                "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value.",
                Some("STALE_OBJECT"),
            )),
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Ok(rejected(F, "metafields", errors));
    }
    let mut written = Vec::new();
    for e in entries {
        let new_id = st.id();
        let Some(existing) = metafields_of(st, &e.owner) else {
            continue;
        };
        let m = if let Some(m) = existing
            .iter_mut()
            .find(|m| m.namespace == e.namespace && m.key == e.key)
        {
            m.value = e.value;
            if let Some(k) = e.kind {
                m.kind = k;
            }
            m.clone()
        } else {
            let m = Metafield {
                id: new_id,
                namespace: e.namespace,
                key: e.key,
                value: e.value,
                kind: e.kind.unwrap_or_default(),
            };
            existing.push(m.clone());
            m
        };
        written.push(metafield_json(&m));
    }
    Ok(accepted(F, "metafields", Value::Array(written)))
}

fn tags(st: &mut State, vars: &Value, f: &str, add: bool) -> VarResult<Exec> {
    let id_v = required(vars, "id", "ID!")?;
    let id = id_v
        .as_str()
        .ok_or_else(|| invalid_variable("id", "ID!", id_v, "Could not coerce value to ID"))?;
    let parsed = parse_any_gid(id)
        .ok_or_else(|| invalid_variable("id", "ID!", id_v, &format!("Invalid global id '{id}'")))?;
    let list_v = required(vars, "tags", "[String!]!")?;
    let list = str_list(Some(list_v)).ok_or_else(|| {
        invalid_variable(
            "tags",
            "[String!]!",
            list_v,
            "Could not coerce value to [String!]",
        )
    })?;
    let now = st.now_ms();
    let target = match parsed {
        ("Order", n) => st.order_mut(n).map(|o| {
            o.updated_at_ms = now;
            &mut o.tags
        }),
        ("Customer", n) => st.customer_mut(n).map(|c| {
            c.updated_at_ms = now;
            &mut c.tags
        }),
        _ => None,
    };
    let Some(target) = target else {
        return Ok(rejected(
            f,
            "node",
            vec![user_error(&["id"], "Resource not found", None)],
        ));
    };
    for tag in list.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if add {
            if !target.iter().any(|x| x.eq_ignore_ascii_case(tag)) {
                target.push(tag.to_owned());
            }
        } else {
            target.retain(|x| !x.eq_ignore_ascii_case(tag));
        }
    }
    Ok(accepted(f, "node", json!({"id": id})))
}

/// The `@idempotent(key: …)` argument: a `$variable` or a string literal.
fn idempotency_key(query: &str, vars: &Value) -> Option<String> {
    let at = query.find("@idempotent")?;
    let rest = &query[at + "@idempotent".len()..];
    let rest = rest
        .trim_start()
        .strip_prefix('(')?
        .trim_start()
        .strip_prefix("key")?
        .trim_start()
        .strip_prefix(':')?;
    let rest = rest.trim_start();
    if let Some(var) = rest.strip_prefix('$') {
        let name: String = var
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        vars.get(&name)?.as_str().map(str::to_owned)
    } else {
        let lit = rest.strip_prefix('"')?;
        Some(lit[..lit.find('"')?].to_owned())
    }
}

fn refund_create(st: &mut State, vars: &Value, query: &str, api_version: &str) -> VarResult<Exec> {
    const F: &str = "refundCreate";
    let key = idempotency_key(query, vars).filter(|k| !k.is_empty());
    let mandatory = api_version == "unstable" || api_version >= "2026-04";
    if key.is_none() && mandatory {
        return Ok(Exec::errors(vec![gql_error(
            "The @idempotent directive is required for this mutation but was not provided.",
            "BAD_REQUEST",
        )]));
    }
    if let Some((order_id, refund_id)) = key.as_ref().and_then(|k| st.refund_keys.get(k).copied()) {
        if let Some(o) = st.order(order_id)
            && let Some(r) = o.refunds.iter().find(|r| r.id == refund_id)
        {
            return Ok(accepted(F, "refund", refund_json(r, o)));
        }
    }
    let input = required(vars, "input", "RefundInput!")?;
    let order_id = gid_var(
        "input",
        "RefundInput!",
        required(input, "orderId", "ID!")?,
        "Order",
    )?;
    let Some(o) = st.order(order_id) else {
        return Ok(rejected(
            F,
            "refund",
            vec![user_error(&["orderId"], "Order does not exist", None)],
        ));
    };
    let mut errors = Vec::new();
    // Line items.
    let mut lines: Vec<(u64, u32, String, Decimal)> = Vec::new();
    if let Some(items) = field(input, "refundLineItems").and_then(Value::as_array) {
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let line_id = opt_str(item, "lineItemId").and_then(|s| parse_gid(&s, "LineItem"));
            let qty = field(item, "quantity")
                .and_then(Value::as_u64)
                .and_then(|q| u32::try_from(q).ok());
            let restock = opt_str(item, "restockType").unwrap_or_else(|| "NO_RESTOCK".to_owned());
            match (
                line_id.and_then(|l| o.line_items.iter().find(|x| x.id == l)),
                qty,
            ) {
                (Some(li), Some(q))
                    if q > 0 && q <= li.quantity - li.refunded_quantity.min(li.quantity) =>
                {
                    lines.push((li.id, q, restock, li.price * Decimal::from(q)));
                }
                (Some(_), _) => errors.push(user_error(
                    &["refundLineItems", &idx, "quantity"],
                    "Quantity cannot refund more items than were purchased",
                    None,
                )),
                (None, _) => errors.push(user_error(
                    &["refundLineItems", &idx, "lineItemId"],
                    "Line item does not exist",
                    None,
                )),
            }
        }
    }
    // Shipping.
    let shipping_refunded: Decimal = o.refunds.iter().map(|r| r.shipping).sum();
    let shipping_left = (o.shipping_price - shipping_refunded).max(Decimal::ZERO);
    let mut shipping = Decimal::ZERO;
    if let Some(s) = field(input, "shipping") {
        if field(s, "fullRefund").and_then(Value::as_bool) == Some(true) {
            shipping = shipping_left;
        } else if let Some(a) = field(s, "amount") {
            let a = decimal_var("input", a)?;
            if a > shipping_left || a < Decimal::ZERO {
                errors.push(user_error(
                    &["shipping", "amount"],
                    &format!("Shipping refund amount must be at most {shipping_left}"),
                    None,
                ));
            } else {
                shipping = a;
            }
        }
    }
    // Money movements.
    let mut txns: Vec<(u64, Decimal, String)> = Vec::new();
    if let Some(list) = field(input, "transactions").and_then(Value::as_array) {
        for (i, t) in list.iter().enumerate() {
            let idx = i.to_string();
            let amount = decimal_var("input", required(t, "amount", "Decimal!")?)?;
            let parent = opt_str(t, "parentId").and_then(|s| parse_gid(&s, "OrderTransaction"));
            let kind = opt_str(t, "kind").unwrap_or_else(|| "REFUND".to_owned());
            if kind != "REFUND" {
                errors.push(user_error(
                    &["transactions", &idx, "kind"],
                    "Kind must be refund",
                    None,
                ));
                continue;
            }
            let Some(parent) = parent.filter(|p| o.transactions.iter().any(|x| x.id == *p)) else {
                errors.push(user_error(
                    &["transactions", &idx, "parentId"],
                    "Parent transaction does not exist",
                    None,
                ));
                continue;
            };
            let already: Decimal = txns
                .iter()
                .filter(|(p, _, _)| *p == parent)
                .map(|(_, a, _)| *a)
                .sum();
            let left = o.refundable(parent) - already;
            if amount <= Decimal::ZERO || amount > left {
                errors.push(user_error(
                    &["transactions", &idx, "amount"],
                    &format!(
                        "Refund amount ${amount} is greater than net payment received ${}",
                        left.max(Decimal::ZERO)
                    ),
                    None,
                ));
                continue;
            }
            let parent_gateway = o
                .transactions
                .iter()
                .find(|x| x.id == parent)
                .map(|x| x.gateway.clone())
                .unwrap_or_default();
            let gateway = opt_str(t, "gateway").unwrap_or(parent_gateway);
            txns.push((parent, amount, gateway));
        }
    }
    if !errors.is_empty() {
        return Ok(rejected(F, "refund", errors));
    }
    let test = o.test;
    let note = opt_str(input, "note");
    let refund_id = st.id();
    let now = st.now_ms();
    let mut refund_lines = Vec::new();
    for (line_item_id, quantity, restock_type, subtotal) in lines {
        let id = st.id();
        refund_lines.push(RefundLine {
            id,
            line_item_id,
            quantity,
            restock_type,
            subtotal,
        });
    }
    let mut new_txns = Vec::new();
    for (parent, amount, gateway) in txns {
        new_txns.push(new_txn(
            st,
            TransactionKind::Refund,
            amount,
            &gateway,
            Some(parent),
            test,
        ));
    }
    let refund = Refund {
        id: refund_id,
        order_id,
        note,
        lines: refund_lines,
        shipping,
        transaction_ids: new_txns.iter().map(|t| t.id).collect(),
        idempotency_key: key.clone(),
        created_at_ms: now,
    };
    let Some(o) = st.order_mut(order_id) else {
        return Ok(rejected(
            F,
            "refund",
            vec![user_error(&["orderId"], "Order does not exist", None)],
        ));
    };
    for l in &refund.lines {
        if let Some(li) = o.line_items.iter_mut().find(|x| x.id == l.line_item_id) {
            li.refunded_quantity += l.quantity;
        }
    }
    let n_txns = new_txns.len();
    o.transactions.extend(new_txns);
    o.refunds.push(refund.clone());
    o.updated_at_ms = now;
    let payload = refund_json(&refund, o);
    let hook = rest::refund(&refund, o);
    if let Some(k) = key {
        st.refund_keys.insert(k, (order_id, refund_id));
    }
    let mut exec = accepted(F, "refund", payload).with(vec![("refunds/create".to_owned(), hook)]);
    exec.actual = 10 + u32::try_from(n_txns.min(10)).unwrap_or(10);
    Ok(exec)
}

fn fulfillment_create(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "fulfillmentCreate";
    let input = required(vars, "fulfillment", "FulfillmentInput!")?;
    let groups_v = required(
        input,
        "lineItemsByFulfillmentOrder",
        "[FulfillmentOrderLineItemsInput!]!",
    )?;
    let groups = groups_v.as_array().ok_or_else(|| {
        invalid_variable(
            "fulfillment",
            "FulfillmentInput!",
            input,
            "lineItemsByFulfillmentOrder: Could not coerce value to a list",
        )
    })?;
    let tracking = field(input, "trackingInfo");
    let notify = field(input, "notifyCustomer")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut created: Option<Fulfillment> = None;
    // The fake keeps one fulfillment order per order: all groups must name fulfillment orders
    // of one order; the first decides.
    let mut plan: Vec<(u64, u64, u32)> = Vec::new(); // (order, line item, qty)
    let mut fo_id = 0;
    for (g, group) in groups.iter().enumerate() {
        let idx = g.to_string();
        let fo =
            opt_str(group, "fulfillmentOrderId").and_then(|s| parse_gid(&s, "FulfillmentOrder"));
        let Some(o) = fo.and_then(|fo| st.orders.iter().find(|o| o.fulfillment_order_id == fo))
        else {
            return Ok(rejected(
                F,
                "fulfillment",
                vec![user_error(
                    &[
                        "fulfillment",
                        "lineItemsByFulfillmentOrder",
                        &idx,
                        "fulfillmentOrderId",
                    ],
                    "Fulfillment order does not exist.",
                    None,
                )],
            ));
        };
        fo_id = o.fulfillment_order_id;
        let remaining = |l: &LineItem| {
            l.quantity
                .saturating_sub(l.fulfilled_quantity + l.refunded_quantity)
        };
        let items = field(group, "fulfillmentOrderLineItems").and_then(Value::as_array);
        match items {
            None => {
                for l in o.line_items.iter().filter(|l| remaining(l) > 0) {
                    plan.push((o.id, l.id, remaining(l)));
                }
            }
            Some(items) => {
                for item in items {
                    let line = opt_str(item, "id")
                        .and_then(|s| parse_gid(&s, "FulfillmentOrderLineItem"))
                        .and_then(|id| {
                            o.line_items
                                .iter()
                                .find(|l| l.fulfillment_order_line_item_id == id)
                        });
                    let qty = field(item, "quantity")
                        .and_then(Value::as_u64)
                        .and_then(|q| u32::try_from(q).ok())
                        .unwrap_or(0);
                    match line {
                        Some(l) if qty > 0 && qty <= remaining(l) => plan.push((o.id, l.id, qty)),
                        _ => {
                            return Ok(rejected(
                                F,
                                "fulfillment",
                                vec![user_error(
                                    &["fulfillment"],
                                    "Invalid fulfillment order line item quantity requested.",
                                    None,
                                )],
                            ));
                        }
                    }
                }
            }
        }
    }
    if plan.is_empty() {
        return Ok(rejected(
            F,
            "fulfillment",
            vec![user_error(
                &["fulfillment"],
                &format!(
                    "Fulfillment order {} has an unfulfillable status= closed.",
                    gid("FulfillmentOrder", fo_id)
                ),
                None,
            )],
        ));
    }
    let id = st.id();
    let now = st.now_ms();
    let f = Fulfillment {
        id,
        fulfillment_order_id: fo_id,
        status: "SUCCESS".to_owned(),
        tracking_company: tracking.and_then(|t| opt_str(t, "company")),
        tracking_number: tracking.and_then(|t| opt_str(t, "number")),
        tracking_url: tracking.and_then(|t| opt_str(t, "url")),
        notify_customer: notify,
        line_items: plan.iter().map(|(_, l, q)| (*l, *q)).collect(),
        created_at_ms: now,
    };
    for (order_id, line_id, qty) in &plan {
        if let Some(o) = st.order_mut(*order_id) {
            if let Some(l) = o.line_items.iter_mut().find(|l| l.id == *line_id) {
                l.fulfilled_quantity += qty;
            }
            o.updated_at_ms = now;
            if created.is_none() {
                o.fulfillments.push(f.clone());
                created = Some(f.clone());
            }
        }
    }
    let tracking_info: Vec<Value> = if f.tracking_number.is_some()
        || f.tracking_company.is_some()
        || f.tracking_url.is_some()
    {
        vec![
            json!({"company": f.tracking_company, "number": f.tracking_number, "url": f.tracking_url}),
        ]
    } else {
        Vec::new()
    };
    let hooks: Vec<Pending> = match plan
        .first()
        .and_then(|(order_id, _, _)| st.order(*order_id))
    {
        Some(o) if st.subscribed("fulfillments/create") => {
            vec![("fulfillments/create".to_owned(), rest::fulfillment(&f, o))]
        }
        _ => Vec::new(),
    };
    Ok(accepted(
        F,
        "fulfillment",
        json!({"id": gid("Fulfillment", f.id), "status": f.status, "trackingInfo": tracking_info}),
    )
    .with(hooks))
}

/// Customer fields of a `CustomerInput`.
struct CustomerFields {
    email: Option<Option<String>>,
    phone: Option<Option<String>>,
    first_name: Option<String>,
    last_name: Option<String>,
    note: Option<String>,
    tags: Option<Vec<String>>,
    locale: Option<String>,
    tax_exempt: Option<bool>,
    addresses: Option<Vec<Address>>,
}

fn customer_fields(input: &Value) -> VarResult<CustomerFields> {
    let nullable = |name: &str| input.get(name).map(|v| v.as_str().map(str::to_owned));
    let addresses = match field(input, "addresses") {
        None => None,
        Some(v) => {
            let arr = v.as_array().ok_or_else(|| {
                invalid_variable(
                    "input",
                    "CustomerInput!",
                    input,
                    "addresses: Could not coerce value to a list",
                )
            })?;
            Some(
                arr.iter()
                    .map(|a| Address {
                        first_name: opt_str(a, "firstName"),
                        last_name: opt_str(a, "lastName"),
                        company: opt_str(a, "company"),
                        address1: opt_str(a, "address1"),
                        address2: opt_str(a, "address2"),
                        city: opt_str(a, "city"),
                        province_code: opt_str(a, "provinceCode"),
                        country_code: opt_str(a, "countryCode"),
                        zip: opt_str(a, "zip"),
                        phone: opt_str(a, "phone"),
                    })
                    .collect(),
            )
        }
    };
    let tags = match field(input, "tags") {
        None => None,
        Some(v) => Some(str_list(Some(v)).ok_or_else(|| {
            invalid_variable(
                "input",
                "CustomerInput!",
                input,
                "tags: Could not coerce value to [String!]",
            )
        })?),
    };
    Ok(CustomerFields {
        email: nullable("email"),
        phone: nullable("phone"),
        first_name: opt_str(input, "firstName"),
        last_name: opt_str(input, "lastName"),
        note: opt_str(input, "note"),
        tags,
        locale: opt_str(input, "locale"),
        tax_exempt: field(input, "taxExempt").and_then(Value::as_bool),
        addresses,
    })
}

fn taken(st: &State, f: &CustomerFields, except: Option<u64>) -> Vec<Value> {
    let mut errors = Vec::new();
    let other = |c: &&Customer| Some(c.id) != except;
    if let Some(Some(email)) = &f.email {
        if !email.contains('@') {
            errors.push(user_error(&["email"], "Email is invalid", Some("INVALID")));
        } else if st.customers.iter().filter(other).any(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        }) {
            errors.push(user_error(
                &["email"],
                "Email has already been taken",
                Some("TAKEN"),
            ));
        }
    }
    if let Some(Some(phone)) = &f.phone
        && st
            .customers
            .iter()
            .filter(other)
            .any(|c| c.phone.as_deref() == Some(phone.as_str()))
    {
        errors.push(user_error(
            &["phone"],
            "Phone has already been taken",
            Some("TAKEN"),
        ));
    }
    errors
}

fn apply(c: &mut Customer, f: CustomerFields, replace_lists: bool) {
    if let Some(e) = f.email {
        c.email = e;
    }
    if let Some(p) = f.phone {
        c.phone = p;
    }
    if f.first_name.is_some() {
        c.first_name = f.first_name;
    }
    if f.last_name.is_some() {
        c.last_name = f.last_name;
    }
    if f.note.is_some() {
        c.note = f.note;
    }
    if let Some(t) = f.tags {
        c.tags = t;
    }
    if f.locale.is_some() {
        c.locale = f.locale;
    }
    if let Some(t) = f.tax_exempt {
        c.tax_exempt = t;
    }
    if let Some(a) = f.addresses {
        if replace_lists {
            c.addresses = a;
        } else {
            c.addresses.extend(a);
        }
    }
}

fn create_customer(st: &mut State, f: CustomerFields) -> Customer {
    let id = st.id();
    let now = st.now_ms();
    let mut c = Customer {
        id,
        email: None,
        phone: None,
        first_name: None,
        last_name: None,
        note: None,
        tags: Vec::new(),
        tax_exempt: false,
        locale: None,
        addresses: Vec::new(),
        metafields: Vec::new(),
        created_at_ms: now,
        updated_at_ms: now,
    };
    apply(&mut c, f, true);
    st.add_customer(c.clone());
    c
}

fn customer_hook(st: &State, topic: &str, c: &Customer) -> Pending {
    let currency = st.orders.first().map_or("USD", |o| o.currency.as_str());
    (topic.to_owned(), rest::customer(c, currency))
}

fn customer_create(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "customerCreate";
    let input = required(vars, "input", "CustomerInput!")?;
    let f = customer_fields(input)?;
    let has_identity = matches!(f.email, Some(Some(_)))
        || matches!(f.phone, Some(Some(_)))
        || f.first_name.is_some()
        || f.last_name.is_some();
    if !has_identity {
        return Ok(rejected(
            F,
            "customer",
            vec![user_error(
                &["customer"],
                "A name, phone number, or email address must be present",
                None,
            )],
        ));
    }
    let errors = taken(st, &f, None);
    if !errors.is_empty() {
        return Ok(rejected(F, "customer", errors));
    }
    let c = create_customer(st, f);
    let hook = customer_hook(st, "customers/create", &c);
    Ok(accepted(F, "customer", customer_json(&c)).with(vec![hook]))
}

fn update_existing(
    st: &mut State,
    f_name: &str,
    id: u64,
    f: CustomerFields,
    replace_lists: bool,
) -> Exec {
    let errors = taken(st, &f, Some(id));
    if !errors.is_empty() {
        return rejected(f_name, "customer", errors);
    }
    let now = st.now_ms();
    let Some(c) = st.customer_mut(id) else {
        return rejected(
            f_name,
            "customer",
            vec![user_error(
                &["id"],
                "Customer does not exist",
                Some("NOT_FOUND"),
            )],
        );
    };
    let old_email = c.email.clone();
    apply(c, f, replace_lists);
    c.updated_at_ms = now;
    let c = c.clone();
    st.email_changed(id, old_email.as_deref());
    let hook = customer_hook(st, "customers/update", &c);
    accepted(f_name, "customer", customer_json(&c)).with(vec![hook])
}

fn customer_update(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "customerUpdate";
    let input = required(vars, "input", "CustomerInput!")?;
    let id = gid_var(
        "input",
        "CustomerInput!",
        required(input, "id", "ID!")?,
        "Customer",
    )?;
    let f = customer_fields(input)?;
    if st.customers.iter().all(|c| c.id != id) {
        return Ok(rejected(
            F,
            "customer",
            vec![user_error(&["id"], "Customer does not exist", None)],
        ));
    }
    Ok(update_existing(st, F, id, f, false))
}

/// `customerDelete`: refused for a customer with orders, as Shopify does (the message is the
/// fake's: Shopify's exact wording is not documented).
fn customer_delete(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "customerDelete";
    const OBJECT: &str = "deletedCustomerId";
    let input = required(vars, "input", "CustomerDeleteInput!")?;
    let id = gid_var(
        "input",
        "CustomerDeleteInput!",
        required(input, "id", "ID!")?,
        "Customer",
    )?;
    let Some(email) = st.customer(id).map(|c| c.email.clone()) else {
        return Ok(rejected(
            F,
            OBJECT,
            vec![user_error(&["id"], "Customer does not exist", None)],
        ));
    };
    if st.orders.iter().any(|o| o.customer_id == Some(id)) {
        return Ok(rejected(
            F,
            OBJECT,
            vec![user_error(
                &["id"],
                "Customer can't be deleted because they have associated orders",
                None,
            )],
        ));
    }
    st.customers.retain(|c| c.id != id);
    st.email_changed(id, email.as_deref());
    // The body of Shopify's `customers/delete` sample: the id and little else.
    let hook = (
        "customers/delete".to_owned(),
        json!({
            "id": id, "phone": null, "addresses": [], "tax_exemptions": [],
            "email_marketing_consent": null, "admin_graphql_api_id": gid("Customer", id),
        }),
    );
    Ok(accepted(F, OBJECT, json!(gid("Customer", id))).with(vec![hook]))
}

fn customer_set(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "customerSet";
    let input = required(vars, "input", "CustomerSetInput!")?;
    let f = customer_fields(input)?;
    let existing = match field(vars, "identifier") {
        None => None,
        Some(ident) => {
            if let Some(v) = field(ident, "id") {
                let id = gid_var("identifier", "CustomerSetIdentifiers", v, "Customer")?;
                if st.customers.iter().all(|c| c.id != id) {
                    return Ok(rejected(
                        F,
                        "customer",
                        vec![user_error(
                            &["identifier", "id"],
                            "Customer does not exist",
                            Some("NOT_FOUND"),
                        )],
                    ));
                }
                Some(id)
            } else if let Some(email) = opt_str(ident, "email") {
                if !matches!(&f.email, Some(Some(e)) if e.eq_ignore_ascii_case(&email)) {
                    return Ok(rejected(
                        F,
                        "customer",
                        vec![user_error(
                            &["input", "email"],
                            "The identifier value must match the input value",
                            Some("INVALID_INPUT"),
                        )],
                    ));
                }
                st.customers
                    .iter()
                    .find(|c| {
                        c.email
                            .as_deref()
                            .is_some_and(|e| e.eq_ignore_ascii_case(&email))
                    })
                    .map(|c| c.id)
            } else if let Some(phone) = opt_str(ident, "phone") {
                if !matches!(&f.phone, Some(Some(p)) if *p == phone) {
                    return Ok(rejected(
                        F,
                        "customer",
                        vec![user_error(
                            &["input", "phone"],
                            "The identifier value must match the input value",
                            Some("INVALID_INPUT"),
                        )],
                    ));
                }
                st.customers
                    .iter()
                    .find(|c| c.phone.as_deref() == Some(phone.as_str()))
                    .map(|c| c.id)
            } else {
                return Err(invalid_variable(
                    "identifier",
                    "CustomerSetIdentifiers",
                    ident,
                    "One of id, email, phone is required",
                ));
            }
        }
    };
    match existing {
        Some(id) => Ok(update_existing(st, F, id, f, true)),
        None => {
            let errors = taken(st, &f, None);
            if !errors.is_empty() {
                return Ok(rejected(F, "customer", errors));
            }
            let c = create_customer(st, f);
            let hook = customer_hook(st, "customers/create", &c);
            Ok(accepted(F, "customer", customer_json(&c)).with(vec![hook]))
        }
    }
}

fn risk_create(st: &mut State, vars: &Value) -> VarResult<Exec> {
    const F: &str = "orderRiskAssessmentCreate";
    let input = required(vars, "input", "OrderRiskAssessmentCreateInput!")?;
    let order_id = gid_var(
        "input",
        "OrderRiskAssessmentCreateInput!",
        required(input, "orderId", "ID!")?,
        "Order",
    )?;
    let level_v = required(input, "riskLevel", "RiskAssessmentResult!")?;
    let level = level_v
        .as_str()
        .filter(|l| ["HIGH", "MEDIUM", "LOW", "NONE", "PENDING"].contains(l))
        .ok_or_else(|| {
            invalid_variable(
                "input",
                "OrderRiskAssessmentCreateInput!",
                input,
                "riskLevel: Expected a RiskAssessmentResult",
            )
        })?
        .to_owned();
    let facts_v = field(input, "facts").cloned().unwrap_or_else(|| json!([]));
    let facts_arr = facts_v.as_array().cloned().unwrap_or_default();
    let mut facts = Vec::new();
    for f in &facts_arr {
        let description = opt_str(f, "description").unwrap_or_default();
        let sentiment = opt_str(f, "sentiment")
            .filter(|s| ["POSITIVE", "NEUTRAL", "NEGATIVE"].contains(&s.as_str()))
            .ok_or_else(|| {
                invalid_variable(
                    "input",
                    "OrderRiskAssessmentCreateInput!",
                    input,
                    "facts.sentiment: Expected a RiskFactSentiment",
                )
            })?;
        facts.push(RiskFact {
            description: description.chars().take(256).collect(),
            sentiment,
        });
    }
    if facts.len() > MAX_FACTS {
        return Ok(rejected(
            F,
            "orderRiskAssessment",
            vec![user_error(
                &["orderRiskAssessmentInput", "facts"],
                "Too many facts: at most 20",
                Some("TOO_MANY_FACTS"),
            )],
        ));
    }
    let now = st.now_ms();
    let Some(o) = st.order_mut(order_id) else {
        return Ok(rejected(
            F,
            "orderRiskAssessment",
            vec![user_error(
                &["orderRiskAssessmentInput", "orderId"],
                "Order does not exist",
                Some("NOT_FOUND"),
            )],
        ));
    };
    let a = RiskAssessment {
        risk_level: level,
        facts,
        provider: Some("Sandbox App".to_owned()),
    };
    o.risk_assessments.push(a.clone());
    o.updated_at_ms = now;
    Ok(accepted(
        F,
        "orderRiskAssessment",
        json!({
            "riskLevel": a.risk_level,
            "facts": a.facts.iter().map(|f| json!({"description": f.description, "sentiment": f.sentiment})).collect::<Vec<_>>(),
            "provider": {"title": a.provider},
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_idempotency_key() {
        let vars = json!({"idempotencyKey": "k-1"});
        let q = "mutation refundCreate($input: RefundInput!, $idempotencyKey: String!) { refundCreate(input: $input) @idempotent(key: $idempotencyKey) { refund { id } } }";
        assert_eq!(idempotency_key(q, &vars).as_deref(), Some("k-1"));
        assert_eq!(
            idempotency_key(r#"x @idempotent(key: "lit") {"#, &vars).as_deref(),
            Some("lit")
        );
        assert_eq!(
            idempotency_key("mutation refundCreate { refundCreate }", &vars),
            None
        );
        assert_eq!(
            idempotency_key("@idempotent(key: \"unterminated", &vars),
            None
        );
    }

    #[test]
    fn names_and_filters() {
        assert_eq!(
            operation_name(None, " query getOrder($id: ID!) {").as_deref(),
            Some("getOrder")
        );
        assert_eq!(operation_name(Some("x"), "query y {").as_deref(), Some("x"));
        assert_eq!(operation_name(None, "{ shop { name } }"), None);
        let f =
            updated_filters("status:any updated_at:>='2026-11-23T20:45:02Z'").unwrap_or_default();
        assert_eq!(f.len(), 1);
        assert!(updated_filters("updated_at:>=garbage").is_err());
        assert_eq!(parse_cursor(&cursor(5, 7)), Some((5, 7)));
        assert_eq!(parse_cursor("%%%"), None);
    }
}
