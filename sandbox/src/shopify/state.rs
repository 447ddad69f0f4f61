//! The fake's in-memory store: orders with their transactions, refunds, metafields, risk
//! assessments and fulfillments, customers, tokens, webhook subscriptions and the cost bucket.

use std::collections::HashMap;
use std::time::Instant;

use rust_decimal::Decimal;
use serde_json::Value;

/// `OrderTransactionKind` of a stored transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    /// Funds reserved.
    Authorization,
    /// An authorization captured.
    Capture,
    /// Authorization and capture at once.
    Sale,
    /// An authorization cancelled.
    Void,
    /// Money returned.
    Refund,
}

impl TransactionKind {
    /// The GraphQL enum value (`SALE`, ...).
    pub fn graphql(self) -> &'static str {
        match self {
            Self::Authorization => "AUTHORIZATION",
            Self::Capture => "CAPTURE",
            Self::Sale => "SALE",
            Self::Void => "VOID",
            Self::Refund => "REFUND",
        }
    }

    /// The REST value (`sale`, ...).
    pub fn rest(self) -> &'static str {
        match self {
            Self::Authorization => "authorization",
            Self::Capture => "capture",
            Self::Sale => "sale",
            Self::Void => "void",
            Self::Refund => "refund",
        }
    }
}

/// `OrderTransactionStatus` of a stored transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Succeeded.
    Success,
    /// Declined by the gateway.
    Failure,
    /// Gateway error.
    Error,
}

impl TransactionStatus {
    /// The GraphQL enum value (`SUCCESS`, ...).
    pub fn graphql(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Failure => "FAILURE",
            Self::Error => "ERROR",
        }
    }

    /// The REST value (`success`, ...).
    pub fn rest(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Error => "error",
        }
    }
}

/// `OrderDisplayFinancialStatus`, derived from an order's transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinancialStatus {
    /// Nothing paid or authorized.
    Pending,
    /// An open authorization and nothing captured.
    Authorized,
    /// Less than the total received.
    PartiallyPaid,
    /// The total received.
    Paid,
    /// Part of what was received refunded.
    PartiallyRefunded,
    /// Everything received refunded.
    Refunded,
    /// Every authorization voided.
    Voided,
}

impl FinancialStatus {
    /// The GraphQL enum value (`PAID`, ...).
    pub fn graphql(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Authorized => "AUTHORIZED",
            Self::PartiallyPaid => "PARTIALLY_PAID",
            Self::Paid => "PAID",
            Self::PartiallyRefunded => "PARTIALLY_REFUNDED",
            Self::Refunded => "REFUNDED",
            Self::Voided => "VOIDED",
        }
    }

    /// The REST `financial_status` (`paid`, ...).
    pub fn rest(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Authorized => "authorized",
            Self::PartiallyPaid => "partially_paid",
            Self::Paid => "paid",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
            Self::Voided => "voided",
        }
    }
}

/// A transaction on an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// REST id (the GID is `gid://shopify/OrderTransaction/{id}`).
    pub id: u64,
    /// Kind.
    pub kind: TransactionKind,
    /// Status.
    pub status: TransactionStatus,
    /// Gateway name (`bogus`, `manual`, `PayTrace`, ...).
    pub gateway: String,
    /// Amount in the order currency.
    pub amount: Decimal,
    /// The authorization of a capture or void, the sale or capture of a refund.
    pub parent_id: Option<u64>,
    /// Gateway authorization code.
    pub authorization_code: Option<String>,
    /// Gateway error code of a failed transaction (`CARD_DECLINED`, ...).
    pub error_code: Option<String>,
    /// Test transaction.
    pub test: bool,
    /// Recorded with `orderCreateManualPayment` or `orderMarkAsPaid`.
    pub manual: bool,
    /// Creation time, Unix milliseconds.
    pub created_at_ms: i64,
}

impl Transaction {
    fn ok(&self, kind: TransactionKind) -> bool {
        self.kind == kind && self.status == TransactionStatus::Success
    }
}

