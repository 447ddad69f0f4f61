//! Optional text as providers send it: `null`, `""` and whitespace all mean "none".

/// Trimmed text, `None` when absent or blank.
pub(crate) fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// [`non_blank`], owned.
#[cfg(any(
    feature = "shopify",
    feature = "magento",
    feature = "stripe",
    feature = "erp"
))]
pub(crate) fn non_blank_owned(value: Option<&str>) -> Option<String> {
    non_blank(value).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_none_and_text_is_trimmed() {
        assert_eq!(non_blank(None), None);
        assert_eq!(non_blank(Some("")), None);
        assert_eq!(non_blank(Some("  \t")), None);
        assert_eq!(non_blank(Some(" a b ")), Some("a b"));
    }

    #[cfg(any(
        feature = "shopify",
        feature = "magento",
        feature = "stripe",
        feature = "erp"
    ))]
    #[test]
    fn owned_copies_the_trimmed_text() {
        assert_eq!(non_blank_owned(Some(" x ")), Some("x".to_owned()));
        assert_eq!(non_blank_owned(Some(" ")), None);
    }
}
