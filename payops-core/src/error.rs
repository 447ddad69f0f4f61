//! The crate's one error type.

/// What the shared readers refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A currency code that is not three letters, not in the ISO 4217 table, or has no minor unit
    /// (precious metals, `XXX`).
    #[error("unknown currency {code:?}: not an ISO 4217 currency with a minor unit")]
    UnknownCurrency {
        /// The code as received (truncated to 16 characters).
        code: String,
    },
    /// Decimal text that is malformed or cannot be held exactly by a 96-bit decimal.
    #[error("{text:?} is not an exact decimal: {reason}")]
    InexactDecimal {
        /// The text as received (truncated to 64 characters).
        text: String,
        /// Why it was refused.
        reason: &'static str,
    },
}

/// `text` cut to `max` characters (with `…`), so that an error message stays short when a peer
/// sends megabytes where a code, an amount or a timestamp belongs.
///
/// ```
/// assert_eq!(payops_core::clip("2024-03-01 12:34:56", 10), "2024-03-01…");
/// ```
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
