//! The operations behind each route, on the locked state.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::carts;
use super::reply::Fail;
use super::search::{self, Node};
use super::state::{
    CreditMemo, CustomerRecord, DocumentItem, Invoice, Order, Shipment, State, Style, Track, num,
    round2,
};

/// A matched route; ids are still the raw path segments (converted after authentication, as
/// Magento's input processor does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    AdminToken,
    OrderSearch,
    OrderSave,
    OrderGet(String),
    CommentsList(String),
    CommentAdd(String),
    OrderAction(String, &'static str),
    Invoice(String),
    Ship(String),
    RefundOrder(String),
    InvoiceGet(String),
    RefundInvoice(String),
    ShipmentGet(String),
    ShipmentSearch,
    CreditMemoGet(String),
    CustomerCreate,
    CustomerSearch,
    CustomerGet(String),
    CustomerPut(String),
    CartForCustomer(String),
    CartItems(String),
    CartAddItem(String),
    CartShipping(String),
    CartOrder(String),
}

impl Route {
    /// The route for a method and the path segments after `V1`.
    pub(crate) fn parse(method: &str, segments: &[&str]) -> Option<Self> {
        let id = |s: &&str| (*s).to_owned();
        Some(match (method, segments) {
            ("POST", ["integration", "admin", "token"]) => Self::AdminToken,
            ("GET", ["orders"]) => Self::OrderSearch,
            ("POST", ["orders"]) => Self::OrderSave,
            ("GET", ["orders", o]) => Self::OrderGet(id(o)),
            ("GET", ["orders", o, "comments"]) => Self::CommentsList(id(o)),
            ("POST", ["orders", o, "comments"]) => Self::CommentAdd(id(o)),
            ("POST", ["orders", o, "hold"]) => Self::OrderAction(id(o), "hold"),
            ("POST", ["orders", o, "unhold"]) => Self::OrderAction(id(o), "unhold"),
            ("POST", ["orders", o, "cancel"]) => Self::OrderAction(id(o), "cancel"),
            ("POST", ["order", o, "invoice"]) => Self::Invoice(id(o)),
            ("POST", ["order", o, "ship"]) => Self::Ship(id(o)),
            ("POST", ["order", o, "refund"]) => Self::RefundOrder(id(o)),
            ("GET", ["invoices", i]) => Self::InvoiceGet(id(i)),
            ("POST", ["invoice", i, "refund"]) => Self::RefundInvoice(id(i)),
            ("GET", ["shipment", s]) => Self::ShipmentGet(id(s)),
            ("GET", ["shipments"]) => Self::ShipmentSearch,
            ("GET", ["creditmemo", c]) => Self::CreditMemoGet(id(c)),
            ("POST", ["customers"]) => Self::CustomerCreate,
            ("GET", ["customers", "search"]) => Self::CustomerSearch,
            ("GET", ["customers", c]) => Self::CustomerGet(id(c)),
            ("PUT", ["customers", c]) => Self::CustomerPut(id(c)),
            ("POST", ["customers", c, "carts"]) => Self::CartForCustomer(id(c)),
            ("GET", ["carts", c, "items"]) => Self::CartItems(id(c)),
            ("POST", ["carts", c, "items"]) => Self::CartAddItem(id(c)),
            ("POST", ["carts", c, "shipping-information"]) => Self::CartShipping(id(c)),
            ("PUT", ["carts", c, "order"]) => Self::CartOrder(id(c)),
            _ => return None,
        })
    }

    /// The ACL resource named in a 401.
    pub(crate) fn resource(&self) -> &'static str {
        match self {
            Self::CustomerCreate
            | Self::CustomerSearch
            | Self::CustomerGet(_)
            | Self::CustomerPut(_) => "Magento_Customer::manage",
            Self::CartForCustomer(_)
            | Self::CartItems(_)
            | Self::CartAddItem(_)
            | Self::CartShipping(_)
            | Self::CartOrder(_) => "Magento_Cart::manage",
            Self::OrderSearch | Self::OrderGet(_) | Self::CommentsList(_) | Self::InvoiceGet(_) => {
                "Magento_Sales::actions_view"
            }
            _ => "Magento_Sales::sales",
        }
    }
}

fn path_id(raw: &str) -> Result<i64, Fail> {
    raw.parse::<i64>().map_err(|_| Fail::type_error(raw, "int"))
}

fn body_json(body: &[u8]) -> Result<Map<String, Value>, Fail> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Fail::type_error(&other.to_string(), "array")),
        Err(_) => Err(Fail::decoding()),
    }
}

pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(super) fn dec(v: &Value) -> Result<Decimal, Fail> {
    let t = text(v);
    let parsed = match v {
        Value::Number(_) | Value::String(_) => {
            let trimmed = t.trim();
            Decimal::from_str_exact(trimmed)
                .ok()
                .or_else(|| Decimal::from_scientific(trimmed).ok())
        }
        _ => None,
    };
    // Amounts beyond a trillion are refused so that sums of them cannot overflow.
    let limit = Decimal::from(1_000_000_000_000_i64);
    parsed
        .filter(|d| d.abs() < limit)
        .ok_or_else(|| Fail::type_error(&t, "float"))
}

fn opt_dec(v: Option<&Value>) -> Result<Option<Decimal>, Fail> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => dec(v).map(Some),
    }
}

