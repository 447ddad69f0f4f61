//! `shopify.customer-removal`: the PayTrace vault profiles this service made for a Shopify
//! customer, removed when the customer is deleted (`customers/delete`) or erased
//! (`customers/redact`), unless [`super::Config::remove_vault_profiles`] is off (see
//! [the vault](super#the-vault)).

use std::sync::Arc;

use async_trait::async_trait;
use mapping::System;
use mapping::paytrace::{guest_vault_id, vault_id_of_customer};
use paytrace::ErrorCode;
use serde::{Deserialize, Serialize};

use super::Shared;
use crate::StepError;
use crate::intake::Delivery;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, StepCtx, decode, job};

/// `customers/delete`: a customer deleted in Shopify (only customers without orders can be).
pub(super) const CUSTOMERS_DELETE: &str = "customers/delete";
/// `customers/redact`: the mandatory compliance webhook asking to erase a customer's data.
pub(super) const CUSTOMERS_REDACT: &str = "customers/redact";

/// The input of [`CustomerRemoval`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRemoved {
    /// The event in the inbox.
    pub event: EventRef,
    /// The Shopify customer's id.
    pub customer_id: u64,
    /// The orders whose data is to be erased too (`customers/redact`'s `orders_to_redact`):
    /// their guest-checkout profiles (`{prefix}shopify-o{id}`) are removed as well.
    pub orders: Vec<u64>,
}

/// Removes the vault profiles of a deleted or erased Shopify customer: the customer's own
/// (`{prefix}shopify-c{id}`) and, for an erasure, those of the listed orders' guest checkouts
/// (`/v1/customer/delete`). A profile PayTrace does not have (error 30) counts as removed, so
/// a retry, or a customer who never saved a card, is no error.
#[derive(Clone)]
pub struct CustomerRemoval(pub(super) Arc<Shared>);

impl std::fmt::Debug for CustomerRemoval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerRemoval").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for CustomerRemoval {
    type Input = CustomerRemoved;
    const KIND: JobKind = JobKind::new("shopify.customer-removal");
    const SYSTEMS: &'static [System] = &[System::Paytrace];

    fn entity(&self, input: &CustomerRemoved) -> Result<EntityKey, StepError> {
        Ok(self.0.shop().child(Entity::Customer, input.customer_id))
    }

    async fn run(&self, _ctx: &StepCtx<'_>, input: CustomerRemoved) -> Result<(), StepError> {
        let shared = &*self.0;
        if !shared.config.remove_vault_profiles {
            tracing::info!(
                customer = input.customer_id,
                "customer removed: vault profiles kept (remove_vault_profiles is off)"
            );
            return Ok(());
        }
        let prefix = &shared.config.store_prefix;
        let profiles = std::iter::once(vault_id_of_customer(
            System::Shopify,
            prefix,
            &input.customer_id.to_string(),
        ))
        .chain(
            input
                .orders
                .iter()
                .map(|order| guest_vault_id(System::Shopify, prefix, &order.to_string())),
        );
        for vault_id in profiles {
            match shared.paytrace.delete_customer(&vault_id).await {
                Ok(_) => {
                    tracing::info!(customer = input.customer_id, %vault_id, "vault profile removed")
                }
                Err(paytrace::Error::Validation(errors))
                    if errors.contains(ErrorCode::CUSTOMER_NOT_FOUND) =>
                {
                    tracing::debug!(customer = input.customer_id, %vault_id, "no vault profile to remove");
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }
}

/// The job of a `customers/delete` or `customers/redact` delivery: the customer's removal. A
/// redaction that names no customer id (third-party reports say some carry only an e-mail) is an
/// error naming `customer.id`: the profiles are found by id only.
pub(super) fn removal_job(
    flow: &CustomerRemoval,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    let (customer_id, orders) = if delivery.topic == CUSTOMERS_REDACT {
        let body: shopify::rest::CustomerRedact = decode(delivery.body, CUSTOMERS_REDACT)?;
        let id = body
            .customer
            .id
            .ok_or_else(|| mapping::MappingError::MissingField {
                field: "customer.id".to_owned(),
            })?;
        (id, body.orders_to_redact)
    } else {
        let body: shopify::rest::CustomerDeleted = decode(delivery.body, CUSTOMERS_DELETE)?;
        (body.id, Vec::new())
    };
    Ok(NewJob {
        // A later request (an erasure after a deletion) runs once more with its orders.
        rerun: true,
        ..job(
            flow,
            &CustomerRemoved {
                event: delivery.event(),
                customer_id,
                orders,
            },
        )?
    })
}
