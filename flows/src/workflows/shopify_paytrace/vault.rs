//! The card of an approved Protect.js charge kept in PayTrace's vault for the customer's later
//! orders: `/v1/customer/create_from_transaction`, once, under a vault id derived from the order
//! (see [`mapping::paytrace::order_vault_id`]). No card data passes: PayTrace copies the card
//! from its own transaction.

use mapping::{MappingError, Order, Payment, System};
use paytrace::{CustomerFromTransactionRequest, ErrorCode, ExportCustomersRequest, TransactionId};

use super::Shared;
use crate::StepError;
use crate::workflow::{Step, StepCtx};

/// The vault profile created from the charge; its value is the vault id.
pub(super) const VAULT: Step<String> = Step::new("paytrace/vault", System::Paytrace);
/// The vault id written on the Shopify customer (`payops.paytrace_vault_id`).
const CUSTOMER_VAULT_ID: Step<()> = Step::new("shopify/customer-vault-id", System::Shopify);

/// What vaulting the card of an order needs, mapped before any money moves.
pub(super) struct VaultPlan {
    /// The vault id the card goes under.
    vault_id: String,
    /// The request, whose transaction id is set once the charge is approved.
    request: CustomerFromTransactionRequest,
    /// The Shopify customer's id (its metafield gets the vault id); `None` for a guest, whose
    /// vault id is kept on the order (its `payops.vault_id` metafield) and in the ERP only.
    customer: Option<String>,
}

impl VaultPlan {
    /// The plan for `order`; a failure here means the order cannot be vaulted, and so is not
    /// charged either (the booking of the vault id must work before the money moves).
    pub(super) fn new(shared: &Shared, order: &Order) -> Result<Self, MappingError> {
        let vault_id =
            mapping::paytrace::order_vault_id(order, System::Shopify, &shared.config.store_prefix)?;
        // The transaction id is not known yet: checked here with a stand-in, replaced later.
        let request = mapping::paytrace::to_customer_from_transaction_request(
            order,
            &vault_id,
            TransactionId(0),
        )?;
        let customer = order
            .customer
            .as_ref()
            .and_then(|c| c.ids.get(System::Shopify))
            .map(str::to_owned);
        if let Some(customer) = &customer {
            mapping::shopify::to_customer_vault_metafield(customer, &vault_id)?;
        }
        Ok(Self {
            vault_id,
            request,
            customer,
        })
    }

    /// The vault id the card goes under.
    pub(super) fn vault_id(&self) -> &str {
        &self.vault_id
    }
}

/// Vaults the card of the approved `payment` once (`paytrace/vault`), then writes the vault id
/// on the Shopify customer once (`shopify/customer-vault-id`), and returns the vault id.
///
/// The vault id is chosen by us and derived from the order, so a retry (an answer lost, a crash)
/// asks for the same id again: PayTrace's "customer ID not unique" (171) is then success, once
/// the profile under that id is checked to be this customer's (its e-mail, else its billing
/// name, is what we sent). A profile of that id that is not this customer's is a permanent
/// error naming the vault id, for a person.
pub(super) async fn vault_card(
    shared: &Shared,
    ctx: &StepCtx<'_>,
    plan: &VaultPlan,
    payment: &Payment,
) -> Result<String, StepError> {
    let vault_id = ctx
        .once(&VAULT, || async {
            let transaction = payment.transaction_id()?;
            let transaction =
                transaction
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| MappingError::InvalidValue {
                        field: "payment.transaction_id".to_owned(),
                        value: transaction.to_owned(),
                        expected: "PayTrace transaction id (digits)",
                    })?;
            let request = CustomerFromTransactionRequest {
                transaction_id: TransactionId(transaction),
                ..plan.request.clone()
            };
            match shared
                .paytrace
                .create_customer_from_transaction(&request)
                .await
            {
                Ok(_) => {}
                Err(paytrace::Error::Validation(errors))
                    if errors.contains(ErrorCode::CUSTOMER_ID_NOT_UNIQUE) =>
                {
                    check_ours(shared, &request).await?;
                    tracing::info!(vault_id = %plan.vault_id, "vault profile already there: kept");
                }
                Err(err) => return Err(err.into()),
            }
            Ok(plan.vault_id.clone())
        })
        .await?;
    if let Some(customer) = &plan.customer {
        ctx.once(&CUSTOMER_VAULT_ID, || async {
            let input = mapping::shopify::to_customer_vault_metafield(customer, &vault_id)?;
            shared.shopify.metafields().set(&[input]).await?;
            Ok(())
        })
        .await?;
    }
    Ok(vault_id)
}

/// Whether the profile PayTrace already holds under `request.customer_id` is the one this
/// customer's orders create: the same e-mail, or, without one, the same billing name.
async fn check_ours(
    shared: &Shared,
    request: &CustomerFromTransactionRequest,
) -> Result<(), StepError> {
    let export = shared
        .paytrace
        .export_customers(&ExportCustomersRequest {
            customer_id: Some(request.customer_id.clone()),
            email: None,
        })
        .await?;
    let normal = |s: Option<&str>| s.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let ours = export.customers.iter().any(|record| {
        record.customer_id.as_deref() == Some(request.customer_id.as_str())
            && match normal(request.contact.email.as_deref()) {
                Some(email) => normal(record.email.as_deref()) == Some(email),
                None => {
                    let name =
                        |a: Option<&paytrace::Address>| normal(a.and_then(|a| a.name.as_deref()));
                    let sent = name(request.billing_address.as_ref());
                    sent.is_some() && name(record.billing_address.as_ref()) == sent
                }
            }
    });
    if ours {
        Ok(())
    } else {
        Err(StepError::permanent(format!(
            "PayTrace vault customer_id {} exists and is not this customer's (e-mail or billing \
             name differ): resolve in PayTrace before replaying",
            request.customer_id
        )))
    }
}