fn int(v: &Value) -> Result<i64, Fail> {
    let t = text(v);
    match v {
        Value::Number(_) | Value::String(_) => t
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::type_error(&t, "int")),
        _ => Err(Fail::type_error(&t, "int")),
    }
}

fn flag(v: Option<&Value>) -> Result<bool, Fail> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => match text(other).trim() {
            "" | "0" | "false" => Ok(false),
            "1" | "true" => Ok(true),
            t => Err(Fail::type_error(t, "bool")),
        },
    }
}

fn item_qtys(v: Option<&Value>) -> Result<Vec<(i64, Decimal)>, Fail> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(Fail::type_error(&text(other), "array")),
    };
    let mut out = Vec::new();
    for item in list {
        let Value::Object(item) = item else {
            return Err(Fail::type_error(&text(item), "array"));
        };
        let id = int(item
            .get("order_item_id")
            .ok_or_else(|| Fail::required("order_item_id"))?)?;
        let qty = dec(item.get("qty").ok_or_else(|| Fail::required("qty"))?)?;
        out.push((id, qty));
    }
    Ok(out)
}

fn comment_text(v: Option<&Value>) -> Result<Option<String>, Fail> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(map.get("comment").map(text).filter(|c| !c.is_empty())),
        Some(other) => Err(Fail::type_error(&text(other), "array")),
    }
}

/// `$165.00` the way Magento formats amounts in messages and comments.
fn price(currency: &str, amount: Decimal) -> String {
    let symbol = match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        _ => "",
    };
    let amount = format!("{:.2}", round2(amount));
    if symbol.is_empty() {
        format!("{currency} {amount}")
    } else {
        format!("{symbol}{amount}")
    }
}

/// The part of `total` that `qty` more units carry, the remainder going to the last units.
fn share(
    total: Decimal,
    done: Decimal,
    qty: Decimal,
    qty_done: Decimal,
    qty_total: Decimal,
) -> Decimal {
    if qty_total <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    if qty_done + qty >= qty_total {
        total - done
    } else {
        round2(total * qty / qty_total)
    }
}

fn order_mut(state: &mut State, id: i64) -> Result<&mut Order, Fail> {
    state.orders.get_mut(&id).ok_or_else(Fail::no_such_entity)
}

/// Runs a route. The caller has authenticated the request.
pub(crate) fn run(
    state: &mut State,
    route: &Route,
    query: &Node,
    body: &[u8],
) -> Result<Value, Fail> {
    match route {
        Route::AdminToken => admin_token(state, &body_json(body)?),
        Route::OrderSearch => order_search(state, query),
        Route::OrderSave => order_save(state, &body_json(body)?),
        Route::OrderGet(id) => {
            let id = path_id(id)?;
            state
                .orders
                .get(&id)
                .map(|o| o.render(Style::Number))
                .ok_or_else(Fail::no_such_entity)
        }
        Route::CommentsList(id) => comments_list(state, path_id(id)?),
        Route::CommentAdd(id) => comment_add(state, path_id(id)?, &body_json(body)?),
        Route::OrderAction(id, action) => order_action(state, path_id(id)?, action),
        Route::Invoice(id) => create_invoice(state, path_id(id)?, &body_json(body)?),
        Route::Ship(id) => create_shipment(state, path_id(id)?, &body_json(body)?),
        Route::RefundOrder(id) => {
            let body = body_json(body)?;
            refund(state, RefundTarget::Order(path_id(id)?), &body, false)
        }
        Route::RefundInvoice(id) => {
            let body = body_json(body)?;
            let online = flag(body.get("isOnline").or_else(|| body.get("is_online")))?;
            refund(state, RefundTarget::Invoice(path_id(id)?), &body, online)
        }
        Route::InvoiceGet(id) => {
            let id = path_id(id)?;
            let invoice = state.invoices.get(&id).ok_or_else(Fail::no_such_entity)?;
            Ok(invoice.render(invoice.order_id * 2))
        }
        Route::ShipmentSearch => shipment_search(state, query),
        Route::ShipmentGet(id) => {
            let id = path_id(id)?;
            state
                .shipments
                .get(&id)
                .map(render_shipment)
                .ok_or_else(Fail::no_such_entity)
        }
        Route::CreditMemoGet(id) => {
            let id = path_id(id)?;
            let memo = state
                .creditmemos
                .get(&id)
                .ok_or_else(Fail::no_such_entity)?;
            let currency = state
                .orders
                .get(&memo.order_id)
                .map(|o| o.currency.clone())
                .unwrap_or_default();
            Ok(render_creditmemo(memo, &currency))
        }
        Route::CustomerCreate => customer_create(state, &body_json(body)?),
        Route::CustomerSearch => customer_search(state, query),
        Route::CustomerGet(id) => {
            let id = path_id(id)?;
            state
                .customers
                .get(&id)
                .map(|c| Value::Object(c.data.clone()))
                .ok_or_else(|| Fail::no_such_field("customerId", json!(id)))
        }
        Route::CustomerPut(id) => customer_update(state, path_id(id)?, &body_json(body)?),
        Route::CartForCustomer(id) => carts::create_for_customer(state, path_id(id)?),
        Route::CartItems(id) => carts::items(state, path_id(id)?),
        Route::CartAddItem(id) => carts::add_item(state, path_id(id)?, &body_json(body)?),
        Route::CartShipping(id) => {
            carts::shipping_information(state, path_id(id)?, &body_json(body)?)
        }
        Route::CartOrder(id) => carts::place_order(state, path_id(id)?, &body_json(body)?),
    }
}

