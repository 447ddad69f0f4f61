//! The one error type of the crate.

use thiserror::Error;

/// Why a value could not be mapped between two systems.
///
/// Every variant names the field it is about (a dotted path such as `line_items[2].price`, built up
/// with [`MappingError::at`]) and, where there is one, the offending value. Values are copied from the
/// input only for fields that hold amounts, codes, statuses and addresses: this crate never handles
/// card numbers or security codes, so none can appear in an error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MappingError {
    /// A field the target system requires is absent or empty.
    #[error("{field}: required value is missing")]
    MissingField {
        /// Path of the field.
        field: String,
    },
    /// A currency code that ISO 4217 does not know, or one without minor units (metals, funds).
    #[error("{field}: {value:?} is not an ISO 4217 currency with minor units")]
    UnknownCurrency {
        /// Path of the field.
        field: String,
        /// The code as received.
        value: String,
    },
    /// Text or a number that is not a well-formed amount.
    #[error("{field}: {value:?} is not a valid amount: {reason}")]
    InvalidAmount {
        /// Path of the field.
        field: String,
        /// The amount as received.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An amount with more decimal places than its currency has: converting it would round.
    #[error(
        "{field}: {value} {currency} has more than the {exponent} decimal places {currency} allows"
    )]
    PrecisionLoss {
        /// Path of the field.
        field: String,
        /// The amount as received.
        value: String,
        /// ISO code of the currency.
        currency: String,
        /// Decimal places the currency (or the provider's format for it) allows.
        exponent: u32,
    },
    /// An amount too large (or negative where only positive amounts are allowed) for the target.
    #[error("{field}: {value} is out of range: {reason}")]
    AmountOutOfRange {
        /// Path of the field.
        field: String,
        /// The amount.
        value: String,
        /// The limit that was crossed.
        reason: &'static str,
    },
    /// A well-formed amount that a provider's format cannot carry (e.g. Stripe's rule that
    /// three-decimal amounts end in 0).
    #[error("{field}: {provider} cannot represent {value}: {reason}")]
    Unrepresentable {
        /// Path of the field.
        field: String,
        /// The amount.
        value: String,
        /// The provider whose format refuses it.
        provider: &'static str,
        /// The provider's rule.
        reason: &'static str,
    },
    /// Arithmetic or comparison across two currencies.
    #[error("{field}: currency mismatch: {left} and {right}")]
    CurrencyMismatch {
        /// Path of the field.
        field: String,
        /// Currency of the left operand.
        left: String,
        /// Currency of the right operand.
        right: String,
    },
    /// A status that has no equivalent in the target system (for example a canonical
    /// `Unknown` status that would have to be sent to a store).
    #[error("{field}: status {value:?} has no equivalent in {target}")]
    UnknownStatus {
        /// Path of the field.
        field: String,
        /// The status as received.
        value: String,
        /// The system it was to be mapped into.
        target: &'static str,
    },
    /// A code or identifier of the wrong shape: a country, a region, a postal code, a reference.
    #[error("{field}: {value:?} is not a valid {expected}")]
    InvalidValue {
        /// Path of the field.
        field: String,
        /// The value as received.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The entity is not known in another system yet (say, a refund for an order whose sale has
    /// not been recorded). Unlike every other variant this one may pass: retry later.
    #[error("{field}: not yet known in {system}")]
    NotYetKnown {
        /// Path of the field.
        field: String,
        /// The system where the id is still missing.
        system: &'static str,
    },
}

impl MappingError {
    /// The dotted path of the field the error is about.
    pub fn field(&self) -> &str {
        match self {
            Self::MissingField { field }
            | Self::UnknownCurrency { field, .. }
            | Self::InvalidAmount { field, .. }
            | Self::PrecisionLoss { field, .. }
            | Self::AmountOutOfRange { field, .. }
            | Self::Unrepresentable { field, .. }
            | Self::CurrencyMismatch { field, .. }
            | Self::UnknownStatus { field, .. }
            | Self::InvalidValue { field, .. }
            | Self::NotYetKnown { field, .. } => field,
        }
    }

    /// The offending value, where the error has one.
    pub fn value(&self) -> Option<&str> {
        match self {
            Self::UnknownCurrency { value, .. }
            | Self::InvalidAmount { value, .. }
            | Self::PrecisionLoss { value, .. }
            | Self::AmountOutOfRange { value, .. }
            | Self::Unrepresentable { value, .. }
            | Self::UnknownStatus { value, .. }
            | Self::InvalidValue { value, .. } => Some(value),
            Self::MissingField { .. }
            | Self::CurrencyMismatch { .. }
            | Self::NotYetKnown { .. } => None,
        }
    }

    /// Whether retrying the same input can ever succeed. Permanent errors belong in the
    /// dead-letter table at once; only [`MappingError::NotYetKnown`] is worth a retry.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, Self::NotYetKnown { .. })
    }

    /// Places the error inside `parent`: `total` becomes `order.total`, `[2].price` becomes
    /// `line_items[2].price`.
    #[must_use]
    pub fn at(mut self, parent: &str) -> Self {
        let field = match &mut self {
            Self::MissingField { field }
            | Self::UnknownCurrency { field, .. }
            | Self::InvalidAmount { field, .. }
            | Self::PrecisionLoss { field, .. }
            | Self::AmountOutOfRange { field, .. }
            | Self::Unrepresentable { field, .. }
            | Self::CurrencyMismatch { field, .. }
            | Self::UnknownStatus { field, .. }
            | Self::InvalidValue { field, .. }
            | Self::NotYetKnown { field, .. } => field,
        };
        *field = join_path(parent, field);
        self
    }
}

fn join_path(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else if child.is_empty() {
        parent.to_owned()
    } else if child.starts_with('[') {
        format!("{parent}{child}")
    } else {
        format!("{parent}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_builds_dotted_and_indexed_paths() {
        let err = MappingError::MissingField {
            field: "sku".into(),
        }
        .at("[2]")
        .at("line_items")
        .at("order");
        assert_eq!(err.field(), "order.line_items[2].sku");
        assert_eq!(
            err.to_string(),
            "order.line_items[2].sku: required value is missing"
        );
    }

    #[test]
    fn only_not_yet_known_is_transient() {
        let transient = MappingError::NotYetKnown {
            field: "transaction_id".into(),
            system: "paytrace",
        };
        let permanent = MappingError::UnknownCurrency {
            field: "currency".into(),
            value: "ZZZ".into(),
        };
        assert!(!transient.is_permanent());
        assert!(permanent.is_permanent());
        assert_eq!(permanent.value(), Some("ZZZ"));
        assert_eq!(transient.value(), None);
    }
}