/// A postal address (orders and customers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Street line 1.
    pub address1: Option<String>,
    /// Street line 2.
    pub address2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province code (`KY`).
    pub province_code: Option<String>,
    /// Country code (`US`).
    pub country_code: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A line item of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// REST id.
    pub id: u64,
    /// Id of its line on the order's fulfillment order (`FulfillmentOrderLineItem`).
    pub fulfillment_order_line_item_id: u64,
    /// Title.
    pub title: String,
    /// SKU.
    pub sku: Option<String>,
    /// Quantity ordered.
    pub quantity: u32,
    /// Unit price.
    pub price: Decimal,
    /// A gift card: it does not ship.
    pub gift_card: bool,
    /// Quantity fulfilled so far.
    pub fulfilled_quantity: u32,
    /// Quantity refunded so far.
    pub refunded_quantity: u32,
}

/// A metafield on an order or a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metafield {
    /// REST id.
    pub id: u64,
    /// Namespace.
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Type (`single_line_text_field`, ...).
    pub kind: String,
}

impl Metafield {
    /// The `compareDigest` of the stored value (hex SHA-256 of namespace, key and value).
    pub fn compare_digest(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.namespace.as_bytes());
        h.update([0]);
        h.update(self.key.as_bytes());
        h.update([0]);
        h.update(self.value.as_bytes());
        hex::encode(h.finalize())
    }
}

/// One fact of a risk assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFact {
    /// Description.
    pub description: String,
    /// `POSITIVE`, `NEUTRAL` or `NEGATIVE`.
    pub sentiment: String,
}

/// A risk assessment of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskAssessment {
    /// `HIGH`, `MEDIUM`, `LOW`, `NONE` or `PENDING`.
    pub risk_level: String,
    /// Facts.
    pub facts: Vec<RiskFact>,
    /// The app that made it (`None` for Shopify's own assessment).
    pub provider: Option<String>,
}

/// A refunded line of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundLine {
    /// REST id.
    pub id: u64,
    /// The order's line item.
    pub line_item_id: u64,
    /// Quantity.
    pub quantity: u32,
    /// `RETURN`, `CANCEL` or `NO_RESTOCK`.
    pub restock_type: String,
    /// Price times quantity.
    pub subtotal: Decimal,
}

/// A refund of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// REST id.
    pub id: u64,
    /// The order.
    pub order_id: u64,
    /// Note.
    pub note: Option<String>,
    /// Refunded lines.
    pub lines: Vec<RefundLine>,
    /// Shipping refunded.
    pub shipping: Decimal,
    /// Ids of its `REFUND` transactions (stored on the order).
    pub transaction_ids: Vec<u64>,
    /// The `@idempotent` key it was created with.
    pub idempotency_key: Option<String>,
    /// Creation time, Unix milliseconds.
    pub created_at_ms: i64,
}

/// A fulfillment of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fulfillment {
    /// REST id.
    pub id: u64,
    /// The fulfillment order it fulfilled.
    pub fulfillment_order_id: u64,
    /// `SUCCESS`.
    pub status: String,
    /// Carrier.
    pub tracking_company: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Tracking URL.
    pub tracking_url: Option<String>,
    /// Whether the buyer was notified.
    pub notify_customer: bool,
    /// `(line item id, quantity)` fulfilled.
    pub line_items: Vec<(u64, u32)>,
    /// Creation time, Unix milliseconds.
    pub created_at_ms: i64,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// REST id (`gid://shopify/Order/{id}`).
    pub id: u64,
    /// `#1001`, ...
    pub name: String,
    /// Order number (1001, ...).
    pub number: u64,
    /// Buyer e-mail.
    pub email: Option<String>,
    /// Buyer phone.
    pub phone: Option<String>,
    /// The customer.
    pub customer_id: Option<u64>,
    /// Shop and presentment currency.
    pub currency: String,
    /// Line items.
    pub line_items: Vec<LineItem>,
    /// Shipping price.
    pub shipping_price: Decimal,
    /// Total tax.
    pub total_tax: Decimal,
    /// Tip received at checkout.
    pub tip: Decimal,
    /// Billing address.
    pub billing_address: Option<Address>,
    /// Shipping address.
    pub shipping_address: Option<Address>,
    /// Note.
    pub note: Option<String>,
    /// Note attributes (`name`, `value`).
    pub note_attributes: Vec<(String, String)>,
    /// Tags.
    pub tags: Vec<String>,
    /// Test order.
    pub test: bool,
    /// Creation time, Unix milliseconds.
    pub created_at_ms: i64,
    /// Last update, Unix milliseconds.
    pub updated_at_ms: i64,
    /// Transactions, oldest first.
    pub transactions: Vec<Transaction>,
    /// Refunds, oldest first.
    pub refunds: Vec<Refund>,
    /// Metafields.
    pub metafields: Vec<Metafield>,
    /// Risk assessments.
    pub risk_assessments: Vec<RiskAssessment>,
    /// The order's single fulfillment order.
    pub fulfillment_order_id: u64,
    /// Fulfillments.
    pub fulfillments: Vec<Fulfillment>,
    /// When it was cancelled (`orderCancel`), Unix milliseconds.
    pub cancelled_at_ms: Option<i64>,
    /// Why it was cancelled (`FRAUD`, ...) and the staff note, as `orderCancel` was given them.
    pub cancellation: Option<Cancellation>,
}