fn admin_token(state: &mut State, body: &Map<String, Value>) -> Result<Value, Fail> {
    let username = body.get("username").map(text).unwrap_or_default();
    let password = body.get("password").map(text).unwrap_or_default();
    let mut missing = Vec::new();
    for (name, value) in [("username", &username), ("password", &password)] {
        if value.is_empty() {
            missing.push((
                "\"%fieldName\" is required. Enter and try again.".to_owned(),
                json!({"fieldName": name}),
            ));
        }
    }
    if !missing.is_empty() {
        return Err(Fail::aggregate(missing));
    }
    if state.admin_users.get(&username) != Some(&password) {
        return Err(Fail::json(
            axum::http::StatusCode::UNAUTHORIZED,
            "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.",
            None,
        ));
    }
    let token = format!("adm{}", uuid::Uuid::new_v4().simple());
    let expires = state.now_unix().saturating_add(state.admin_token_lifetime);
    state.admin_tokens.insert(token.clone(), expires);
    Ok(Value::String(token))
}

const ORDER_COLUMNS: &[&str] = &["quote_id", "protect_code", "customer_note_notify"];

fn order_search(state: &mut State, query: &Node) -> Result<Value, Fail> {
    let criteria = search::criteria(query)?.ok_or_else(|| Fail::required("searchCriteria"))?;
    let rows: Vec<Map<String, Value>> = state
        .orders
        .values()
        .filter_map(|o| match o.render(Style::Text) {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .collect();
    // The columns of the order table: those of any rendered order.
    let mut template = State::default();
    let template_id = template.insert_order(super::state::NewOrder::new("template@example.com"));
    let columns: Vec<String> = match template
        .orders
        .get(&template_id)
        .map(|o| o.render(Style::Text))
    {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let known = |field: &str| ORDER_COLUMNS.contains(&field) || columns.iter().any(|c| c == field);
    let (items, total) = search::run(&criteria, rows, &known)?;
    Ok(json!({
        "items": items,
        "search_criteria": search::echo(&criteria),
        "total_count": total,
    }))
}

fn order_save(state: &mut State, body: &Map<String, Value>) -> Result<Value, Fail> {
    let Some(Value::Object(entity)) = body.get("entity") else {
        return Err(Fail::required("entity"));
    };
    let id = match entity.get("entity_id") {
        None | Some(Value::Null) => return Err(Fail::required("entity_id")),
        Some(v) => int(v)?,
    };
    let now = state.now();
    let order = order_mut(state, id)?;
    if let Some(v) = entity.get("state").filter(|v| !v.is_null()) {
        order.state = text(v);
    }
    if let Some(v) = entity.get("status").filter(|v| !v.is_null()) {
        order.status = text(v);
    }
    if let Some(v) = entity.get("customer_email").filter(|v| !v.is_null()) {
        order.customer_email = text(v);
    }
    order.updated_at = now;
    Ok(order.render(Style::Number))
}

fn comments_list(state: &mut State, id: i64) -> Result<Value, Fail> {
    let order = state.orders.get(&id).ok_or_else(Fail::no_such_entity)?;
    let items: Vec<Value> = order.comments.iter().rev().map(|c| c.render(id)).collect();
    Ok(json!({
        "items": items,
        "search_criteria": {"filter_groups": [{"filters": [{"field": "parent_id", "value": id.to_string(), "condition_type": "eq"}]}]},
        "total_count": order.comments.len(),
    }))
}

fn comment_add(state: &mut State, id: i64, body: &Map<String, Value>) -> Result<Value, Fail> {
    let Some(Value::Object(history)) = body
        .get("statusHistory")
        .or_else(|| body.get("status_history"))
    else {
        return Err(Fail::required("statusHistory"));
    };
    let comment = history.get("comment").map(text).unwrap_or_default();
    let status = history.get("status").filter(|v| !v.is_null()).map(text);
    let notified = flag(history.get("is_customer_notified"))?;
    let visible = flag(history.get("is_visible_on_front"))?;
    let comment_id = state.next("comment");
    let sets_status = state.comment_sets_status;
    let now = state.now();
    let order = order_mut(state, id)?;
    if sets_status {
        if let Some(status) = &status {
            order.status.clone_from(status);
        }
    }
    order.comments.push(super::state::Comment {
        entity_id: comment_id,
        comment,
        status: status.or_else(|| Some(order.status.clone())),
        entity_name: "order".into(),
        is_customer_notified: notified,
        is_visible_on_front: visible,
        created_at: now.clone(),
    });
    order.updated_at = now;
    Ok(Value::Bool(true))
}

fn order_action(state: &mut State, id: i64, action: &str) -> Result<Value, Fail> {
    let now = state.now();
    let order = order_mut(state, id)?;
    match action {
        "hold" => {
            if matches!(
                order.state.as_str(),
                "canceled" | "payment_review" | "complete" | "closed" | "holded"
            ) {
                return Err(Fail::bad_request("A hold action is not available."));
            }
            order.hold_before = Some((order.state.clone(), order.status.clone()));
            order.set_state("holded");
        }
        "unhold" => {
            if order.state != "holded" {
                return Err(Fail::bad_request("You cannot remove the hold."));
            }
            let (state_before, status_before) = order
                .hold_before
                .take()
                .unwrap_or_else(|| ("new".into(), "pending".into()));
            order.state = state_before;
            order.status = status_before;
        }
        _ => {
            if !order.can_cancel() {
                return Ok(Value::Bool(false));
            }
            let mut canceled = Decimal::ZERO;
            for item in &mut order.items {
                let left = item.qty_ordered - item.qty_invoiced - item.qty_canceled;
                if left > Decimal::ZERO {
                    item.qty_canceled += left;
                    canceled += round2(item.price * left);
                }
            }
            order.total_canceled += canceled;
            order.set_state("canceled");
        }
    }
    order.updated_at = now;
    Ok(Value::Bool(true))
}

fn invoice_error(detail: &str) -> Fail {
    Fail::bad_request(&format!("Invoice Document Validation Error(s):\n{detail}"))
}

fn create_invoice(
    state: &mut State,
    order_id: i64,
    body: &Map<String, Value>,
) -> Result<Value, Fail> {
    let capture = flag(body.get("capture"))?;
    let requested = item_qtys(body.get("items"))?;
    let comment = comment_text(body.get("comment"))?;
    let order = state
        .orders
        .get(&order_id)
        .ok_or_else(Fail::no_such_entity)?;
    if !order.can_invoice() {
        return Err(invoice_error(
            "The order does not allow an invoice to be created.",
        ));
    }
    let remaining = |i: &super::state::OrderItem| i.qty_ordered - i.qty_invoiced - i.qty_canceled;
    let mut qtys: Vec<(usize, Decimal)> = Vec::new();
    if requested.is_empty() {
        for (idx, item) in order.items.iter().enumerate() {
            if remaining(item) > Decimal::ZERO {
                qtys.push((idx, remaining(item)));
            }
        }
    } else {
        for (item_id, qty) in requested {
            let Some(idx) = order.items.iter().position(|i| i.item_id == item_id) else {
                return Err(invoice_error(&format!(
                    "We found an invalid quantity to invoice item \"{item_id}\"."
                )));
            };
            let item = &order.items[idx];
            if qty < Decimal::ZERO || qty > remaining(item) {
                return Err(invoice_error(&format!(
                    "We found an invalid quantity to invoice item \"{}\".",
                    item.name
                )));
            }
            if qty > Decimal::ZERO {
                qtys.push((idx, qty));
            }
        }
    }
    if qtys.is_empty() {
        return Err(invoice_error(
            "The invoice can't be created without products. Add products and try again.",
        ));
    }
    let invoice_id = state.next("invoice");
    let now = state.now();
    let mut items = Vec::new();
    for (idx, qty) in &qtys {
        let line_id = state.next("invoice_item");
        let item = &state.orders[&order_id].items[*idx];
        let invoiceable = item.qty_ordered - item.qty_canceled;
        items.push(DocumentItem {
            entity_id: line_id,
            order_item_id: item.item_id,
            sku: item.sku.clone(),
            name: item.name.clone(),
            qty: *qty,
            price: item.price,
            tax_amount: share(
                item.tax_amount,
                item.tax_invoiced,
                *qty,
                item.qty_invoiced,
                invoiceable,
            ),
            discount_amount: share(
                item.discount_amount,
                item.discount_invoiced,
                *qty,
                item.qty_invoiced,
                invoiceable,
            ),
        });
    }
    let comment_id = state.next("comment");
    let order = order_mut(state, order_id)?;
    let shipping = if order.shipping_invoiced.is_zero() {
        order.shipping_amount
    } else {
        Decimal::ZERO
    };
    let mut invoice = Invoice {
        entity_id: invoice_id,
        increment_id: format!("{invoice_id:09}"),
        order_id,
        state: 2,
        transaction_id: None,
        items,
        shipping_amount: shipping,
        currency: order.currency.clone(),
        refunded: Decimal::ZERO,
        qty_refunded: Default::default(),
        shipping_refunded: Decimal::ZERO,
        comment,
        created_at: now.clone(),
    };
    for (line, (idx, qty)) in invoice.items.iter().zip(&qtys) {
        let item = &mut order.items[*idx];
        item.qty_invoiced += qty;
        item.tax_invoiced += line.tax_amount;
        item.discount_invoiced += line.discount_amount;
    }
    let total = invoice.grand_total();
    order.shipping_invoiced += shipping;
    order.total_invoiced += total;
    order.total_paid += total;
    order.payment.amount_paid += total;
    if matches!(order.state.as_str(), "new" | "pending_payment") {
        order.set_state("processing");
    }
    if capture {
        let txn = match &order.payment.last_trans_id {
            Some(auth) if !auth.ends_with("-capture") => format!("{auth}-capture"),
            _ => format!("txn_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
        };
        order.payment.last_trans_id = Some(txn.clone());
        invoice.transaction_id = Some(txn.clone());
        let text = format!(
            "Captured amount of {} online. Transaction ID: \"{txn}\"",
            price(&order.currency, total)
        );
        order.add_comment(comment_id, &now, text, "invoice");
    }
    order.settle_state();
    order.updated_at = now;
    state.invoices.insert(invoice_id, invoice);
    Ok(json!(invoice_id))
}

fn shipment_error(detail: &str) -> Fail {
    Fail::bad_request(&format!("Shipment Document Validation Error(s):\n{detail}"))
}

fn create_shipment(
    state: &mut State,
    order_id: i64,
    body: &Map<String, Value>,
) -> Result<Value, Fail> {
    let requested = item_qtys(body.get("items"))?;
    let comment = comment_text(body.get("comment"))?;
    let mut tracks = Vec::new();
    match body.get("tracks") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for t in list {
                let field = |k: &str| t.get(k).map(text).unwrap_or_default();
                if field("track_number").is_empty() {
                    return Err(shipment_error("Please enter a tracking number."));
                }
                if field("carrier_code").is_empty() {
                    return Err(shipment_error("Please enter a carrier code."));
                }
                tracks.push(Track {
                    track_number: field("track_number"),
                    title: field("title"),
                    carrier_code: field("carrier_code"),
                });
            }
        }
        Some(other) => return Err(Fail::type_error(&text(other), "array")),
    }
    let order = state
        .orders
        .get(&order_id)
        .ok_or_else(Fail::no_such_entity)?;
    if !order.can_ship() {
        return Err(shipment_error(
            "The order does not allow a shipment to be created.",
        ));
    }
    let remaining = |i: &super::state::OrderItem| {
        if i.product_type == "virtual" {
            Decimal::ZERO
        } else {
            i.qty_ordered - i.qty_shipped - i.qty_refunded - i.qty_canceled
        }
    };
    let mut qtys: Vec<(usize, Decimal)> = Vec::new();
    if requested.is_empty() {
        for (idx, item) in order.items.iter().enumerate() {
            if remaining(item) > Decimal::ZERO {
                qtys.push((idx, remaining(item)));
            }
        }
    } else {
        for (item_id, qty) in requested {
            let Some(idx) = order.items.iter().position(|i| i.item_id == item_id) else {
                return Err(shipment_error(&format!(
                    "We found an invalid quantity to ship for item \"{item_id}\"."
                )));
            };
            let item = &order.items[idx];
            if qty < Decimal::ZERO || qty > remaining(item) {
                return Err(shipment_error(&format!(
                    "We found an invalid quantity to ship for item \"{}\".",
                    item.name
                )));
            }
            if qty > Decimal::ZERO {
                qtys.push((idx, qty));
            }
        }
    }
    if qtys.is_empty() {
        return Err(shipment_error(
            "You can't create a shipment without products.",
        ));
    }
    let shipment_id = state.next("shipment");
    let now = state.now();
    let mut items = Vec::new();
    for (idx, qty) in &qtys {
        let line_id = state.next("shipment_item");
        let item = &state.orders[&order_id].items[*idx];
        items.push(DocumentItem {
            entity_id: line_id,
            order_item_id: item.item_id,
            sku: item.sku.clone(),
            name: item.name.clone(),
            qty: *qty,
            price: item.price,
            tax_amount: Decimal::ZERO,
            discount_amount: Decimal::ZERO,
        });
    }
    let order = order_mut(state, order_id)?;
    for (idx, qty) in &qtys {
        order.items[*idx].qty_shipped += qty;
    }
    if matches!(order.state.as_str(), "new" | "pending_payment") {
        order.set_state("processing");
    }
    order.settle_state();
    order.updated_at = now.clone();
    state.shipments.insert(
        shipment_id,
        Shipment {
            entity_id: shipment_id,
            increment_id: format!("{shipment_id:09}"),
            order_id,
            items,
            tracks,
            comment,
            created_at: now,
        },
    );
    // Magento sends document ids as strings here (the mix the client must accept).
    Ok(Value::String(shipment_id.to_string()))
}

/// The columns of the shipment table a search may name.
const SHIPMENT_COLUMNS: [&str; 6] = [
    "entity_id",
    "increment_id",
    "order_id",
    "store_id",
    "created_at",
    "updated_at",
];

fn shipment_search(state: &State, query: &Node) -> Result<Value, Fail> {
    let criteria = search::criteria(query)?.ok_or_else(|| Fail::required("searchCriteria"))?;
    let rows: Vec<Map<String, Value>> = state
        .shipments
        .values()
        .filter_map(|s| match render_shipment(s) {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .collect();
    let (items, total) = search::run(&criteria, rows, &|f| SHIPMENT_COLUMNS.contains(&f))?;
    Ok(json!({
        "items": items,
        "search_criteria": search::echo(&criteria),
        "total_count": total,
    }))
}

fn render_shipment(s: &Shipment) -> Value {
    json!({
        "created_at": s.created_at,
        "entity_id": s.entity_id,
        "increment_id": s.increment_id,
        "order_id": s.order_id,
        "store_id": 1,
        "total_qty": num(s.items.iter().map(|i| i.qty).sum()),
        "updated_at": s.created_at,
        "items": s.items.iter().map(|i| json!({"entity_id": i.entity_id, "name": i.name, "order_item_id": i.order_item_id, "parent_id": s.entity_id, "price": num(i.price), "qty": num(i.qty), "sku": i.sku})).collect::<Vec<_>>(),
        "tracks": s.tracks.iter().enumerate().map(|(n, t)| json!({"entity_id": s.entity_id * 100 + i64::try_from(n).unwrap_or(0), "order_id": s.order_id, "parent_id": s.entity_id, "track_number": t.track_number, "title": t.title, "carrier_code": t.carrier_code, "created_at": s.created_at})).collect::<Vec<_>>(),
        "comments": s.comment.iter().map(|c| json!({"comment": c, "parent_id": s.entity_id, "is_customer_notified": 0, "is_visible_on_front": 0})).collect::<Vec<_>>(),
    })
}

fn render_creditmemo(m: &CreditMemo, currency: &str) -> Value {
    let subtotal: Decimal = m.items.iter().map(|i| round2(i.price * i.qty)).sum();
    let tax: Decimal = m.items.iter().map(|i| i.tax_amount).sum();
    json!({
        "adjustment_negative": num(m.adjustment_negative),
        "adjustment_positive": num(m.adjustment_positive),
        "base_currency_code": currency,
        "base_grand_total": num(m.grand_total()),
        "created_at": m.created_at,
        "creditmemo_status": 2,
        "entity_id": m.entity_id,
        "grand_total": num(m.grand_total()),
        "increment_id": m.increment_id,
        "invoice_id": m.invoice_id,
        "order_currency_code": currency,
        "order_id": m.order_id,
        "shipping_amount": num(m.shipping_amount),
        "state": 2,
        "subtotal": num(subtotal),
        "tax_amount": num(tax),
        "transaction_id": m.transaction_id,
        "updated_at": m.created_at,
        "items": m.items.iter().map(|i| json!({"entity_id": i.entity_id, "order_item_id": i.order_item_id, "parent_id": m.entity_id, "name": i.name, "sku": i.sku, "price": num(i.price), "qty": num(i.qty), "tax_amount": num(i.tax_amount), "discount_amount": num(i.discount_amount), "row_total": num(round2(i.price * i.qty))})).collect::<Vec<_>>(),
    })
}

enum RefundTarget {
    Order(i64),
    Invoice(i64),
}

fn memo_error(detail: &str) -> Fail {
    Fail::bad_request(&format!(
        "Creditmemo Document Validation Error(s):\n{detail}"
    ))
}

fn refund(
    state: &mut State,
    target: RefundTarget,
    body: &Map<String, Value>,
    online: bool,
) -> Result<Value, Fail> {
    let requested = item_qtys(body.get("items"))?;
    let comment = comment_text(body.get("comment"))?;
    let args = match body.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(other) => return Err(Fail::type_error(&text(other), "array")),
    };
    let shipping_arg = opt_dec(args.get("shipping_amount"))?;
    let adjustment_positive = opt_dec(args.get("adjustment_positive"))?.unwrap_or_default();
    let adjustment_negative = opt_dec(args.get("adjustment_negative"))?.unwrap_or_default();
    let (order_id, invoice) = match target {
        RefundTarget::Order(id) => (id, None),
        RefundTarget::Invoice(id) => {
            let invoice = state
                .invoices
                .get(&id)
                .ok_or_else(Fail::no_such_entity)?
                .clone();
            (invoice.order_id, Some(invoice))
        }
    };
    let order = state
        .orders
        .get(&order_id)
        .ok_or_else(Fail::no_such_entity)?;
    if !order.can_creditmemo() {
        return Err(memo_error(
            "The order does not allow a creditmemo to be created.",
        ));
    }
    if let Some(invoice) = &invoice {
        if online && invoice.transaction_id.is_none() {
            return Err(memo_error(
                "Cannot create online refund for offline invoice.",
            ));
        }
        if invoice.refunded >= invoice.grand_total() {
            return Err(memo_error("We can't create creditmemo for the invoice."));
        }
    }
    // Refundable quantity per order line: what was invoiced (by this invoice) and not refunded.
    let refundable = |idx: usize| -> Decimal {
        let item = &order.items[idx];
        match &invoice {
            None => item.qty_invoiced - item.qty_refunded,
            Some(inv) => {
                let invoiced: Decimal = inv
                    .items
                    .iter()
                    .filter(|l| l.order_item_id == item.item_id)
                    .map(|l| l.qty)
                    .sum();
                let done = inv
                    .qty_refunded
                    .get(&item.item_id)
                    .copied()
                    .unwrap_or_default();
                (invoiced - done).min(item.qty_invoiced - item.qty_refunded)
            }
        }
    };
    let mut qtys: Vec<(usize, Decimal)> = Vec::new();
    if requested.is_empty() {
        for idx in 0..order.items.len() {
            if refundable(idx) > Decimal::ZERO {
                qtys.push((idx, refundable(idx)));
            }
        }
    } else {
        for (item_id, qty) in requested {
            let idx = order.items.iter().position(|i| i.item_id == item_id);
            match idx {
                Some(idx) if qty >= Decimal::ZERO && qty <= refundable(idx) => {
                    if qty > Decimal::ZERO {
                        qtys.push((idx, qty));
                    }
                }
                _ => {
                    return Err(memo_error(
                        "The quantity to creditmemo must not be greater than the unrefunded quantity.",
                    ));
                }
            }
        }
    }
    let shipping_left = match &invoice {
        None => order.shipping_invoiced - order.shipping_refunded,
        Some(inv) => (inv.shipping_amount - inv.shipping_refunded)
            .min(order.shipping_invoiced - order.shipping_refunded),
    };
    let shipping = shipping_arg.unwrap_or(shipping_left);
    if shipping < Decimal::ZERO || shipping > shipping_left {
        return Err(memo_error(&format!(
            "Maximum shipping amount allowed to refund is: {}",
            price(&order.currency, shipping_left)
        )));
    }
    let mut items = Vec::new();
    for (idx, qty) in &qtys {
        let item = &order.items[*idx];
        items.push(DocumentItem {
            entity_id: 0,
            order_item_id: item.item_id,
            sku: item.sku.clone(),
            name: item.name.clone(),
            qty: *qty,
            price: item.price,
            tax_amount: share(
                item.tax_invoiced,
                item.tax_refunded,
                *qty,
                item.qty_refunded,
                item.qty_invoiced,
            ),
            discount_amount: share(
                item.discount_invoiced,
                item.discount_refunded,
                *qty,
                item.qty_refunded,
                item.qty_invoiced,
            ),
        });
    }
    let mut memo = CreditMemo {
        entity_id: 0,
        increment_id: String::new(),
        order_id,
        invoice_id: invoice.as_ref().map(|i| i.entity_id),
        items,
        shipping_amount: shipping,
        adjustment_positive,
        adjustment_negative,
        online,
        transaction_id: None,
        comment,
        created_at: String::new(),
    };
    let total = memo.grand_total();
    if total <= Decimal::ZERO {
        return Err(memo_error("The credit memo's total must be positive."));
    }
    let mut available = order.total_paid - order.total_refunded;
    if let Some(inv) = &invoice {
        available = available.min(inv.grand_total() - inv.refunded);
    }
    if total > available {
        return Err(memo_error(&format!(
            "The most money available to refund is {}.",
            price(&order.currency, available)
        )));
    }
    let memo_id = state.next("creditmemo");
    let now = state.now();
    memo.entity_id = memo_id;
    memo.increment_id = format!("{memo_id:09}");
    memo.created_at = now.clone();
    for line in &mut memo.items {
        line.entity_id = state.next("creditmemo_item");
    }
    if online {
        let capture = invoice
            .as_ref()
            .and_then(|i| i.transaction_id.clone())
            .unwrap_or_default();
        memo.transaction_id = Some(format!("{capture}-refund"));
    }
    if let Some(inv) = invoice
        .as_ref()
        .and_then(|i| state.invoices.get_mut(&i.entity_id))
    {
        inv.refunded += total;
        inv.shipping_refunded += shipping;
        for line in &memo.items {
            *inv.qty_refunded.entry(line.order_item_id).or_default() += line.qty;
        }
    }
    let comment_id = state.next("comment");
    let order = order_mut(state, order_id)?;
    for (line, (idx, _)) in memo.items.iter().zip(&qtys) {
        let item = &mut order.items[*idx];
        item.qty_refunded += line.qty;
        item.tax_refunded += line.tax_amount;
        item.discount_refunded += line.discount_amount;
    }
    order.shipping_refunded += shipping;
    order.adjustment_negative += memo.adjustment_negative;
    order.total_refunded += total;
    order.payment.amount_refunded += total;
    let amount = price(&order.currency, total);
    let text = match &memo.transaction_id {
        Some(txn) => {
            order.total_online_refunded += total;
            order.payment.last_trans_id = Some(txn.clone());
            format!("We refunded {amount} online. Transaction ID: \"{txn}\"")
        }
        None => {
            order.total_offline_refunded += total;
            format!("We refunded {amount} offline.")
        }
    };
    order.add_comment(comment_id, &now, text, "creditmemo");
    order.settle_state();
    order.updated_at = now;
    state.creditmemos.insert(memo_id, memo);
    Ok(Value::String(memo_id.to_string()))
}

const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "email",
    "firstname",
    "lastname",
    "middlename",
    "prefix",
    "suffix",
    "group_id",
    "store_id",
    "website_id",
    "created_at",
    "updated_at",
    "created_in",
    "dob",
    "gender",
    "taxvat",
    "default_billing",
    "default_shipping",
    "disable_auto_group_change",
    "confirmation",
];

fn password_check(password: &str) -> Result<(), Fail> {
    if password.chars().count() < 8 {
        return Err(Fail::bad_request_with(
            "The password needs at least %1 characters. Create a new password and try again.",
            json!(["8"]),
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err(Fail::bad_request_with(
            "Minimum of different classes of characters in password is %1. Classes of characters: Lower Case, Upper Case, Digits, Special Characters.",
            json!(["3"]),
        ));
    }
    Ok(())
}

/// Validates a customer body and fills in what Magento adds; `existing` is the stored record
/// of an update.
fn customer_record(
    state: &mut State,
    input: &Map<String, Value>,
    id: i64,
    existing: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, Fail> {
    let mut errors = Vec::new();
    for field in ["email", "firstname", "lastname"] {
        if input
            .get(field)
            .map(text)
            .unwrap_or_default()
            .trim()
            .is_empty()
        {
            errors.push((
                "\"%fieldName\" is a required value.".to_owned(),
                json!({"fieldName": field}),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Fail::aggregate(errors));
    }
    let email = input.get("email").map(text).unwrap_or_default();
    let valid_email = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.contains(' ')
    });
    if !valid_email {
        return Err(Fail::invalid_value("email", &email));
    }
    let website = input
        .get("website_id")
        .and_then(|v| int(v).ok())
        .unwrap_or(1);
    let taken = state.customers.iter().any(|(other, c)| {
        *other != id
            && c.data
                .get("email")
                .map(text)
                .unwrap_or_default()
                .eq_ignore_ascii_case(&email)
            && c.data
                .get("website_id")
                .and_then(|v| int(v).ok())
                .unwrap_or(1)
                == website
    });
    if taken {
        return Err(Fail::bad_request(
            "A customer with the same email address already exists in an associated website.",
        ));
    }
    let now = state.now();
    let mut data = input.clone();
    data.remove("password");
    data.insert("id".into(), json!(id));
    for (key, default) in [
        ("group_id", json!(1)),
        ("store_id", json!(1)),
        ("website_id", json!(1)),
        ("disable_auto_group_change", json!(0)),
    ] {
        let keep = existing
            .and_then(|e| e.get(key))
            .cloned()
            .unwrap_or(default);
        data.entry(key).or_insert(keep);
    }
    let created_at = existing
        .and_then(|e| e.get("created_at"))
        .cloned()
        .unwrap_or_else(|| json!(now));
    data.insert("created_at".into(), created_at);
    data.insert("updated_at".into(), json!(now));
    data.insert("created_in".into(), json!("Default Store View"));
    let addresses = match data.get("addresses") {
        Some(Value::Array(list)) => Some(list.clone()),
        None | Some(Value::Null) => None,
        Some(other) => return Err(Fail::type_error(&text(other), "array")),
    };
    let addresses = match addresses {
        Some(list) => {
            let mut out = Vec::new();
            for address in list {
                let Value::Object(mut address) = address else {
                    return Err(Fail::type_error(&text(&address), "array"));
                };
                if address.get("id").is_none_or(Value::is_null) {
                    address.insert("id".into(), json!(state.next("customer_address")));
                }
                address.insert("customer_id".into(), json!(id));
                out.push(Value::Object(address));
            }
            out
        }
        None => match existing.and_then(|e| e.get("addresses")) {
            Some(Value::Array(list)) => list.clone(),
            _ => Vec::new(),
        },
    };
    for (flag_name, field) in [
        ("default_billing", "default_billing"),
        ("default_shipping", "default_shipping"),
    ] {
        let chosen = addresses
            .iter()
            .find(|a| flag(a.get(flag_name)).unwrap_or(false));
        if let Some(address_id) = chosen.and_then(|a| a.get("id")) {
            data.insert(field.into(), Value::String(text(address_id)));
        }
    }
    data.insert("addresses".into(), Value::Array(addresses));
    let subscribed = existing
        .and_then(|e| e.get("extension_attributes"))
        .and_then(|x| x.get("is_subscribed"))
        .cloned()
        .unwrap_or(json!(false));
    match data.get_mut("extension_attributes") {
        Some(Value::Object(ext)) => {
            ext.entry("is_subscribed").or_insert(subscribed);
        }
        _ => {
            data.insert(
                "extension_attributes".into(),
                json!({"is_subscribed": subscribed}),
            );
        }
    }
    Ok(data)
}

fn customer_input(body: &Map<String, Value>) -> Result<&Map<String, Value>, Fail> {
    match body.get("customer") {
        Some(Value::Object(map)) => Ok(map),
        None | Some(Value::Null) => Err(Fail::required("customer")),
        Some(other) => Err(Fail::type_error(
            &text(other),
            "Magento\\Customer\\Api\\Data\\CustomerInterface",
        )),
    }
}

fn customer_create(state: &mut State, body: &Map<String, Value>) -> Result<Value, Fail> {
    let input = customer_input(body)?;
    let password = body.get("password").filter(|v| !v.is_null()).map(text);
    if let Some(password) = &password {
        password_check(password)?;
    }
    let id = state.next_id.get("customer").copied().unwrap_or(0) + 1;
    let data = customer_record(state, input, id, None)?;
    let id = state.next("customer");
    state.customers.insert(
        id,
        CustomerRecord {
            data: data.clone(),
            password,
        },
    );
    customer_event(state, "observer.customer_register_success", &data);
    Ok(Value::Object(data))
}

fn customer_update(state: &mut State, id: i64, body: &Map<String, Value>) -> Result<Value, Fail> {
    let input = customer_input(body)?;
    let existing = state
        .customers
        .get(&id)
        .map(|c| c.data.clone())
        .ok_or_else(|| Fail::no_such_field("customerId", json!(id)))?;
    let data = customer_record(state, input, id, Some(&existing))?;
    if let Some(record) = state.customers.get_mut(&id) {
        record.data = data.clone();
    }
    customer_event(state, "observer.customer_save_after", &data);
    Ok(Value::Object(data))
}

/// Records the Adobe Commerce webhook a customer save sends: the observer event's default
/// payload, `{"eventName", "data": {"customer": {...}}}`.
fn customer_event(state: &mut State, event: &str, data: &Map<String, Value>) {
    state
        .customer_events
        .push(json!({"eventName": event, "data": {"customer": data}}));
}

fn customer_search(state: &mut State, query: &Node) -> Result<Value, Fail> {
    let criteria = search::criteria(query)?.ok_or_else(|| Fail::required("searchCriteria"))?;
    let rows: Vec<Map<String, Value>> = state.customers.values().map(|c| c.data.clone()).collect();
    let known = |field: &str| CUSTOMER_COLUMNS.contains(&field);
    let (items, total) = match search::run(&criteria, rows, &known) {
        Ok(found) => found,
        // An unknown customer attribute is an input error, not an SQL one.
        Err(fail) if fail.status == axum::http::StatusCode::INTERNAL_SERVER_ERROR => {
            let field = criteria
                .groups
                .iter()
                .flatten()
                .map(|f| f.field.clone())
                .chain(criteria.sorts.iter().map(|(f, _)| f.clone()))
                .find(|f| !known(f));
            return Err(match field {
                Some(field) => Fail::bad_request_with("Invalid attribute name: %1", json!([field])),
                None => fail,
            });
        }
        Err(fail) => return Err(fail),
    };
    Ok(json!({
        "items": items,
        "search_criteria": search::echo(&criteria),
        "total_count": total,
    }))
}
