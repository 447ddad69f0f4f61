//! The v1 operations: each takes the locked account and the request's JSON object and
//! returns PayTrace's status and body.

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::state::{Batch, Customer, Settlement, State, Transaction, TransactionKind};
use super::wire::{self, Address, CardInfo, Errors, Fields, Reply, code};

/// Dispatches a `/v1/...` path. `None` for paths the fake does not serve.
pub(crate) fn dispatch(
    state: &mut State,
    username: &str,
    path: &str,
    f: Fields<'_>,
) -> Option<Reply> {
    use TransactionKind::{Authorization, Sale};
    let reply = match path {
        "/v1/transactions/sale/keyed" => charge(state, Sale, Source::Keyed, f),
        "/v1/transactions/sale/by_customer" => charge(state, Sale, Source::Customer, f),
        "/v1/transactions/sale/by_transaction" => charge(state, Sale, Source::ByTransaction, f),
        "/v1/transactions/sale/pt_protect" => charge(state, Sale, Source::Protect, f),
        "/v1/transactions/authorization/keyed" => charge(state, Authorization, Source::Keyed, f),
        "/v1/transactions/authorization/by_customer" => {
            charge(state, Authorization, Source::Customer, f)
        }
        "/v1/transactions/authorization/by_transaction" => {
            charge(state, Authorization, Source::ByTransaction, f)
        }
        "/v1/transactions/authorization/pt_protect" => {
            charge(state, Authorization, Source::Protect, f)
        }
        "/v1/transactions/authorization/capture" => capture(state, f),
        "/v1/transactions/void" => void(state, f),
        "/v1/transactions/refund/for_transaction" => refund_for_transaction(state, f),
        "/v1/transactions/refund/keyed" => refund_new(state, Source::Keyed, f),
        "/v1/transactions/refund/to_customer" => refund_new(state, Source::Customer, f),
        "/v1/transactions/settle" => settle(state),
        "/v1/transactions/export/by_id" => export_by_id(state, username, f),
        "/v1/transactions/export/by_date_range" => export_by_date_range(state, username, f),
        "/v1/payment_fields/token/create" => client_key(state),
        "/v1/level_three/visa" | "/v1/level_three/mastercard" => level3(state, f),
        "/v1/customer/create" => create_customer(state, CustomerSource::Card, f),
        "/v1/customer/pt_protect_create" => create_customer(state, CustomerSource::Protect, f),
        "/v1/customer/create_from_transaction" => {
            create_customer(state, CustomerSource::Transaction, f)
        }
        "/v1/customer/update" => update_customer(state, f),
        "/v1/customer/delete" => delete_customer(state, f),
        "/v1/customer/export" => export_customers(state, f),
        "/v1/batches/export_one" => export_batch(state, f),
        "/v1/batches/export" => export_batches(state, f),
        "/v1/batches/transaction_list" => batch_transactions(state, username, f),
        _ => return None,
    };
    Some(reply)
}

fn ok(body: Value) -> Reply {
    (StatusCode::OK, body)
}

/// Where the card of a sale, authorization or refund comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Keyed,
    Customer,
    ByTransaction,
    Protect,
}

/// Card, billing address, CSC and vault id resolved from the request.
struct Payer {
    card: CardInfo,
    billing: Option<Address>,
    csc: Option<String>,
    customer_id: Option<String>,
}

fn customer_not_found(id: &str) -> String {
    format!("Customer ID, {id}, was not found or is incomplete.")
}

const INVALID_TRANSACTION: &str = "Please provide a valid Transaction ID.";

