//! Small helpers: the fake's clock, RFC 3339 times, money strings, global ids.

use rust_decimal::Decimal;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn parts(ms: i64) -> (i64, u32, u32, i64, i64, i64) {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let tod = secs.rem_euclid(86_400);
    (y, mo, d, tod / 3600, (tod % 3600) / 60, tod % 60)
}

/// GraphQL `DateTime`: `2026-11-23T20:45:02Z`.
pub(crate) fn gql_time(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// REST timestamp: `2026-11-23T20:45:02+00:00`.
pub(crate) fn rest_time(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

/// `X-Shopify-Triggered-At`: `2026-11-23T20:45:02.123Z`.
pub(crate) fn header_time(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = parts(ms);
    let frac = ms.rem_euclid(1000);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z")
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` (or a bare date) into Unix milliseconds.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let date = s.get(..10)?;
    let year = digits(date.get(..4)?)?;
    let month = u32::try_from(digits(date.get(5..7)?)?).ok()?;
    let day = u32::try_from(digits(date.get(8..10)?)?).ok()?;
    if date.as_bytes().get(4) != Some(&b'-') || date.as_bytes().get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let base = days_from_civil(year, month, day) * 86_400_000;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(base);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let h = digits(rest.get(..2)?)?;
    let mi = digits(rest.get(3..5)?)?;
    let sec = digits(rest.get(6..8)?)?;
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut ms = base + (h * 3600 + mi * 60 + sec) * 1000;
    let mut tail = rest.get(8..)?;
    if let Some(frac) = tail.strip_prefix('.') {
        let end = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        let f = &frac[..end];
        if f.is_empty() {
            return None;
        }
        let padded: String = f.chars().chain("000".chars()).take(3).collect();
        ms += digits(&padded)?;
        tail = &frac[end..];
    }
    match tail {
        "Z" | "z" | "" => Some(ms),
        _ => {
            let sign = match tail.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh = digits(tail.get(1..3)?)?;
            let om = digits(tail.get(4..6)?)?;
            if tail.len() != 6 {
                return None;
            }
            Some(ms - sign * (oh * 3600 + om * 60) * 1000)
        }
    }
}

/// GraphQL `Decimal`: no trailing zeros, at least one decimal (`10.0`, `598.94`).
pub(crate) fn gql_amount(d: Decimal) -> String {
    let n = d.normalize();
    if n.scale() == 0 {
        format!("{n}.0")
    } else {
        n.to_string()
    }
}

/// REST money string with two decimals (`10.00`).
pub(crate) fn rest_amount(d: Decimal) -> String {
    let mut r = d.round_dp(2);
    r.rescale(2);
    r.to_string()
}

/// `gid://shopify/{resource}/{id}`.
pub(crate) fn gid(resource: &str, id: u64) -> String {
    format!("gid://shopify/{resource}/{id}")
}

/// The numeric id of a GID of `resource`, ignoring a `?query` suffix.
pub(crate) fn parse_gid(s: &str, resource: &str) -> Option<u64> {
    let rest = s.strip_prefix("gid://shopify/")?;
    let (res, id) = rest.split_once('/')?;
    if res != resource {
        return None;
    }
    id.split('?').next()?.parse().ok()
}

/// The resource and numeric id of any Shopify GID.
pub(crate) fn parse_any_gid(s: &str) -> Option<(&str, u64)> {
    let rest = s.strip_prefix("gid://shopify/")?;
    let (res, id) = rest.split_once('/')?;
    Some((res, id.split('?').next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        let ms = parse_time("2026-11-23T20:45:02Z");
        assert_eq!(ms.map(gql_time).as_deref(), Some("2026-11-23T20:45:02Z"));
        assert_eq!(parse_time("2026-11-23T15:45:02-05:00"), ms);
        assert_eq!(
            parse_time("2026-11-23T20:45:02.5Z")
                .zip(ms)
                .map(|(a, b)| a - b),
            Some(500)
        );
        assert_eq!(
            parse_time("2024-02-29").map(rest_time).as_deref(),
            Some("2024-02-29T00:00:00+00:00")
        );
        assert_eq!(parse_time("not a time"), None);
        assert_eq!(parse_time("2026-13-01"), None);
        assert_eq!(parse_time("2026-11-23T20:45:02+05"), None);
    }

    #[test]
    fn amounts() {
        assert_eq!(gql_amount(Decimal::new(1000, 2)), "10.0");
        assert_eq!(gql_amount(Decimal::new(59894, 2)), "598.94");
        assert_eq!(rest_amount(Decimal::new(10, 0)), "10.00");
        assert_eq!(parse_gid("gid://shopify/Order/12?x=1", "Order"), Some(12));
        assert_eq!(parse_gid("gid://shopify/Order/12", "Customer"), None);
    }
}
