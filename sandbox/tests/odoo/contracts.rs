//! Recurring contracts over Odoo, as analytic accounts under a configured plan.

use erp::odoo::{OdooErp, RetryConfig};
use erp::{
    BillingInterval, Contract, ContractItem, ContractStatus, DocumentKind, Erp, Money,
    ServicePeriod,
};
use serde_json::json;
use time::macros::date;

use super::{client, config, customer, raw, seeded, usd};

fn contract(status: ContractStatus, quantity: u32) -> Contract {
    Contract {
        external_ref: "stripe/subscription/sub_1".into(),
        customer_ref: "c1".into(),
        currency: usd(),
        items: vec![ContractItem {
            product: "price_pro".into(),
            description: "Pro plan".into(),
            quantity,
            unit_price: Money::new(2000, usd()),
            interval: BillingInterval::Month,
            interval_count: 1,
        }],
        status,
        start_date: date!(2026 - 11 - 01),
        current_period: Some(ServicePeriod {
            start: date!(2026 - 11 - 01),
            end: date!(2026 - 12 - 01),
        }),
        cancel_at_period_end: false,
        ended_on: None,
    }
}

#[tokio::test]
async fn a_contract_lives_as_an_analytic_account_and_is_archived_when_it_ends() {
    let (fake, journal) = seeded();
    let plan = fake.add_analytic_plan("Subscriptions");
    let running = sandbox::Running::start(fake, &sandbox::Faults::default())
        .await
        .unwrap();
    let c = client(&running, RetryConfig::disabled());
    let odoo = OdooErp::connect(c.clone(), config(journal).contract_plan(plan))
        .await
        .unwrap();
    odoo.upsert_customer(&customer("c1")).await.unwrap();
    let accounts = || async {
        raw(
            &c,
            "account.analytic.account",
            "search_read",
            json!({
                "domain": [["active", "in", [true, false]]],
                "fields": ["name", "code", "active", "plan_id", "partner_id"],
            }),
        )
        .await
        .unwrap()
    };

    let created = odoo
        .upsert_contract(&contract(ContractStatus::Active, 1))
        .await
        .unwrap();
    assert!(created.created);
    let again = odoo
        .upsert_contract(&contract(ContractStatus::Active, 1))
        .await
        .unwrap();
    assert_eq!(
        (again.created, &again.document.id),
        (false, &created.document.id)
    );
    let writes = running.fake.call_count("account.analytic.account", "write");
    assert_eq!(writes, 0, "an unchanged contract is not written");
    let listed = accounts().await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["code"], "stripe/subscription/sub_1");
    assert_eq!(listed[0]["plan_id"][0], plan);
    assert_eq!(listed[0]["active"], true);
    assert_eq!(
        listed[0]["name"],
        "Subscription: 1 × Pro plan at 20.00 USD every month (active, since 2026-11-01)"
    );

    // An upgrade, then the end: renamed, then archived (Odoo then hides it from plain
    // searches), still found by its reference.
    odoo.upsert_contract(&contract(ContractStatus::PastDue, 3))
        .await
        .unwrap();
    let mut ended = contract(ContractStatus::Canceled, 3);
    ended.ended_on = Some(date!(2026 - 12 - 01));
    let rec = odoo.upsert_contract(&ended).await.unwrap();
    assert_eq!(
        (rec.created, &rec.document.id),
        (false, &created.document.id)
    );
    let listed = accounts().await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["active"], false);
    assert_eq!(
        listed[0]["name"],
        "Subscription: 3 × Pro plan at 20.00 USD every month \
         (canceled, since 2026-11-01, ended 2026-12-01)"
    );
    let visible = raw(
        &c,
        "account.analytic.account",
        "search",
        json!({"domain": [["code", "=", "stripe/subscription/sub_1"]]}),
    )
    .await
    .unwrap();
    assert_eq!(visible, json!([]), "archived: hidden unless asked for");
    let found = odoo
        .find_by_external_ref("stripe/subscription/sub_1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.kind, found.id),
        (DocumentKind::Contract, created.document.id)
    );
    assert_eq!(
        running.fake.call_count("account.analytic.account", "write"),
        2
    );
}