/// Looks up (and consumes) a Protect.js token.
fn take_protect(
    state: &mut State,
    f: Fields<'_>,
    errors: &mut Errors,
) -> Option<(CardInfo, Option<String>)> {
    let (Some(token), Some(key)) = (f.text("hpf_token"), f.text("enc_key")) else {
        errors.add(
            code::PROTECT_TOKEN,
            "Please provide a valid HPF token and encryption key.",
        );
        return None;
    };
    let valid = state
        .protect_tokens
        .get(&token)
        .is_some_and(|e| e.enc_key == key);
    let entry = if valid {
        state.protect_tokens.remove(&token)
    } else {
        None
    };
    let Some(entry) = entry else {
        errors.add(
            code::PROTECT_TOKEN,
            "The HPF token is invalid, expired or was already used.",
        );
        return None;
    };
    match entry.card {
        Some(card) => Some((card, entry.csc)),
        None => {
            errors.add(
                code::CARD_NUMBER,
                "Please provide a valid Credit Card Number.",
            );
            None
        }
    }
}

fn resolve_payer(
    state: &mut State,
    source: Source,
    f: Fields<'_>,
    errors: &mut Errors,
) -> Option<Payer> {
    match source {
        Source::Keyed => {
            let card = wire::read_card(f, errors)?;
            Some(Payer {
                card,
                billing: Address::read(f.object("billing_address")),
                csc: wire::read_csc(f),
                customer_id: None,
            })
        }
        Source::Customer => {
            let id = f.text("customer_id").unwrap_or_default();
            let Some(customer) = state.customers.get(&id) else {
                errors.add(code::CUSTOMER_NOT_FOUND, customer_not_found(&id));
                return None;
            };
            Some(Payer {
                card: customer.card.clone(),
                billing: Some(customer.billing_address.clone()),
                csc: wire::read_csc(f),
                customer_id: Some(customer.customer_id.clone()),
            })
        }
        Source::ByTransaction => {
            let original = f
                .id("transaction_id")
                .and_then(|id| state.transactions.get(&id));
            let Some((card, billing)) =
                original.and_then(|t| Some((t.card.clone()?, t.billing_address.clone())))
            else {
                errors.add(code::TRANSACTION_ID, INVALID_TRANSACTION);
                return None;
            };
            Some(Payer {
                card,
                billing,
                csc: None,
                customer_id: None,
            })
        }
        Source::Protect => {
            if !errors.is_empty() {
                // Do not burn the single-use token on a request that fails anyway.
                return None;
            }
            let (card, csc) = take_protect(state, f, errors)?;
            Some(Payer {
                card,
                billing: Address::read(f.object("billing_address")),
                csc,
                customer_id: None,
            })
        }
    }
}

/// The AVS result and the matching approval message for a billing address.
fn avs(billing: Option<&Address>) -> (&'static str, &'static str) {
    let zip = billing.and_then(|b| b.zip.as_deref());
    let street = billing.and_then(|b| b.street_address.as_deref());
    match (street, zip) {
        (_, Some("00000")) => ("No Match", "  NO  MATCH - Approved and completed"),
        (Some(_), Some(_)) => ("Full Exact Match", "  EXACT MATCH - Approved and completed"),
        (None, Some(_)) => ("Zip Match Only", "  ZIP MATCH - Approved and completed"),
        (Some(_), None) => (
            "Address Match Only",
            "  ADDRESS MATCH - Approved and completed",
        ),
        (None, None) => ("No Match", "  NO  MATCH - Approved and completed"),
    }
}

/// The issuer's decline message for a sale or authorization, if the test rules decline it.
fn decline_reason(
    kind: TransactionKind,
    amount: Decimal,
    card: &CardInfo,
    now: i64,
) -> Option<&'static str> {
    let (year, month, _) = wire::civil_from_days(now.div_euclid(86_400));
    if card.expired(year, month) {
        return Some("  EXPIRED CARD - Expired card");
    }
    if amount == Decimal::new(29, 2) {
        return Some(match kind {
            TransactionKind::Authorization => "  EXPIRED CARD - Expired card",
            _ => "    DECLINE - Do not honor",
        });
    }
    if amount == Decimal::new(112, 2) {
        return Some("    DECLINE - Do not honor");
    }
    let cents = (amount * Decimal::ONE_HUNDRED) % Decimal::ONE_HUNDRED;
    (cents == Decimal::TWO).then_some("  DECLINE - Insufficient funds")
}

struct Details {
    invoice_id: Option<String>,
    customer_reference_id: Option<String>,
    description: Option<String>,
    email: Option<String>,
    tax_amount: Option<Decimal>,
    shipping: Option<Address>,
}

