//! Which Stripe API versions this crate can read, and in which shape each renders objects.
//!
//! An event's `data.object` is rendered in the event's own `api_version` (the webhook
//! endpoint's pinned version, or the account's default), not in the `Stripe-Version` this client
//! sends (stripe-python, docstring of `EventService.list`). So an event is read by the shape of
//! its version:
//!
//! - **2023-08-16 up to the Acacia release (`2024-09-30.acacia` .. `2025-02-24.acacia`)**: the
//!   *legacy* shape. Invoice `paid`, `subscription`, `payment_intent`, `charge`, `tax`;
//!   Subscription `current_period_start`/`current_period_end`; PaymentIntent and Charge
//!   `invoice`; invoice line `price`.
//! - **Basil (`2025-03-31.basil`) and later releases up to Endive (`2026-10-28.endive`)**: the
//!   *current* shape, which this crate's models follow. `2025-03-31.basil` removed the fields
//!   above: the subscription of an invoice is at `parent.subscription_details.subscription`, its
//!   payments under `payments`, the billing period on each subscription item, a line's price
//!   under `pricing` (docs.stripe.com/changelog/basil/2025-03-31, "Adds support for multiple
//!   (partial) payments on invoices" and its neighbours; compared field by field in Stripe's
//!   official `fixtures3.json` of 2025-02-14 and 2025-03-25, github.com/stripe/openapi).
//!
//! Since Acacia, Stripe makes breaking changes only in a new named release and monthly versions
//! within a release only add (docs.stripe.com/changelog/basil: "subsequent Basil versions will
//! include only additive changes"). A version of a release this crate does not know (a newer
//! one, or a `preview`), an unnamed version outside Stripe's published list, and anything older
//! than 2023-08-16 are refused.

use std::fmt;

/// The oldest API version whose objects this crate reads (the legacy shape).
pub const OLDEST_SUPPORTED_API_VERSION: &str = "2023-08-16";

/// Unnamed API versions from [`OLDEST_SUPPORTED_API_VERSION`] to the first named release, from
/// Stripe's changelog index ("Previous versions": 2024-06-20, 2024-04-10, 2023-10-16, 2023-08-16).
const UNNAMED_VERSIONS: &[&str] = &["2023-08-16", "2023-10-16", "2024-04-10", "2024-06-20"];

/// Named releases, oldest first, with the shape their objects have. Endive is the release of
/// `2026-10-28.endive`, the version of the `stripe` package 16.x on PyPI
/// (`stripe/_api_version.py`: `CURRENT = "2026-10-28.endive"`).
const RELEASES: &[(&str, Shape)] = &[
    ("acacia", Shape::Legacy),
    ("basil", Shape::Current),
    ("clover", Shape::Current),
    ("dahlia", Shape::Current),
    ("endive", Shape::Current),
];

/// How a supported API version renders the objects whose shape changed in `2025-03-31.basil`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// 2023-08-16 to the Acacia release.
    Legacy,
    /// Basil and later: the shape of this crate's models.
    Current,
}

/// An API version this crate cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported(pub(crate) Option<String>);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => write!(f, "Stripe API version `{v}`"),
            None => f.write_str("an event without an `api_version`"),
        }?;
        write!(
            f,
            " cannot be read (supported: {OLDEST_SUPPORTED_API_VERSION} to the {} release)",
            RELEASES.last().map_or("", |r| r.0)
        )
    }
}

/// The shape objects rendered in `version` have, or why the version cannot be read.
pub(crate) fn shape(version: Option<&str>) -> Result<Shape, Unsupported> {
    let refuse = || Unsupported(version.map(str::to_owned));
    let version = version.ok_or_else(refuse)?;
    let (date, release) = match version.split_once('.') {
        Some((date, release)) => (date, Some(release)),
        None => (version, None),
    };
    if !is_date(date) {
        return Err(refuse());
    }
    match release {
        None if UNNAMED_VERSIONS.contains(&date) => Ok(Shape::Legacy),
        None => Err(refuse()),
        Some(name) => RELEASES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, shape)| *shape)
            .ok_or_else(refuse),
    }
}

/// `YYYY-MM-DD` with digits in place.
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_their_shape_or_are_refused() {
        for v in [
            "2023-08-16",
            "2023-10-16",
            "2024-04-10",
            "2024-06-20",
            "2024-09-30.acacia",
            "2025-02-24.acacia",
        ] {
            assert_eq!(shape(Some(v)), Ok(Shape::Legacy), "{v}");
        }
        for v in [
            "2025-03-31.basil",
            "2025-08-27.basil",
            "2025-09-30.clover",
            "2026-07-29.dahlia",
            "2026-10-28.endive",
            crate::DEFAULT_API_VERSION,
        ] {
            assert_eq!(shape(Some(v)), Ok(Shape::Current), "{v}");
        }
        for v in [
            "2022-11-15",
            "2020-08-27",
            "2024-09-30",
            "2027-04-01.fig",
            "2025-03-31.preview",
            "2025-03-31.",
            "basil",
            "",
            "2025-3-31.basil",
        ] {
            assert_eq!(shape(Some(v)), Err(Unsupported(Some(v.to_owned()))), "{v}");
        }
        assert_eq!(shape(None), Err(Unsupported(None)));
    }

    #[test]
    fn the_refusal_names_the_version() {
        let text = Unsupported(Some("2027-04-01.fig".into())).to_string();
        assert!(text.contains("`2027-04-01.fig`"), "{text}");
        assert!(
            text.contains("2023-08-16") && text.contains("endive"),
            "{text}"
        );
    }
}
