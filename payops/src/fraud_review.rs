//! `payops fraud release ORDER --by NAME` and `payops fraud cancel ORDER --by NAME`: a person's
//! decision on an order the fraud screen (or Shopify's recommendation) held for review, through
//! the running service (see `flows::workflows::shopify_paytrace::decide_held`).
//!
//! Like `payops refund`, the command calls no store or gateway itself: it checks the order's
//! records in the runtime store `PAYOPS_STORE` names, then enqueues the order's job once more
//! with the decision, and the service's worker (which holds the credentials) runs it: a release
//! is recorded (`{order}/fraud/release`, with who and when), the held tag removed, the order
//! noted "Released after review" and charged once; a cancellation is recorded
//! (`{order}/fraud/cancel`) and the order cancelled in Shopify (`orderCancel`, reason `FRAUD`),
//! never charged. The first decision recorded is final.
//!
//! Exit 0 once the decision is enqueued (the order's key is printed), 1 when the order is not
//! held (not screened or unknown, approved, refused, already released or cancelled: the reason
//! is printed), 2 on bad input (naming the argument) or a store error. A refused order cannot be
//! released: the screen's refusal is final, and a person who trusts the order charges it
//! another way. Magento + Stripe orders (`magento/{store code}/order/{entity id}`) are not
//! supported yet.
//!
//! A SQLite store is held by one process at a time: against one, run this while the service is
//! stopped (its worker runs the decision when it starts).

use flows::workflows::shopify_paytrace::{HeldDecision, Verdict, decide_held};
use mapping::System;

use crate::dead_letters::Found;
use crate::reconcile_gateway::BoxError;
use crate::runtime_store::StoreArgs;

/// Arguments of `payops fraud release` and `payops fraud cancel`.
#[derive(Debug, clap::Args)]
pub(crate) struct DecideArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The held order's key, as `payops fraud explain` takes it: `shopify/{shop}/order/{id}`.
    order: String,
    /// Who decides (a name or login), recorded with the decision and noted on the order.
    #[arg(long)]
    by: String,
}

/// The shop and order id of a Shopify order key; an error names `ORDER`.
fn shopify_order(key: &str) -> Result<(&str, u64), BoxError> {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.as_slice() {
        [system, shop, "order", id] if *system == System::Shopify.as_str() && !shop.is_empty() => {
            let id = id
                .parse()
                .map_err(|_| format!("ORDER {key:?}: the order id {id:?} is not a number"))?;
            Ok((shop, id))
        }
        [system, _, "order", _] if *system == System::Magento.as_str() => Err(format!(
            "ORDER {key:?}: releasing or cancelling held Magento + Stripe orders is not \
             supported for this pair yet"
        )
        .into()),
        _ => Err(format!("ORDER {key:?}: not an order key: shopify/{{shop}}/order/{{id}}").into()),
    }
}

/// Runs `payops fraud release` (`verdict` [`Verdict::Release`]) or `payops fraud cancel`.
pub(crate) async fn decide(args: &DecideArgs, verdict: Verdict) -> Result<Found, BoxError> {
    let key = args.order.trim().trim_end_matches('/');
    let (shop, order_id) = shopify_order(key)?;
    let by = args.by.trim();
    if by.is_empty() {
        return Err("--by must name who decides".into());
    }
    let store = args.store.open().await?;
    match decide_held(&*store, shop, order_id, HeldDecision::now(verdict, by)).await {
        Ok(order) => {
            println!("{order}");
            Ok(Found::Yes)
        }
        Err(err) if err.is_not_held() => {
            eprintln!("payops: {err}");
            Ok(Found::No)
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn order_keys_are_read_and_others_are_named() {
        assert_eq!(
            shopify_order("shopify/demo.myshopify.com/order/1001").unwrap(),
            ("demo.myshopify.com", 1001)
        );
        let magento = shopify_order("magento/default/order/42").unwrap_err();
        assert!(
            magento
                .to_string()
                .contains("not supported for this pair yet"),
            "{magento}"
        );
        let bad = shopify_order("shopify/demo/order/x").unwrap_err();
        assert!(bad.to_string().contains("not a number"), "{bad}");
        assert!(shopify_order("shopify/demo/refund/1").is_err());
    }
}
