//! The systems an entity can be known in, and its id in each.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::MappingError;

/// A system this SDK connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum System {
    /// A Shopify store.
    Shopify,
    /// A Magento / Adobe Commerce store.
    Magento,
    /// The PayTrace gateway.
    Paytrace,
    /// Stripe.
    Stripe,
    /// The ERP (the embedded ledger or Odoo).
    Erp,
    /// The warehouse (WMS) that fulfils orders: it takes fulfilment requests and sends shipment
    /// notices.
    Warehouse,
}

impl System {
    /// The lower-case name used in keys and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Shopify => "shopify",
            Self::Magento => "magento",
            Self::Paytrace => "paytrace",
            Self::Stripe => "stripe",
            Self::Erp => "erp",
            Self::Warehouse => "warehouse",
        }
    }

    /// Every system.
    pub const ALL: [Self; 6] = [
        Self::Shopify,
        Self::Magento,
        Self::Paytrace,
        Self::Stripe,
        Self::Erp,
        Self::Warehouse,
    ];

    /// The system whose [`System::as_str`] is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entity's id in each system it is known in: a Shopify order id, the PayTrace transaction id,
/// the ERP document number, a gateway's vault customer id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExternalIds(BTreeMap<System, String>);

impl ExternalIds {
    /// No ids yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id in `system`, if known.
    pub fn get(&self, system: System) -> Option<&str> {
        self.0.get(&system).map(String::as_str)
    }

    /// Records the id in `system`, replacing an earlier one.
    pub fn set(&mut self, system: System, id: impl Into<String>) {
        self.0.insert(system, id.into());
    }

    /// Builder form of [`ExternalIds::set`].
    #[must_use]
    pub fn with(mut self, system: System, id: impl Into<String>) -> Self {
        self.set(system, id);
        self
    }

    /// The id in `system`, or [`MappingError::NotYetKnown`] naming `field`: the entity has not
    /// reached that system yet, which a later retry may find changed.
    pub fn require(&self, system: System, field: &str) -> Result<&str, MappingError> {
        self.get(system).ok_or_else(|| MappingError::NotYetKnown {
            field: field.to_owned(),
            system: system.as_str(),
        })
    }

    /// Every (system, id) pair.
    pub fn iter(&self) -> impl Iterator<Item = (System, &str)> {
        self.0.iter().map(|(system, id)| (*system, id.as_str()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn systems_are_found_by_their_names() {
        for system in System::ALL {
            assert_eq!(System::from_name(system.as_str()), Some(system));
            assert_eq!(system.to_string(), system.as_str());
        }
        assert_eq!(System::from_name("Shopify"), None);
        assert_eq!(System::from_name("flows"), None);
    }

    #[test]
    fn ids_per_system() {
        let ids = ExternalIds::new()
            .with(System::Shopify, "450789469")
            .with(System::Paytrace, "12345");
        assert_eq!(ids.get(System::Shopify), Some("450789469"));
        assert_eq!(
            ids.require(System::Paytrace, "transaction_id").unwrap(),
            "12345"
        );
        let err = ids.require(System::Erp, "erp_id").unwrap_err();
        assert!(!err.is_permanent());
        assert_eq!(err.to_string(), "erp_id: not yet known in erp");
        assert_eq!(
            serde_json::to_value(&ids).unwrap(),
            serde_json::json!({"shopify": "450789469", "paytrace": "12345"})
        );
    }
}
