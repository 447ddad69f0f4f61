//! Recurring contracts over Odoo Community, as analytic accounts.
//!
//! Community has no subscription model (Subscriptions is an Enterprise app,
//! <https://www.odoo.com/documentation/18.0/applications/sales/subscriptions.html>). The
//! closest document it has is the analytic account (`account.analytic.account`, module
//! `analytic`), which older Odoo versions called a contract: a named, coded record with its
//! customer (`partner_id`), under an analytic plan (`plan_id`, required), that can be archived
//! (`active`). Its `name`, `code`, `active` and `partner_id` are tracked in its chatter
//! (`tracking=True` in `addons/analytic/models/analytic_account.py`), so each status change
//! written here leaves a dated line in Odoo: the contract's history.
//!
//! The contract's reference is the account's `code`; its items, status and dates are its
//! `name`; an ended contract is archived. The plan is configured
//! ([`super::OdooErpConfig::contract_plan`]); without one, contracts are a configuration error.

use serde_json::json;

use super::OdooErp;
use super::connector::recorded;
use super::wire::Many2one;
use crate::error::Error;
use crate::models::{Contract, ContractStatus, DocumentKind, Recorded};

/// An analytic account as the connector compares it.
#[derive(serde::Deserialize)]
struct AnalyticAccount {
    id: i64,
    name: String,
    active: bool,
    partner_id: Many2one,
}

/// The account's name: items, status and dates, as a person reads them in Odoo.
pub(crate) fn contract_name(c: &Contract) -> String {
    let items: Vec<String> = c
        .items
        .iter()
        .map(|i| {
            let every = match i.interval_count {
                1 => i.interval.as_str().to_owned(),
                n => format!("{n} {}s", i.interval.as_str()),
            };
            format!(
                "{} × {} at {} every {every}",
                i.quantity, i.description, i.unit_price
            )
        })
        .collect();
    let mut name = format!(
        "Subscription: {} ({}, since {}",
        items.join("; "),
        c.status,
        c.start_date
    );
    if let Some(ended) = c.ended_on {
        name.push_str(&format!(", ended {ended}"));
    } else if c.cancel_at_period_end {
        match &c.current_period {
            Some(p) => name.push_str(&format!(", ends after {}", p.last_day())),
            None => name.push_str(", ends at the period's end"),
        }
    }
    name.push(')');
    name
}

/// Whether the contract has ended: its analytic account is archived.
fn ended(c: &Contract) -> bool {
    c.ended_on.is_some()
        || matches!(
            c.status,
            ContractStatus::Canceled | ContractStatus::IncompleteExpired
        )
}

impl OdooErp {
    /// See [`crate::Erp::upsert_contract`] and the module's documentation. Two calls to find
    /// the customer and the account, then a `create`, a `write` of what changed, or nothing.
    pub(super) async fn upsert_analytic_contract(&self, c: &Contract) -> Result<Recorded, Error> {
        c.validate()?;
        let plan = self.config.contract_plan.ok_or_else(|| {
            Error::Config(
                "no Odoo analytic plan configured for contracts (OdooErpConfig::contract_plan)"
                    .into(),
            )
        })?;
        let partner = self.partner(&c.customer_ref).await?;
        let (name, active) = (contract_name(c), !ended(c));
        let found: Vec<AnalyticAccount> = self
            .client
            .call(
                "account.analytic.account",
                "search_read",
                json!({
                    "domain": [["code", "=", c.external_ref], ["active", "in", [true, false]]],
                    "fields": ["name", "active", "partner_id"],
                    "limit": 1,
                }),
            )
            .await?;
        let kind = DocumentKind::Contract;
        let Some(account) = found.into_iter().next() else {
            let id = self
                .create(
                    "account.analytic.account",
                    json!({
                        "name": name,
                        "code": c.external_ref,
                        "plan_id": plan,
                        "partner_id": partner,
                        "active": active,
                    }),
                )
                .await?;
            return Ok(recorded(kind, id, &c.external_ref, true));
        };
        let mut changes = serde_json::Map::new();
        if account.name != name {
            changes.insert("name".into(), json!(name));
        }
        if account.active != active {
            changes.insert("active".into(), json!(active));
        }
        if account.partner_id.0.as_ref().map(|p| p.0) != Some(partner) {
            changes.insert("partner_id".into(), json!(partner));
        }
        if !changes.is_empty() {
            let _: serde_json::Value = self
                .client
                .call(
                    "account.analytic.account",
                    "write",
                    json!({"ids": [account.id], "vals": changes}),
                )
                .await?;
        }
        Ok(recorded(kind, account.id, &c.external_ref, false))
    }

    /// The analytic account of a contract, archived or not, when contracts are configured.
    pub(super) async fn find_contract(&self, external_ref: &str) -> Result<Option<i64>, Error> {
        if self.config.contract_plan.is_none() {
            return Ok(None);
        }
        self.search_one(
            "account.analytic.account",
            json!([["code", "=", external_ref], ["active", "in", [true, false]]]),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::models::{BillingInterval, ContractItem, ServicePeriod};
    use crate::money::{CurrencyCode, Money};

    fn contract() -> Contract {
        let usd = CurrencyCode::new("USD").unwrap_or_else(|_| unreachable!());
        let item = |description: &str, quantity, minor, interval_count| ContractItem {
            product: "price_1".into(),
            description: description.into(),
            quantity,
            unit_price: Money::new(minor, usd),
            interval: BillingInterval::Month,
            interval_count,
        };
        Contract {
            external_ref: "stripe/subscription/sub_1".into(),
            customer_ref: "c1".into(),
            currency: usd,
            items: vec![item("Pro plan", 2, 2000, 1), item("Support", 1, 500, 3)],
            status: ContractStatus::Active,
            start_date: date!(2026 - 11 - 01),
            current_period: Some(ServicePeriod {
                start: date!(2026 - 11 - 01),
                end: date!(2026 - 12 - 01),
            }),
            cancel_at_period_end: false,
            ended_on: None,
        }
    }

    #[test]
    fn the_name_says_items_status_and_dates() {
        let mut c = contract();
        assert_eq!(
            contract_name(&c),
            "Subscription: 2 × Pro plan at 20.00 USD every month; \
             1 × Support at 5.00 USD every 3 months (active, since 2026-11-01)"
        );
        assert!(!ended(&c));
        c.cancel_at_period_end = true;
        assert!(contract_name(&c).ends_with("(active, since 2026-11-01, ends after 2026-11-30)"));
        c.status = ContractStatus::Canceled;
        c.ended_on = Some(date!(2026 - 12 - 01));
        assert!(contract_name(&c).ends_with("(canceled, since 2026-11-01, ended 2026-12-01)"));
        assert!(ended(&c));
        c.ended_on = None;
        assert!(ended(&c), "a canceled contract has ended whatever its date");
    }
}
