//! The fake's in-memory PayTrace account: tokens, transactions, vault customers, batches.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::wire::{Address, CardInfo};

/// The kind of a transaction, as exports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    /// `SALE`.
    Sale,
    /// `AUTHORIZATION` (captured or not).
    Authorization,
    /// `REFUND` (for a transaction, keyed or to a vault customer).
    Refund,
}

impl TransactionKind {
    /// The export's `transaction_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "SALE",
            Self::Authorization => "AUTHORIZATION",
            Self::Refund => "REFUND",
        }
    }
}

/// Settlement state, as an export's `status_code` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Settlement {
    /// `Y`: settles when the current batch closes.
    Pending,
    /// `N`: declined, voided or an uncaptured authorization; never settles.
    NotSettling,
    /// `GB<n>`: settled in batch `n`.
    Settled {
        /// The batch number.
        batch_number: u64,
    },
}

impl Settlement {
    /// The export's `status_code` text.
    pub fn code(self) -> String {
        match self {
            Self::Pending => "Y".to_owned(),
            Self::NotSettling => "N".to_owned(),
            Self::Settled { batch_number } => format!("GB{batch_number}"),
        }
    }
}

/// One transaction of the fake account (a snapshot when read through the fake's accessors).
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// PayTrace's transaction id.
    pub id: u64,
    /// Sale, authorization or refund.
    pub kind: TransactionKind,
    /// Requested amount (the authorized amount for an authorization).
    pub amount: Decimal,
    /// Amount captured, for a captured authorization.
    pub captured_amount: Option<Decimal>,
    /// Tax included in the amount.
    pub tax_amount: Option<Decimal>,
    /// Whether the issuer approved it (`false` for declines).
    pub approved: bool,
    /// Whether it was voided.
    pub voided: bool,
    /// Sum of the refunds made for it.
    pub refunded: Decimal,
    /// For a refund for a transaction: the refunded transaction.
    pub refund_of: Option<u64>,
    /// Batch it settled in.
    pub batch_number: Option<u64>,
    /// Card shown back (never the full number).
    pub card: Option<CardInfo>,
    /// Invoice id sent with it.
    pub invoice_id: Option<String>,
    /// Customer reference sent with it.
    pub customer_reference_id: Option<String>,
    /// Vault customer charged or credited.
    pub customer_id: Option<String>,
    /// Description sent with it.
    pub description: Option<String>,
    /// Receipt email sent with it.
    pub email: Option<String>,
    /// Billing address used.
    pub billing_address: Option<Address>,
    /// Shipping address sent with it.
    pub shipping_address: Option<Address>,
    /// Issuer approval code (empty for declines).
    pub approval_code: String,
    /// Issuer message, with PayTrace's leading spaces.
    pub approval_message: String,
    /// AVS result text.
    pub avs_response: String,
    /// CSC result text.
    pub csc_response: String,
    /// Creation time, unix seconds on the fake's clock.
    pub created_at: i64,
    /// Settlement time, unix seconds on the fake's clock.
    pub settled_at: Option<i64>,
}

impl Transaction {
    /// Where the transaction stands in settlement.
    pub fn settlement(&self) -> Settlement {
        if let Some(batch_number) = self.batch_number {
            Settlement::Settled { batch_number }
        } else if !self.approved
            || self.voided
            || (self.kind == TransactionKind::Authorization && self.captured_amount.is_none())
        {
            Settlement::NotSettling
        } else {
            Settlement::Pending
        }
    }

    /// The amount that moves money at settlement (the captured amount of an authorization).
    pub fn settle_amount(&self) -> Decimal {
        self.captured_amount.unwrap_or(self.amount)
    }
}

/// A vault customer profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// The id chosen by the merchant.
    pub customer_id: String,
    /// The stored card (masked data only).
    pub card: CardInfo,
    /// Billing address.
    pub billing_address: Address,
    /// Shipping address.
    pub shipping_address: Option<Address>,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Fax number.
    pub fax: Option<String>,
}

/// A closed settlement batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Batch number (`GB<number>` in exports).
    pub number: u64,
    /// When it closed, unix seconds on the fake's clock.
    pub settled_at: i64,
    /// Transactions settled in it, in id order.
    pub transaction_ids: Vec<u64>,
}

/// A Protect.js token issued by [`super::PaytraceFake::protect_token`].
pub(crate) struct ProtectEntry {
    pub(crate) enc_key: String,
    pub(crate) card: Option<CardInfo>,
    pub(crate) csc: Option<String>,
}

/// The whole account.
pub(crate) struct State {
    /// Access token to its expiry (unix seconds on the fake's clock).
    pub(crate) tokens: HashMap<String, i64>,
    pub(crate) tokens_issued: u32,
    pub(crate) token_lifetime_secs: i64,
    pub(crate) clock_offset_secs: i64,
    pub(crate) next_transaction_id: u64,
    pub(crate) transactions: BTreeMap<u64, Transaction>,
    pub(crate) customers: BTreeMap<String, Customer>,
    pub(crate) batches: Vec<Batch>,
    pub(crate) next_batch_number: u64,
    pub(crate) protect_tokens: HashMap<String, ProtectEntry>,
    pub(crate) client_keys: u32,
}

impl State {
    pub(crate) fn new() -> Self {
        Self {
            tokens: HashMap::new(),
            tokens_issued: 0,
            token_lifetime_secs: 7200,
            clock_offset_secs: 0,
            next_transaction_id: 100_000_001,
            transactions: BTreeMap::new(),
            customers: BTreeMap::new(),
            batches: Vec::new(),
            next_batch_number: 1,
            protect_tokens: HashMap::new(),
            client_keys: 0,
        }
    }

    /// Unix seconds on the fake's clock (real time plus the test's offset).
    pub(crate) fn now(&self) -> i64 {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        real.saturating_add(self.clock_offset_secs)
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_transaction_id;
        self.next_transaction_id += 1;
        id
    }

    /// Closes the current batch: every pending transaction settles in it.
    pub(crate) fn settle(&mut self) -> Option<u64> {
        let now = self.now();
        let pending: Vec<u64> = self
            .transactions
            .values()
            .filter(|t| t.settlement() == Settlement::Pending)
            .map(|t| t.id)
            .collect();
        if pending.is_empty() {
            return None;
        }
        let number = self.next_batch_number;
        self.next_batch_number += 1;
        for id in &pending {
            if let Some(t) = self.transactions.get_mut(id) {
                t.batch_number = Some(number);
                t.settled_at = Some(now);
            }
        }
        self.batches.push(Batch {
            number,
            settled_at: now,
            transaction_ids: pending,
        });
        Some(number)
    }
}
