use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A payment gateway name (`"stripe"`, `"paytrace"`): lower-case ASCII letters, digits, `_`, `-`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gateway(String);

impl Gateway {
    /// Validates a gateway name (1 to 32 characters of `a-z`, `0-9`, `_`, `-`).
    pub fn new(name: &str) -> Result<Self, Error> {
        let ok = !name.is_empty()
            && name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(Error::InvalidDocument(format!(
                "invalid gateway name {name:?}"
            )))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Gateway {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::new(&s)
    }
}

impl From<Gateway> for String {
    fn from(g: Gateway) -> String {
        g.0
    }
}

/// An account of the chart of accounts.
///
/// The named accounts are the ones the ERP documents post to; `Other` names any further
/// account by its code (it must exist in the ledger, or in Odoo's `account.account`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// Accounts receivable (trade debtors).
    Receivables,
    /// The merchant's bank account, where payouts land.
    Bank,
    /// Money captured by a gateway and not yet paid out.
    Clearing(Gateway),
    /// Sales revenue.
    Revenue,
    /// Sales tax collected and owed.
    TaxPayable,
    /// Shipping charged to customers.
    ShippingIncome,
    /// Fees charged by gateways.
    GatewayFees,
    /// Refunds and credit notes granted (contra revenue).
    Refunds,
    /// Funds lost to chargebacks, and dispute fees.
    Chargebacks,
    /// Money a gateway withdrew for a dispute that is still open: held, not yet lost or won.
    DisputedFunds,
    /// Revenue billed for service not yet delivered (a liability), recognised as the days of
    /// the service period pass.
    DeferredRevenue,
    /// Invoices written off as uncollectible.
    BadDebts,
    /// Any other account, by code.
    Other(String),
}

/// The nature of an account, which sets the sign of its normal balance.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Asset (normal debit balance).
    Asset,
    /// Liability (normal credit balance).
    Liability,
    /// Income (normal credit balance).
    Income,
    /// Expense or contra income (normal debit balance).
    Expense,
}

impl AccountKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "asset" => AccountKind::Asset,
            "liability" => AccountKind::Liability,
            "income" => AccountKind::Income,
            "expense" => AccountKind::Expense,
            _ => return None,
        })
    }
}

impl Account {
    /// The account's code in the embedded ledger's chart of accounts.
    pub fn code(&self) -> String {
        match self {
            Account::Bank => "1000".into(),
            Account::Receivables => "1100".into(),
            Account::Clearing(g) => format!("1200-{g}"),
            Account::DisputedFunds => "1300".into(),
            Account::TaxPayable => "2200".into(),
            Account::DeferredRevenue => "2400".into(),
            Account::Revenue => "4000".into(),
            Account::ShippingIncome => "4100".into(),
            Account::Refunds => "4900".into(),
            Account::GatewayFees => "6100".into(),
            Account::Chargebacks => "6200".into(),
            Account::BadDebts => "6300".into(),
            Account::Other(code) => code.clone(),
        }
    }

    /// The kind of the named accounts (`None` for `Other`, whose kind the chart records).
    pub fn kind(&self) -> Option<AccountKind> {
        Some(match self {
            Account::Bank
            | Account::Receivables
            | Account::Clearing(_)
            | Account::DisputedFunds => AccountKind::Asset,
            Account::TaxPayable | Account::DeferredRevenue => AccountKind::Liability,
            Account::Revenue | Account::ShippingIncome => AccountKind::Income,
            Account::Refunds | Account::GatewayFees | Account::Chargebacks | Account::BadDebts => {
                AccountKind::Expense
            }
            Account::Other(_) => return None,
        })
    }

    /// A human-readable name.
    pub fn name(&self) -> String {
        match self {
            Account::Bank => "Bank".into(),
            Account::Receivables => "Accounts receivable".into(),
            Account::Clearing(g) => format!("Clearing: {g}"),
            Account::TaxPayable => "Tax payable".into(),
            Account::Revenue => "Revenue".into(),
            Account::ShippingIncome => "Shipping income".into(),
            Account::Refunds => "Refunds".into(),
            Account::GatewayFees => "Gateway fees".into(),
            Account::Chargebacks => "Chargebacks".into(),
            Account::DisputedFunds => "Disputed funds".into(),
            Account::DeferredRevenue => "Deferred revenue".into(),
            Account::BadDebts => "Bad debts".into(),
            Account::Other(code) => code.clone(),
        }
    }
}