fn details(f: Fields<'_>, errors: &mut Errors) -> Details {
    let tax_amount = f.amount("tax_amount").unwrap_or_else(|()| {
        errors.add(code::AMOUNT, "Please provide a valid Tax Amount.");
        None
    });
    Details {
        invoice_id: f.text("invoice_id"),
        customer_reference_id: f.text("customer_reference_id"),
        description: f.text("description"),
        email: f.text("email"),
        tax_amount,
        shipping: Address::read(f.object("shipping_address")),
    }
}

fn new_transaction(
    state: &mut State,
    kind: TransactionKind,
    amount: Decimal,
    payer: Payer,
    d: Details,
) -> Transaction {
    let id = state.next_id();
    Transaction {
        id,
        kind,
        amount,
        captured_amount: None,
        tax_amount: d.tax_amount,
        approved: true,
        voided: false,
        refunded: Decimal::ZERO,
        refund_of: None,
        batch_number: None,
        card: Some(payer.card),
        invoice_id: d.invoice_id,
        customer_reference_id: d.customer_reference_id,
        customer_id: payer.customer_id,
        description: d.description,
        email: d.email,
        billing_address: payer.billing,
        shipping_address: d.shipping,
        approval_code: format!("TAS{:03}", id % 1000),
        approval_message: String::new(),
        avs_response: String::new(),
        csc_response: String::new(),
        created_at: state.now(),
        settled_at: None,
    }
}

/// Sales and authorizations: keyed, by customer, by transaction, Protect.js.
fn charge(state: &mut State, kind: TransactionKind, source: Source, f: Fields<'_>) -> Reply {
    let mut errors = Errors::default();
    let amount = f.required_amount("amount", &mut errors);
    let d = details(f, &mut errors);
    let payer = resolve_payer(state, source, f, &mut errors);
    let (Some(amount), Some(payer), true) = (amount, payer, errors.is_empty()) else {
        return errors.reply();
    };
    let (avs_response, approved_message) = avs(payer.billing.as_ref());
    let csc_response = payer.card.csc_result(payer.csc.as_deref());
    let decline = decline_reason(kind, amount, &payer.card, state.now());
    let show_card = source != Source::Customer;
    let mut t = new_transaction(state, kind, amount, payer, d);
    match decline {
        Some(message) => {
            t.approved = false;
            t.approval_code = String::new();
            t.approval_message = message.to_owned();
            t.avs_response = "No Match".to_owned();
        }
        None => {
            t.approval_message = approved_message.to_owned();
            t.avs_response = avs_response.to_owned();
            t.csc_response = csc_response.to_owned();
        }
    }
    let mut body = json!({
        "success": t.approved,
        "response_code": if t.approved { 101 } else { 102 },
        "status_message": if t.approved { "Your transaction was successfully approved." } else { "Your transaction was not approved." },
        "transaction_id": t.id,
        "approval_code": t.approval_code,
        "approval_message": t.approval_message,
        "avs_response": t.avs_response,
        "csc_response": t.csc_response,
        "external_transaction_id": "",
    });
    if let (true, Some(card), Some(map)) = (show_card, &t.card, body.as_object_mut()) {
        map.insert("masked_card_number".into(), Value::String(card.masked()));
    }
    state.transactions.insert(t.id, t);
    ok(body)
}

fn outcome(success: bool, response_code: u16, message: &str, id: u64) -> Reply {
    ok(json!({
        "success": success,
        "response_code": response_code,
        "status_message": message,
        "transaction_id": id,
        "external_transaction_id": "",
    }))
}

