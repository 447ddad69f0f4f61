//! The two sides: settlement lines and ledger entries.

use payops_core::Currency;
use time::OffsetDateTime;

/// What a settlement line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// A captured payment.
    Sale,
    /// Money given back to the customer.
    Refund,
    /// Money taken back by the card network.
    Chargeback,
}

impl LineKind {
    /// The interchange's name (`sale`, `refund`, `chargeback`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Refund => "refund",
            Self::Chargeback => "chargeback",
        }
    }

    /// The kind of an interchange name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Sale, Self::Refund, Self::Chargeback]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// One line of a gateway's settlement (a PayTrace batch's transaction, a Stripe payout's
/// balance transaction, a row of an export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementLine {
    /// The batch or payout it settled in.
    pub batch_id: String,
    /// The gateway's transaction id, unique in a settlement.
    pub transaction_id: String,
    /// The store's order reference the gateway carries (empty when it carries none).
    pub invoice_id: String,
    /// What it is for.
    pub kind: LineKind,
    /// Gross amount in minor units, negative for money going back to the customer.
    pub amount: i64,
    /// Fee withheld, in minor units of the same currency.
    pub fee: i64,
    /// The currency.
    pub currency: Currency,
    /// When it settled.
    pub settled_at: OffsetDateTime,
}

/// One payment or refund entry of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The ledger's id of the entry, unique.
    pub entry_id: String,
    /// The gateway's transaction id the entry records (empty when the ledger has none).
    pub gateway_transaction_id: String,
    /// The order reference (compared with [`SettlementLine::invoice_id`]).
    pub order_ref: String,
    /// Amount in minor units, negative for money going back to the customer.
    pub amount: i64,
    /// The currency.
    pub currency: Currency,
    /// When it was posted.
    pub posted_at: OffsetDateTime,
}
