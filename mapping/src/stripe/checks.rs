//! The card checks of a charge (`payment_method_details.card.checks`) as canonical AVS and CVV
//! results.

use ::stripe_client::CardChecks;

use crate::{AvsResult, CvvResult};

/// One check's value.
#[derive(PartialEq)]
enum Check<'a> {
    Pass,
    Fail,
    NotDone,
    Absent,
    Other(&'a str),
}

fn check(raw: Option<&str>) -> Check<'_> {
    match raw {
        None => Check::Absent,
        Some("pass") => Check::Pass,
        Some("fail") => Check::Fail,
        Some("unavailable" | "unchecked") => Check::NotDone,
        Some(other) => Check::Other(other),
    }
}

/// The address verification result of a charge's checks. Both checks passing is a full match, one
/// passing a partial one; any check that failed with none passing is no match; checks that Stripe
/// could not or did not run are `Unavailable`; `None` when no address was given at all. A value
/// outside Stripe's documented four becomes `Unknown` with both raw values.
pub fn avs_result(checks: &CardChecks) -> Option<AvsResult> {
    let line1 = check(checks.address_line1_check.as_deref());
    let postal = check(checks.address_postal_code_check.as_deref());
    if matches!(line1, Check::Other(_)) || matches!(postal, Check::Other(_)) {
        return Some(AvsResult::Unknown(format!(
            "address_line1_check={};address_postal_code_check={}",
            checks.address_line1_check.as_deref().unwrap_or("null"),
            checks
                .address_postal_code_check
                .as_deref()
                .unwrap_or("null"),
        )));
    }
    Some(match (line1, postal) {
        (Check::Absent, Check::Absent) => return None,
        (Check::Pass, Check::Pass) => AvsResult::FullMatch,
        (Check::Pass, _) => AvsResult::StreetOnly,
        (_, Check::Pass) => AvsResult::PostalOnly,
        (Check::Fail, _) | (_, Check::Fail) => AvsResult::NoMatch,
        _ => AvsResult::Unavailable,
    })
}

/// The CVC result of a charge's checks: `pass` matches, `fail` does not, `unchecked` was not
/// processed, `unavailable` could not be asked; `None` when no CVC was given.
pub fn cvv_result(checks: &CardChecks) -> Option<CvvResult> {
    let raw = checks.cvc_check.as_deref()?;
    Some(match raw {
        "pass" => CvvResult::Match,
        "fail" => CvvResult::NoMatch,
        "unchecked" => CvvResult::NotProcessed,
        "unavailable" => CvvResult::Unavailable,
        other => CvvResult::Unknown(other.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn checks(line1: Option<&str>, postal: Option<&str>, cvc: Option<&str>) -> CardChecks {
        CardChecks {
            address_line1_check: line1.map(str::to_owned),
            address_postal_code_check: postal.map(str::to_owned),
            cvc_check: cvc.map(str::to_owned),
        }
    }

    #[test]
    fn avs_table() {
        let cases = [
            (Some("pass"), Some("pass"), Some(AvsResult::FullMatch)),
            (Some("pass"), Some("fail"), Some(AvsResult::StreetOnly)),
            (Some("pass"), None, Some(AvsResult::StreetOnly)),
            (Some("pass"), Some("unchecked"), Some(AvsResult::StreetOnly)),
            (Some("fail"), Some("pass"), Some(AvsResult::PostalOnly)),
            (None, Some("pass"), Some(AvsResult::PostalOnly)),
            (Some("fail"), Some("fail"), Some(AvsResult::NoMatch)),
            (None, Some("fail"), Some(AvsResult::NoMatch)),
            (Some("fail"), Some("unavailable"), Some(AvsResult::NoMatch)),
            (
                Some("unavailable"),
                Some("unavailable"),
                Some(AvsResult::Unavailable),
            ),
            (Some("unchecked"), None, Some(AvsResult::Unavailable)),
            (None, None, None),
            (
                Some("maybe"),
                None,
                Some(AvsResult::Unknown(
                    "address_line1_check=maybe;address_postal_code_check=null".into(),
                )),
            ),
        ];
        for (line1, postal, expected) in cases {
            assert_eq!(
                avs_result(&checks(line1, postal, None)),
                expected,
                "{line1:?} {postal:?}"
            );
        }
    }

    #[test]
    fn cvv_table() {
        let cases = [
            (Some("pass"), Some(CvvResult::Match)),
            (Some("fail"), Some(CvvResult::NoMatch)),
            (Some("unchecked"), Some(CvvResult::NotProcessed)),
            (Some("unavailable"), Some(CvvResult::Unavailable)),
            (Some("skipped"), Some(CvvResult::Unknown("skipped".into()))),
            (None, None),
        ];
        for (raw, expected) in cases {
            assert_eq!(cvv_result(&checks(None, None, raw)), expected, "{raw:?}");
        }
    }
}