fn capture(state: &mut State, f: Fields<'_>) -> Reply {
    let mut errors = Errors::default();
    let amount = f.amount("amount").unwrap_or_else(|()| {
        errors.add(code::AMOUNT, "Please provide a valid Amount.");
        None
    });
    let id = f
        .id("transaction_id")
        .filter(|id| state.transactions.contains_key(id));
    let Some(id) = id else {
        errors.add(code::TRANSACTION_ID, INVALID_TRANSACTION);
        return errors.reply();
    };
    if !errors.is_empty() {
        return errors.reply();
    }
    let Some(t) = state.transactions.get_mut(&id) else {
        return Errors::one(code::TRANSACTION_ID, INVALID_TRANSACTION).reply();
    };
    let amount = amount.unwrap_or(t.amount);
    let capturable = t.kind == TransactionKind::Authorization
        && t.approved
        && !t.voided
        && t.captured_amount.is_none()
        && t.batch_number.is_none()
        && amount <= t.amount;
    if !capturable {
        return outcome(false, 113, "Your transaction was not captured.", id);
    }
    t.captured_amount = Some(amount);
    outcome(true, 112, "Your transaction was successfully captured.", id)
}

fn void(state: &mut State, f: Fields<'_>) -> Reply {
    let Some(id) = f
        .id("transaction_id")
        .filter(|id| state.transactions.contains_key(id))
    else {
        return Errors::one(code::TRANSACTION_ID, INVALID_TRANSACTION).reply();
    };
    let Some(t) = state.transactions.get_mut(&id) else {
        return Errors::one(code::TRANSACTION_ID, INVALID_TRANSACTION).reply();
    };
    if !t.approved || t.voided || t.batch_number.is_some() {
        return ok(
            json!({"success": false, "response_code": 110, "status_message": "Your transaction was not voided.", "transaction_id": id}),
        );
    }
    t.voided = true;
    let (refund_of, amount) = (t.refund_of, t.amount);
    if let Some(original) = refund_of.and_then(|o| state.transactions.get_mut(&o)) {
        original.refunded -= amount;
    }
    ok(
        json!({"success": true, "response_code": 109, "status_message": "Your transaction was successfully voided.", "transaction_id": id}),
    )
}

fn refunded(id: u64) -> Reply {
    outcome(true, 106, "Your transaction successfully refunded.", id)
}

fn refund_for_transaction(state: &mut State, f: Fields<'_>) -> Reply {
    let Ok(amount) = f.amount("amount") else {
        return Errors::one(code::AMOUNT, "Please provide a valid Amount.").reply();
    };
    let original = f
        .id("transaction_id")
        .and_then(|id| state.transactions.get(&id))
        .filter(|t| t.approved);
    let Some(original) = original else {
        return Errors::one(code::TRANSACTION_ID, INVALID_TRANSACTION).reply();
    };
    let id = original.id;
    if original.kind == TransactionKind::Refund {
        return outcome(false, 107, "Your transaction was not refunded.", id);
    }
    if original.batch_number.is_none() {
        return Errors::one(
            code::REFUND_UNSETTLED,
            "The Transaction ID that you provided could not be refunded. Only settled transactions can be refunded.  Please try to void the transaction instead.",
        )
        .reply();
    }
    let remaining = original.settle_amount() - original.refunded;
    let amount = amount.unwrap_or(remaining);
    if amount <= Decimal::ZERO || amount > remaining {
        return outcome(false, 107, "Your transaction was not refunded.", id);
    }
    let payer = Payer {
        card: original.card.clone().unwrap_or_else(|| CardInfo {
            bin: String::new(),
            last4: String::new(),
            length: 0,
            expiration_month: 1,
            expiration_year: 2000,
            test_csc: None,
        }),
        billing: original.billing_address.clone(),
        csc: None,
        customer_id: original.customer_id.clone(),
    };
    let d = Details {
        invoice_id: original.invoice_id.clone(),
        customer_reference_id: original.customer_reference_id.clone(),
        description: original.description.clone(),
        email: None,
        tax_amount: None,
        shipping: None,
    };
    let mut refund = new_transaction(state, TransactionKind::Refund, amount, payer, d);
    refund.refund_of = Some(id);
    refund.approval_message = "  APPROVED - Refund accepted".to_owned();
    let refund_id = refund.id;
    state.transactions.insert(refund_id, refund);
    if let Some(original) = state.transactions.get_mut(&id) {
        original.refunded += amount;
    }
    refunded(refund_id)
}