/// What an `orderCancel` was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    /// `OrderCancelReason`: `FRAUD`, `CUSTOMER`, ...
    pub reason: String,
    /// The staff note, if any.
    pub staff_note: Option<String>,
    /// Whether it asked for a refund to the original payment methods.
    pub refund: bool,
}

impl Order {
    /// Sum of line items.
    pub fn subtotal(&self) -> Decimal {
        self.line_items
            .iter()
            .map(|l| l.price * Decimal::from(l.quantity))
            .sum()
    }

    /// Subtotal plus shipping, tax and tip (Shopify's `total_price` includes tips).
    pub fn total(&self) -> Decimal {
        self.subtotal() + self.shipping_price + self.total_tax + self.tip
    }

    /// Successful sales and captures.
    pub fn received(&self) -> Decimal {
        self.transactions
            .iter()
            .filter(|t| t.ok(TransactionKind::Sale) || t.ok(TransactionKind::Capture))
            .map(|t| t.amount)
            .sum()
    }

    /// Successful refunds.
    pub fn refunded(&self) -> Decimal {
        self.transactions
            .iter()
            .filter(|t| t.ok(TransactionKind::Refund))
            .map(|t| t.amount)
            .sum()
    }

    /// Total minus refunds.
    pub fn current_total(&self) -> Decimal {
        (self.total() - self.refunded()).max(Decimal::ZERO)
    }

    /// What is still owed: the total minus what was received (never negative).
    pub fn outstanding(&self) -> Decimal {
        (self.total() - self.received()).max(Decimal::ZERO)
    }

    /// What an authorization can still capture (zero when voided or not an authorization).
    pub fn capturable(&self, authorization_id: u64) -> Decimal {
        let Some(auth) = self.transactions.iter().find(|t| t.id == authorization_id) else {
            return Decimal::ZERO;
        };
        if !auth.ok(TransactionKind::Authorization) {
            return Decimal::ZERO;
        }
        let children = self
            .transactions
            .iter()
            .filter(|t| t.parent_id == Some(authorization_id));
        let mut captured = Decimal::ZERO;
        for child in children {
            if child.ok(TransactionKind::Void) {
                return Decimal::ZERO;
            }
            if child.ok(TransactionKind::Capture) {
                captured += child.amount;
            }
        }
        (auth.amount - captured).max(Decimal::ZERO)
    }

    /// What a sale or capture can still refund.
    pub fn refundable(&self, parent_id: u64) -> Decimal {
        let Some(parent) = self.transactions.iter().find(|t| t.id == parent_id) else {
            return Decimal::ZERO;
        };
        if !(parent.ok(TransactionKind::Sale) || parent.ok(TransactionKind::Capture)) {
            return Decimal::ZERO;
        }
        let refunded: Decimal = self
            .transactions
            .iter()
            .filter(|t| t.parent_id == Some(parent_id) && t.ok(TransactionKind::Refund))
            .map(|t| t.amount)
            .sum();
        (parent.amount - refunded).max(Decimal::ZERO)
    }

    /// `displayFinancialStatus`.
    pub fn financial_status(&self) -> FinancialStatus {
        let received = self.received();
        let refunded = self.refunded();
        if received.is_zero() {
            let open_auth = self
                .transactions
                .iter()
                .any(|t| t.ok(TransactionKind::Authorization) && !self.capturable(t.id).is_zero());
            if open_auth {
                FinancialStatus::Authorized
            } else if self
                .transactions
                .iter()
                .any(|t| t.ok(TransactionKind::Void))
            {
                FinancialStatus::Voided
            } else {
                FinancialStatus::Pending
            }
        } else if refunded >= received {
            FinancialStatus::Refunded
        } else if !refunded.is_zero() {
            FinancialStatus::PartiallyRefunded
        } else if received >= self.total() {
            FinancialStatus::Paid
        } else {
            FinancialStatus::PartiallyPaid
        }
    }

