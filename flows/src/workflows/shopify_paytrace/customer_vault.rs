//! `shopify.customer-vault`: a Shopify customer's changes carried to the PayTrace vault profile
//! this service made for them (see [the vault](super#the-vault)).

use std::sync::Arc;

use async_trait::async_trait;
use mapping::paytrace::{customer_vault_id, to_update_customer_request};
use mapping::{Customer, System};
use paytrace::{ErrorCode, ExportCustomersRequest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Shared;
use crate::StepError;
use crate::intake::Delivery;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, EventRef, Flow, JobKind, State, StepCtx, decode, job};

/// The topic routed to [`CustomerVault`].
pub(super) const CUSTOMERS_UPDATE: &str = "customers/update";

/// A digest of the profile last sent to PayTrace: a change that leaves the profile as it was
/// (most `customers/update` deliveries: Shopify sends one whenever an order changes the
/// customer's totals) sends nothing. A digest, so the store keeps no address.
const PROFILE: State<String> = State::new("paytrace/profile");

/// The input of [`CustomerVault`]: a `customers/update` delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerChanged {
    /// The event in the inbox.
    pub event: EventRef,
    /// The Shopify customer's id.
    pub customer_id: u64,
}

/// A Shopify customer's vault profile kept current: every `customers/update` runs the
/// customer's job once more. The profile is `{prefix}shopify-c{id}`
/// ([`mapping::paytrace::customer_vault_id`]); a customer without one (never paid with a
/// Protect.js token here) is left alone. The customer's default address becomes the profile's
/// billing address, with its e-mail and phone (`/v1/customer/update`); the card is not touched.
#[derive(Clone)]
pub struct CustomerVault(pub(super) Arc<Shared>);

impl std::fmt::Debug for CustomerVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerVault").finish_non_exhaustive()
    }
}

#[async_trait]
impl Flow for CustomerVault {
    type Input = CustomerChanged;
    const KIND: JobKind = JobKind::new("shopify.customer-vault");
    const SYSTEMS: &'static [System] = &[System::Paytrace];

    fn entity(&self, input: &CustomerChanged) -> Result<EntityKey, StepError> {
        Ok(self.0.shop().child(Entity::Customer, input.customer_id))
    }

    async fn run(&self, ctx: &StepCtx<'_>, input: CustomerChanged) -> Result<(), StepError> {
        let shared = &*self.0;
        let body = ctx.event_body(&input.event).await?;
        let webhook: shopify::rest::Customer = decode(&body, CUSTOMERS_UPDATE)?;
        if webhook.id != input.customer_id {
            return Err(StepError::permanent(format!(
                "the job of customer {} carries the webhook of customer {}",
                input.customer_id, webhook.id
            )));
        }
        let mut customer = Customer::try_from(&webhook)?;
        let vault_id = customer_vault_id(&customer, System::Shopify, &shared.config.store_prefix)?;
        customer.ids.set(System::Paytrace, vault_id.clone());
        let request = to_update_customer_request(&customer)?;
        let digest = digest(&request)?;
        if ctx.state(&PROFILE)?.as_deref() == Some(digest.as_str()) {
            return Ok(());
        }
        // Only a profile this service made is updated; most customers have none (PayTrace
        // answers an export of an unknown id with error 30, "customer not found").
        let export = shared
            .paytrace
            .export_customers(&ExportCustomersRequest {
                customer_id: Some(vault_id.clone()),
                email: None,
            })
            .await;
        let vaulted = match export {
            Ok(export) => export
                .customers
                .iter()
                .any(|profile| profile.customer_id.as_deref() == Some(vault_id.as_str())),
            Err(paytrace::Error::Validation(errors))
                if errors.contains(ErrorCode::CUSTOMER_NOT_FOUND) =>
            {
                false
            }
            Err(err) => return Err(err.into()),
        };
        if !vaulted {
            tracing::debug!(
                customer = input.customer_id,
                "no vault profile: nothing to update"
            );
            return Ok(());
        }
        // The same request again changes nothing at PayTrace, so a retry is harmless.
        shared.paytrace.update_customer(&request).await?;
        ctx.set_state(&PROFILE, &digest)?;
        tracing::info!(customer = input.customer_id, %vault_id, "vault profile updated");
        Ok(())
    }
}

/// The hex SHA-256 of the request's JSON.
fn digest(request: &paytrace::UpdateCustomerRequest) -> Result<String, StepError> {
    let json = serde_json::to_vec(request)
        .map_err(|e| StepError::permanent(format!("vault profile: {e}")))?;
    Ok(hex::encode(Sha256::digest(&json)))
}

/// The job a `customers/update` delivery gets: the customer's, run once more.
pub(super) fn customer_job(
    flow: &CustomerVault,
    delivery: &Delivery<'_>,
) -> Result<NewJob, StepError> {
    #[derive(Deserialize)]
    struct Ids {
        id: Option<u64>,
    }
    let ids: Ids = decode(delivery.body, CUSTOMERS_UPDATE)?;
    let customer_id = ids.id.ok_or_else(|| mapping::MappingError::MissingField {
        field: "id".to_owned(),
    })?;
    Ok(NewJob {
        rerun: true,
        ..job(
            flow,
            &CustomerChanged {
                event: delivery.event(),
                customer_id,
            },
        )?
    })
}
