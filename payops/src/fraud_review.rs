//! `payops fraud release ORDER --by NAME` and `payops fraud cancel ORDER --by NAME`: a person's
//! decision on an order the fraud screen (or Shopify's recommendation) held for review, through
//! the running service (see `flows::workflows::shopify_paytrace::decide_held` and
//! `flows::workflows::magento_stripe::decide_held`).
//!
//! Like `payops refund`, the command calls no gateway itself: it checks the order's records in
//! the runtime store `PAYOPS_STORE` names, then enqueues the decision's job, and the service's
//! worker (which holds the credentials) runs it.
//!
//! - Shopify + PayTrace (`shopify/{shop}/order/{id}`): the order's job runs once more with the
//!   decision. A release is recorded (`{order}/fraud/release`, with who and when), the held tag
//!   removed, the order noted "Released after review by NAME" and charged once; a cancellation
//!   is recorded (`{order}/fraud/cancel`) and the order cancelled in Shopify (`orderCancel`,
//!   reason `FRAUD`), never charged.
//! - Magento + Stripe (`magento/{store code}/order/{entity id}`): the held order's PaymentIntent
//!   is only authorized. A release lifts Magento's hold and captures it once (the capture then
//!   invoices and books the order); a cancellation cancels the PaymentIntent and the Magento
//!   order. The order's comment names who decided.
//!
//! The first decision recorded is final. Exit 0 once the decision is enqueued (the order's key is
//! printed), 1 when the order is not held (not screened or unknown, approved, refused, already
//! released or cancelled: the reason is printed), 2 on bad input (naming the argument) or a
//! store error. A refused order cannot be released: the screen's refusal is final, and a person
//! who trusts the order charges it another way.
//!
//! A SQLite store is held by one process at a time: against one, run this while the service is
//! stopped (its worker runs the decision when it starts).

use flows::workflows::screening::Verdict;
use flows::workflows::shopify_paytrace::HeldDecision;
use flows::workflows::{magento_stripe, shopify_paytrace};
use mapping::System;

use crate::dead_letters::Found;
use crate::reconcile_gateway::BoxError;
use crate::runtime_store::StoreArgs;

/// Arguments of `payops fraud release` and `payops fraud cancel`.
#[derive(Debug, clap::Args)]
pub(crate) struct DecideArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The held order's key, as `payops fraud explain` takes it: `shopify/{shop}/order/{id}` or
    /// `magento/{store code}/order/{entity id}`.
    order: String,
    /// Who decides (a name or login), recorded with the decision and noted on the order.
    #[arg(long)]
    by: String,
}

/// A held order, by pair, as its key names it.
#[derive(Debug, PartialEq)]
enum HeldOrder<'a> {
    /// `shopify/{shop}/order/{id}`.
    Shopify { shop: &'a str, id: u64 },
    /// `magento/{store code}/order/{entity id}`.
    Magento { store_code: &'a str, entity_id: i64 },
}

/// The order a key names; an error names `ORDER`.
fn held_order(key: &str) -> Result<HeldOrder<'_>, BoxError> {
    let number = |id: &str| format!("ORDER {key:?}: the order id {id:?} is not a number");
    match key.split('/').collect::<Vec<_>>().as_slice() {
        [system, shop, "order", id] if *system == System::Shopify.as_str() && !shop.is_empty() => {
            Ok(HeldOrder::Shopify {
                shop,
                id: id.parse().map_err(|_| number(id))?,
            })
        }
        [system, store_code, "order", id]
            if *system == System::Magento.as_str() && !store_code.is_empty() =>
        {
            Ok(HeldOrder::Magento {
                store_code,
                entity_id: id.parse().map_err(|_| number(id))?,
            })
        }
        _ => Err(format!(
            "ORDER {key:?}: not an order key: shopify/{{shop}}/order/{{id}} or \
             magento/{{store code}}/order/{{entity id}}"
        )
        .into()),
    }
}

/// Runs `payops fraud release` (`verdict` [`Verdict::Release`]) or `payops fraud cancel`.
pub(crate) async fn decide(args: &DecideArgs, verdict: Verdict) -> Result<Found, BoxError> {
    let key = args.order.trim().trim_end_matches('/');
    let order = held_order(key)?;
    let by = args.by.trim();
    if by.is_empty() {
        return Err("--by must name who decides".into());
    }
    let store = args.store.open().await?;
    let decided = match order {
        HeldOrder::Shopify { shop, id } => {
            shopify_paytrace::decide_held(&*store, shop, id, HeldDecision::now(verdict, by))
                .await
                .map(drop)
                .map_err(|err| (err.is_not_held(), BoxError::from(err)))
        }
        HeldOrder::Magento {
            store_code,
            entity_id,
        } => magento_stripe::decide_held(&*store, store_code, entity_id, verdict, by)
            .await
            .map_err(|err| {
                let not_held = !matches!(err, magento_stripe::HeldError::Store(_));
                (not_held, BoxError::from(err))
            }),
    };
    match decided {
        Ok(()) => {
            println!("{key}");
            Ok(Found::Yes)
        }
        Err((true, err)) => {
            eprintln!("payops: {err}");
            Ok(Found::No)
        }
        Err((false, err)) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn order_keys_of_both_pairs_are_read_and_others_are_named() {
        assert_eq!(
            held_order("shopify/demo.myshopify.com/order/1001").unwrap(),
            HeldOrder::Shopify {
                shop: "demo.myshopify.com",
                id: 1001
            }
        );
        assert_eq!(
            held_order("magento/default/order/42").unwrap(),
            HeldOrder::Magento {
                store_code: "default",
                entity_id: 42
            }
        );
        let bad = held_order("shopify/demo/order/x").unwrap_err();
        assert!(bad.to_string().contains("not a number"), "{bad}");
        let bad = held_order("magento/default/order/x").unwrap_err();
        assert!(bad.to_string().contains("not a number"), "{bad}");
        assert!(held_order("shopify/demo/refund/1").is_err());
        assert!(held_order("magento//order/1").is_err());
    }
}