    /// `displayFulfillmentStatus`: `UNFULFILLED`, `PARTIALLY_FULFILLED` or `FULFILLED`.
    pub fn fulfillment_status(&self) -> &'static str {
        let fulfilled: u32 = self.line_items.iter().map(|l| l.fulfilled_quantity).sum();
        let ordered: u32 = self.line_items.iter().map(|l| l.quantity).sum();
        if fulfilled == 0 {
            "UNFULFILLED"
        } else if fulfilled >= ordered {
            "FULFILLED"
        } else {
            "PARTIALLY_FULFILLED"
        }
    }

    /// The risk summary's `recommendation`, from the highest risk level assessed.
    pub fn risk_recommendation(&self) -> &'static str {
        let levels: Vec<&str> = self
            .risk_assessments
            .iter()
            .map(|a| a.risk_level.as_str())
            .collect();
        if levels.contains(&"HIGH") {
            "CANCEL"
        } else if levels.contains(&"MEDIUM") {
            "INVESTIGATE"
        } else if levels.is_empty() {
            "NONE"
        } else {
            "ACCEPT"
        }
    }
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// REST id (`gid://shopify/Customer/{id}`).
    pub id: u64,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Tax exempt.
    pub tax_exempt: bool,
    /// Locale.
    pub locale: Option<String>,
    /// Addresses (the first is the default).
    pub addresses: Vec<Address>,
    /// Metafields.
    pub metafields: Vec<Metafield>,
    /// Creation time, Unix milliseconds.
    pub created_at_ms: i64,
    /// Last update, Unix milliseconds.
    pub updated_at_ms: i64,
}

/// An issued OAuth token.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub(crate) expires_at_ms: Option<i64>,
}

/// The GraphQL cost bucket (leaky bucket), in thousandths of a point.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    pub(crate) maximum: i64,
    pub(crate) restore_rate: i64,
    available_milli: i64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn new(maximum: u32, restore_rate: u32) -> Self {
        let maximum = i64::from(maximum);
        Self {
            maximum,
            restore_rate: i64::from(restore_rate),
            available_milli: maximum * 1000,
            last: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed_ms =
            i64::try_from(now.duration_since(self.last).as_millis()).unwrap_or(i64::MAX);
        let restored = elapsed_ms.saturating_mul(self.restore_rate);
        self.available_milli = self
            .available_milli
            .saturating_add(restored)
            .min(self.maximum * 1000);
        self.last = now;
    }

    /// Points available now, in thousandths.
    pub(crate) fn available_milli(&mut self) -> i64 {
        self.refill();
        self.available_milli
    }

    pub(crate) fn set_available(&mut self, points: u32) {
        self.refill();
        self.available_milli = (i64::from(points) * 1000).min(self.maximum * 1000);
    }

    /// Takes `points` if available.
    pub(crate) fn try_take(&mut self, points: u32) -> bool {
        self.refill();
        let need = i64::from(points) * 1000;
        if self.available_milli < need {
            return false;
        }
        self.available_milli -= need;
        true
    }

    /// Gives back `points` (the difference between requested and actual cost).
    pub(crate) fn give_back(&mut self, points: u32) {
        self.refill();
        self.available_milli =
            (self.available_milli + i64::from(points) * 1000).min(self.maximum * 1000);
    }
}

/// Most requests kept in the request log.
pub(crate) const REQUEST_LOG_LIMIT: usize = 10_000;

/// Everything the fake stores.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) next_id: u64,
    pub(crate) next_order_number: u64,
    pub(crate) orders: Vec<Order>,
    /// Order id -> position in `orders` (orders are never removed).
    order_index: HashMap<u64, usize>,
    /// Every customer, oldest first; added with [`State::add_customer`] so the indexes follow.
    pub(crate) customers: Vec<Customer>,
    /// Customer id -> position in `customers` (customers are never removed).
    customer_index: HashMap<u64, usize>,
    /// Lower-cased email -> customer id (emails are unique among customers).
    customer_emails: HashMap<String, u64>,
    /// Idempotency key of `refundCreate` -> (order id, refund id).
    pub(crate) refund_keys: HashMap<String, (u64, u64)>,
    pub(crate) tokens: HashMap<String, IssuedToken>,
    /// Usable refresh tokens -> the token they replaced (dropped once this one is used).
    pub(crate) refresh_tokens: HashMap<String, Option<String>>,
    pub(crate) auth_codes: Vec<String>,
    pub(crate) token_lifetime_secs: Option<u64>,
    pub(crate) subscriptions: Vec<(String, url::Url)>,
    pub(crate) bucket: Bucket,
    pub(crate) throttled: u32,
    pub(crate) fail_next_captures: u32,
    pub(crate) clock_offset_ms: i64,
    pub(crate) requests: Vec<(String, Value)>,
    /// Invoices e-mailed by `orderInvoiceSend`, oldest first.
    pub(crate) invoices: Vec<SentInvoice>,
}