/// Keyed refunds and refunds to a vault customer: new credits, not tied to a sale.
fn refund_new(state: &mut State, source: Source, f: Fields<'_>) -> Reply {
    let mut errors = Errors::default();
    let amount = f.required_amount("amount", &mut errors);
    let d = details(f, &mut errors);
    let payer = resolve_payer(state, source, f, &mut errors);
    let (Some(amount), Some(payer), true) = (amount, payer, errors.is_empty()) else {
        return errors.reply();
    };
    let mut refund = new_transaction(state, TransactionKind::Refund, amount, payer, d);
    refund.approval_message = "  APPROVED - Refund accepted".to_owned();
    let id = refund.id;
    state.transactions.insert(id, refund);
    refunded(id)
}

fn settle(state: &mut State) -> Reply {
    let message = match state.settle() {
        Some(number) => format!("The batch was settled. Batch number {number}."),
        None => "There were no transactions to settle.".to_owned(),
    };
    ok(json!({"success": true, "response_code": 175, "status_message": message}))
}

fn client_key(state: &mut State) -> Reply {
    state.client_keys = state.client_keys.saturating_add(1);
    ok(json!({
        "success": true,
        "response_code": 1,
        "status_message": "Your request has been successfully completed.",
        "clientKey": format!("fake-client-key-{}", uuid::Uuid::new_v4().simple()),
    }))
}

fn level3(state: &mut State, f: Fields<'_>) -> Reply {
    let eligible = f
        .id("transaction_id")
        .and_then(|id| state.transactions.get(&id))
        .filter(|t| {
            t.approved
                && !t.voided
                && t.batch_number.is_none()
                && (t.kind == TransactionKind::Sale || t.captured_amount.is_some())
        });
    let Some(t) = eligible else {
        return Errors::one(code::TRANSACTION_ID, INVALID_TRANSACTION).reply();
    };
    let lines =
        f.0.get("line_items")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
    ok(json!({
        "success": true,
        "response_code": 170,
        "status_message": format!("Visa/MasterCard enhanced data was successfully added to Transaction ID {}. {lines} line item records were created.", t.id),
    }))
}

// ---------------------------------------------------------------- exports

fn text(v: &Option<String>) -> Value {
    Value::String(v.clone().unwrap_or_default())
}

/// An export record in the shape of help.paytrace.com/json-export-tranx-date.
fn record(t: &Transaction, include_bin: bool, username: &str) -> Value {
    let settlement = t.settlement();
    let status_message = match settlement {
        Settlement::Settled { .. } => settlement.code(),
        Settlement::Pending => "PENDING".to_owned(),
        Settlement::NotSettling if t.voided => "VOIDED".to_owned(),
        Settlement::NotSettling if !t.approved => "DECLINED".to_owned(),
        Settlement::NotSettling => "AUTHORIZED".to_owned(),
    };
    let credit_card = t.card.as_ref().map_or(Value::Null, |c| {
        json!({
            "masked_number": c.export_masked(include_bin),
            "expiration_month": c.expiration_month,
            "expiration_year": c.expiration_year % 100,
        })
    });
    json!({
        "transaction_id": t.id,
        "credit_card": credit_card,
        "transaction_type": t.kind.as_str(),
        "description": text(&t.description),
        "amount": wire::money(t.settle_amount()),
        "invoice_id": text(&t.invoice_id),
        "shipping_address": t.shipping_address.clone().unwrap_or_default().to_json(),
        "billing_address": t.billing_address.clone().unwrap_or_default().to_json(),
        "receipt_emailed_to": text(&t.email),
        "tax_amount": t.tax_amount.map(wire::money_text).unwrap_or_default(),
        "customer_reference_id": text(&t.customer_reference_id),
        "approval_code": t.approval_code,
        "approval_message": t.approval_message.trim(),
        "avs_response": t.avs_response,
        "csc_response": t.csc_response,
        "status_code": settlement.code(),
        "status_message": status_message,
        "created": {"through": "API", "at": wire::timestamp(t.created_at), "by": username, "from_ip": "127.0.0.1"},
        "settled": t.settled_at.map(wire::timestamp).unwrap_or_default(),
        "customer_id": text(&t.customer_id),
    })
}

