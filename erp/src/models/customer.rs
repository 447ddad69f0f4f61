use serde::{Deserialize, Serialize};

use super::Gateway;

/// A customer, keyed by its external reference, with the ids gateways' vaults hold for it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Customer {
    /// Idempotency key and lookup key (e.g. `shopify/shop1/customer/7`).
    pub external_ref: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Gateway vault ids (a PayTrace customer id, a Stripe customer id), one per gateway.
    pub vault_ids: Vec<VaultId>,
}

/// A customer's id in one gateway's vault.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct VaultId {
    /// The gateway.
    pub gateway: Gateway,
    /// The gateway's id for the customer (not a card number: vault ids are not secret).
    pub vault_id: String,
}
