//! How the connector maps this crate's documents onto one Odoo database.

use std::collections::BTreeMap;

use crate::models::{Account, Gateway};

/// How this crate's documents land in one Odoo database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OdooErpConfig {
    /// Odoo `account.account` code of each named [`Account`] used by invoices (tax,
    /// shipping), credit memos (refunds), fees, disputes and journal entries.
    /// [`Account::Other`] codes are used as they are.
    pub account_codes: BTreeMap<Account, String>,
    /// Odoo `account.journal` id that receives each gateway's payments.
    pub payment_journals: BTreeMap<Gateway, i64>,
    /// A custom `res.partner` char field (e.g. `x_vault_ids`) that stores the gateway vault
    /// ids as JSON; Odoo has no standard field for them. `None`: vault ids are not written.
    pub vault_id_field: Option<String>,
    /// The `account.analytic.plan` id under which recurring contracts are kept as analytic
    /// accounts (see [`crate::odoo`]). `None`: [`crate::Erp::upsert_contract`] is a
    /// configuration error.
    pub contract_plan: Option<i64>,
}

impl OdooErpConfig {
    /// An empty configuration (set the maps before use).
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps a named account to an Odoo account code.
    pub fn account(mut self, account: Account, code: impl Into<String>) -> Self {
        self.account_codes.insert(account, code.into());
        self
    }

    /// Keeps recurring contracts as analytic accounts under this `account.analytic.plan` id.
    pub fn contract_plan(mut self, plan_id: i64) -> Self {
        self.contract_plan = Some(plan_id);
        self
    }

    /// Maps a gateway to the Odoo journal that receives its payments.
    pub fn payment_journal(mut self, gateway: Gateway, journal_id: i64) -> Self {
        self.payment_journals.insert(gateway, journal_id);
        self
    }

    /// Stores vault ids in this custom `res.partner` field.
    pub fn vault_id_field(mut self, field: impl Into<String>) -> Self {
        self.vault_id_field = Some(field.into());
        self
    }
}

/// Fields this connector writes or reads, per model; checked by [`super::OdooErp::connect`].
pub(crate) const REQUIRED_FIELDS: [(&str, &[&str]); 5] = [
    ("res.partner", &["name", "email", "ref", "customer_rank"]),
    (
        "sale.order",
        &["partner_id", "client_order_ref", "date_order", "order_line"],
    ),
    (
        "account.move",
        &[
            "move_type",
            "partner_id",
            "ref",
            "date",
            "invoice_date",
            "invoice_date_due",
            "invoice_origin",
            "currency_id",
            "invoice_line_ids",
            "line_ids",
            "reversed_entry_id",
            "state",
            "payment_state",
            "amount_total",
            "amount_residual",
        ],
    ),
    (
        "account.payment",
        &[
            "payment_type",
            "partner_type",
            "partner_id",
            "amount",
            "currency_id",
            "journal_id",
            "date",
        ],
    ),
    (
        "account.payment.register",
        &["amount", "journal_id", "payment_date", "communication"],
    ),
];