fn export_reply<'a>(
    records: impl Iterator<Item = &'a Transaction>,
    include_bin: bool,
    username: &str,
) -> Reply {
    let transactions: Vec<Value> = records.map(|t| record(t, include_bin, username)).collect();
    ok(json!({
        "success": true,
        "response_code": 1,
        "status_message": "Your request has been successfully completed.",
        "transactions": transactions,
        "external_transaction_id": "",
    }))
}

fn include_bin(f: Fields<'_>) -> bool {
    f.text("include_bin")
        .is_some_and(|b| b.eq_ignore_ascii_case("true") || b == "1")
}

fn export_by_id(state: &State, username: &str, f: Fields<'_>) -> Reply {
    let Some(t) = f
        .id("transaction_id")
        .and_then(|id| state.transactions.get(&id))
    else {
        return Errors::one(code::TRANSACTION_ID, INVALID_TRANSACTION).reply();
    };
    export_reply(std::iter::once(t), include_bin(f), username)
}

/// Reads `start_date` and `end_date` as day numbers.
fn date_range(f: Fields<'_>) -> Result<(i64, i64), Errors> {
    let mut errors = Errors::default();
    let start = f.text("start_date").and_then(|d| wire::parse_date(&d));
    if start.is_none() {
        errors.add(code::START_DATE, "Please provide a valid Start Date.");
    }
    let end = f.text("end_date").and_then(|d| wire::parse_date(&d));
    if end.is_none() {
        errors.add(code::END_DATE, "Please provide a valid End Date.");
    }
    match (start, end) {
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(errors),
    }
}

fn day(unix: i64) -> i64 {
    unix.div_euclid(86_400)
}

fn export_by_date_range(state: &State, username: &str, f: Fields<'_>) -> Reply {
    let (start, end) = match date_range(f) {
        Ok(range) => range,
        Err(errors) => return errors.reply(),
    };
    let wanted_type = f.text("transaction_type").map(|t| t.to_ascii_uppercase());
    let customer_id = f.text("customer_id");
    let including = f.text("including_text").map(|t| t.to_lowercase());
    let matches = |t: &&Transaction| {
        let in_range = (start..=end).contains(&day(t.created_at));
        let type_ok = match wanted_type.as_deref() {
            None => t.approved,
            Some("DECLINED") => !t.approved,
            Some("VOID") => t.voided,
            Some("SETTLED") => matches!(t.settlement(), Settlement::Settled { .. }),
            Some("PENDING") => t.settlement() == Settlement::Pending,
            Some(other) => t.approved && t.kind.as_str() == other,
        };
        let customer_ok = customer_id.is_none() || t.customer_id == customer_id;
        let text_ok = including.as_deref().is_none_or(|needle| {
            [
                &t.invoice_id,
                &t.description,
                &t.customer_reference_id,
                &t.customer_id,
                &t.email,
            ]
            .into_iter()
            .flatten()
            .chain(t.billing_address.as_ref().and_then(|b| b.name.as_ref()))
            .any(|hay| hay.to_lowercase().contains(needle))
        });
        in_range && type_ok && customer_ok && text_ok
    };
    export_reply(
        state.transactions.values().filter(matches),
        include_bin(f),
        username,
    )
}

// ---------------------------------------------------------------- customers

#[derive(Clone, Copy, PartialEq, Eq)]
enum CustomerSource {
    Card,
    Protect,
    Transaction,
}

fn customer_reply(code: u16, verb: &str, c: &Customer, show_card: bool) -> Reply {
    let name = c.billing_address.name.clone().unwrap_or_default();
    let mut body = json!({
        "success": true,
        "response_code": code,
        "status_message": format!("The customer profile for {}/{name} was successfully {verb}.", c.customer_id),
        "customer_id": c.customer_id,
    });
    if let (true, Some(map)) = (show_card, body.as_object_mut()) {
        map.insert("masked_card_number".into(), Value::String(c.card.masked()));
    }
    ok(body)
}