/// An invoice `orderInvoiceSend` e-mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentInvoice {
    /// The order.
    pub order_id: u64,
    /// The recipient.
    pub to: String,
    /// The message above the invoice, if any.
    pub custom_message: Option<String>,
}

impl State {
    pub(crate) fn new() -> Self {
        Self {
            next_id: 1_000_000_001,
            next_order_number: 1001,
            orders: Vec::new(),
            order_index: HashMap::new(),
            customers: Vec::new(),
            customer_index: HashMap::new(),
            customer_emails: HashMap::new(),
            refund_keys: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            auth_codes: Vec::new(),
            token_lifetime_secs: None,
            invoices: Vec::new(),
            subscriptions: Vec::new(),
            bucket: Bucket::new(super::DEFAULT_BUCKET_SIZE, super::DEFAULT_RESTORE_RATE),
            throttled: 0,
            fail_next_captures: 0,
            clock_offset_ms: 0,
            requests: Vec::new(),
        }
    }

    pub(crate) fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn now_ms(&self) -> i64 {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        real.saturating_add(self.clock_offset_ms)
    }

    pub(crate) fn order_mut(&mut self, id: u64) -> Option<&mut Order> {
        let at = *self.order_index.get(&id)?;
        self.orders.get_mut(at)
    }

    pub(crate) fn order(&self, id: u64) -> Option<&Order> {
        self.orders.get(*self.order_index.get(&id)?)
    }

    pub(crate) fn push_order(&mut self, order: Order) {
        self.order_index.insert(order.id, self.orders.len());
        self.orders.push(order);
    }

    /// Logs a request, keeping the latest [`REQUEST_LOG_LIMIT`] entries.
    pub(crate) fn log_request(&mut self, op: &str, vars: &Value) {
        if self.requests.len() >= REQUEST_LOG_LIMIT {
            self.requests.drain(..REQUEST_LOG_LIMIT / 10);
        }
        self.requests.push((op.to_owned(), vars.clone()));
    }

    /// Whether some subscription receives `topic`.
    pub(crate) fn subscribed(&self, topic: &str) -> bool {
        self.subscriptions
            .iter()
            .any(|(t, _)| t == topic || t == "*")
    }

    pub(crate) fn customer(&self, id: u64) -> Option<&Customer> {
        self.customers.get(*self.customer_index.get(&id)?)
    }

    /// Change a customer's email through [`State::email_changed`] afterwards.
    pub(crate) fn customer_mut(&mut self, id: u64) -> Option<&mut Customer> {
        self.customers.get_mut(*self.customer_index.get(&id)?)
    }

    pub(crate) fn add_customer(&mut self, customer: Customer) {
        self.customer_index
            .insert(customer.id, self.customers.len());
        if let Some(email) = &customer.email {
            self.customer_emails
                .insert(email.to_ascii_lowercase(), customer.id);
        }
        self.customers.push(customer);
    }

    /// The customer with this email, ignoring case.
    pub(crate) fn customer_by_email(&self, email: &str) -> Option<&Customer> {
        self.customer(*self.customer_emails.get(&email.to_ascii_lowercase())?)
    }

    /// Follows a change of customer `id`'s email from `old`.
    pub(crate) fn email_changed(&mut self, id: u64, old: Option<&str>) {
        if let Some(old) = old {
            let old = old.to_ascii_lowercase();
            if self.customer_emails.get(&old) == Some(&id) {
                self.customer_emails.remove(&old);
            }
        }
        if let Some(new) = self.customer(id).and_then(|c| c.email.clone()) {
            self.customer_emails.insert(new.to_ascii_lowercase(), id);
        }
    }
}