fn create_customer(state: &mut State, source: CustomerSource, f: Fields<'_>) -> Reply {
    let mut errors = Errors::default();
    let id = f.text("customer_id");
    match &id {
        None => errors.add(code::CUSTOMER_ID, "Please provide a valid Customer ID."),
        Some(id) if state.customers.contains_key(id) => errors.add(
            code::CUSTOMER_ID_NOT_UNIQUE,
            "Please provide a unique customer ID.",
        ),
        Some(_) => {}
    }
    let mut billing = Address::read(f.object("billing_address"));
    let card = match source {
        CustomerSource::Card => wire::read_card(f, &mut errors),
        CustomerSource::Protect if errors.is_empty() => {
            take_protect(state, f, &mut errors).map(|(card, _)| card)
        }
        CustomerSource::Protect => None,
        CustomerSource::Transaction => {
            let original = f
                .id("transaction_id")
                .and_then(|id| state.transactions.get(&id));
            match original.and_then(|t| Some((t.card.clone()?, t.billing_address.clone()))) {
                Some((card, original_billing)) => {
                    billing = billing.or(original_billing);
                    Some(card)
                }
                None => {
                    errors.add(code::TRANSACTION_ID, INVALID_TRANSACTION);
                    None
                }
            }
        }
    };
    let (Some(customer_id), Some(card), true) = (id, card, errors.is_empty()) else {
        return errors.reply();
    };
    let customer = Customer {
        customer_id,
        card,
        billing_address: billing.unwrap_or_default(),
        shipping_address: Address::read(f.object("shipping_address")),
        email: f.text("email"),
        phone: f.text("phone"),
        fax: f.text("fax"),
    };
    let reply = customer_reply(
        160,
        "created",
        &customer,
        source != CustomerSource::Transaction,
    );
    state
        .customers
        .insert(customer.customer_id.clone(), customer);
    reply
}

fn update_customer(state: &mut State, f: Fields<'_>) -> Reply {
    let id = f.text("customer_id").unwrap_or_default();
    if !state.customers.contains_key(&id) {
        return Errors::one(code::CUSTOMER_NOT_FOUND, customer_not_found(&id)).reply();
    }
    let mut errors = Errors::default();
    let new_id = f.text("new_id").filter(|n| *n != id);
    if new_id
        .as_ref()
        .is_some_and(|n| state.customers.contains_key(n))
    {
        errors.add(
            code::CUSTOMER_ID_NOT_UNIQUE,
            "Please provide a unique customer ID.",
        );
    }
    let card = if f.has("credit_card") {
        wire::read_card(f, &mut errors)
    } else {
        None
    };
    if !errors.is_empty() {
        return errors.reply();
    }
    let Some(mut customer) = state.customers.remove(&id) else {
        return Errors::one(code::CUSTOMER_NOT_FOUND, customer_not_found(&id)).reply();
    };
    if let Some(new_id) = new_id {
        customer.customer_id = new_id;
    }
    if let Some(card) = card {
        customer.card = card;
    }
    if let Some(billing) = Address::read(f.object("billing_address")) {
        customer.billing_address.merge(billing);
    }
    if let Some(shipping) = Address::read(f.object("shipping_address")) {
        customer
            .shipping_address
            .get_or_insert_with(Address::default)
            .merge(shipping);
    }
    for (key, slot) in [
        ("email", &mut customer.email),
        ("phone", &mut customer.phone),
        ("fax", &mut customer.fax),
    ] {
        if let Some(value) = f.text(key) {
            *slot = Some(value);
        }
    }
    let reply = customer_reply(161, "updated", &customer, true);
    state
        .customers
        .insert(customer.customer_id.clone(), customer);
    reply
}

fn delete_customer(state: &mut State, f: Fields<'_>) -> Reply {
    let id = f.text("customer_id").unwrap_or_default();
    if state.customers.remove(&id).is_none() {
        return Errors::one(code::CUSTOMER_NOT_FOUND, customer_not_found(&id)).reply();
    }
    ok(json!({
        "success": true,
        "response_code": 162,
        "status_message": format!("The customer profile for {id} was successfully deleted."),
    }))
}

fn export_customers(state: &State, f: Fields<'_>) -> Reply {
    let id = f.text("customer_id");
    let email = f.text("email");
    if let Some(id) = &id {
        if !state.customers.contains_key(id) {
            return Errors::one(code::CUSTOMER_NOT_FOUND, customer_not_found(id)).reply();
        }
    }
    let customers: Vec<Value> = state
        .customers
        .values()
        .filter(|c| id.as_ref().is_none_or(|id| *id == c.customer_id))
        .filter(|c| email.is_none() || c.email == email)
        .map(|c| {
            json!({
                "customer_id": c.customer_id,
                "credit_card": {
                    "masked_number": c.card.masked(),
                    "expiration_month": c.card.expiration_month,
                    "expiration_year": c.card.expiration_year,
                },
                "billing_address": c.billing_address.to_json(),
                "shipping_address": c.shipping_address.clone().unwrap_or_default().to_json(),
                "email": text(&c.email),
                "phone": text(&c.phone),
                "fax": text(&c.fax),
                "discretionary_data": {},
            })
        })
        .collect();
    ok(json!({
        "success": true,
        "response_code": 1,
        "status_message": "Your request has been successfully completed.",
        "customers": customers,
    }))
}

// ---------------------------------------------------------------- batches

/// A batch summary: `number` (the only confirmed field) and the fake's totals.
fn batch_summary(state: &State, batch: &Batch) -> Value {
    let settled = batch
        .transaction_ids
        .iter()
        .filter_map(|id| state.transactions.get(id));
    let (mut sale_count, mut sale_amount, mut refund_count, mut refund_amount) =
        (0u32, Decimal::ZERO, 0u32, Decimal::ZERO);
    for t in settled {
        if t.kind == TransactionKind::Refund {
            refund_count += 1;
            refund_amount += t.settle_amount();
        } else {
            sale_count += 1;
            sale_amount += t.settle_amount();
        }
    }
    json!({
        "number": batch.number,
        "created": wire::timestamp(batch.settled_at),
        "transaction_count": sale_count + refund_count,
        "sale_count": sale_count,
        "sale_amount": wire::money(sale_amount),
        "refund_count": refund_count,
        "refund_amount": wire::money(refund_amount),
        "net_amount": wire::money(sale_amount - refund_amount),
    })
}

fn invalid_batch() -> Reply {
    Errors::one(code::TRANSACTION_ID, "Please provide a valid Batch Number.").reply()
}

fn export_batch(state: &State, f: Fields<'_>) -> Reply {
    let batch = if f.has("batch_number") {
        f.id("batch_number")
            .and_then(|n| state.batches.iter().find(|b| b.number == n))
    } else {
        state.batches.last()
    };
    let Some(batch) = batch else {
        return invalid_batch();
    };
    ok(json!({
        "success": true,
        "response_code": 1,
        "status_message": "Your request has been successfully completed.",
        "batch": batch_summary(state, batch),
    }))
}

fn export_batches(state: &State, f: Fields<'_>) -> Reply {
    let (start, end) = match date_range(f) {
        Ok(range) => range,
        Err(errors) => return errors.reply(),
    };
    let batches: Vec<Value> = state
        .batches
        .iter()
        .filter(|b| (start..=end).contains(&day(b.settled_at)))
        .map(|b| batch_summary(state, b))
        .collect();
    ok(json!({
        "success": true,
        "response_code": 1,
        "status_message": "Your request has been successfully completed.",
        "batches": batches,
    }))
}

fn batch_transactions(state: &State, username: &str, f: Fields<'_>) -> Reply {
    let Some(batch) = f
        .id("batch_number")
        .and_then(|n| state.batches.iter().find(|b| b.number == n))
    else {
        return invalid_batch();
    };
    export_reply(
        batch
            .transaction_ids
            .iter()
            .filter_map(|id| state.transactions.get(id)),
        false,
        username,
    )
}
