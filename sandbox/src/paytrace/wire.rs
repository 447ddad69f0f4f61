//! PayTrace's wire details: reading request fields leniently (numbers or strings), card
//! validation, money as exact JSON numbers, `MM/DD/YYYY` dates and `M/D/YYYY h:mm:ss AM`
//! timestamps, and the standard response envelopes.

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::http::StatusCode;
use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// Prefix of the fake's "client-side encrypted" values (see [`super::PaytraceFake::encrypt`]).
pub(crate) const E2EE_PREFIX: &str = "FAKE-E2EE:";

/// A status and JSON body, ready to send.
pub(crate) type Reply = (StatusCode, Value);

/// Validation errors, keyed by PayTrace's numeric code.
#[derive(Debug, Default)]
pub(crate) struct Errors(BTreeMap<u32, Vec<String>>);

impl Errors {
    pub(crate) fn add(&mut self, code: u32, message: impl Into<String>) {
        self.0.entry(code).or_default().push(message.into());
    }

    pub(crate) fn one(code: u32, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(code, message);
        errors
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `400` with `response_code` 1 and `errors{code: [messages]}`, as PayTrace answers.
    pub(crate) fn reply(self) -> Reply {
        let errors: Map<String, Value> = self
            .0
            .into_iter()
            .map(|(code, messages)| (code.to_string(), Value::from(messages)))
            .collect();
        (
            StatusCode::BAD_REQUEST,
            json!({
                "success": false,
                "response_code": 1,
                "status_message": "One or more errors has occurred.",
                "errors": errors,
                "external_transaction_id": "",
            }),
        )
    }
}

/// Error codes the fake uses. The confirmed ones come from PayTrace's samples; the others
/// are the fake's own choice (documented in the module docs).
pub(crate) mod code {
    /// Malformed JSON body (fake's choice).
    pub(crate) const MALFORMED: u32 = 5;
    /// Customer ID not found (confirmed).
    pub(crate) const CUSTOMER_NOT_FOUND: u32 = 30;
    /// Invalid amount (fake's choice).
    pub(crate) const AMOUNT: u32 = 33;
    /// Invalid card number (confirmed).
    pub(crate) const CARD_NUMBER: u32 = 35;
    /// Missing customer ID on create (fake's choice).
    pub(crate) const CUSTOMER_ID: u32 = 38;
    /// Invalid expiration month (confirmed).
    pub(crate) const EXPIRATION_MONTH: u32 = 43;
    /// Invalid expiration year (confirmed).
    pub(crate) const EXPIRATION_YEAR: u32 = 44;
    /// Invalid start date (fake's choice).
    pub(crate) const START_DATE: u32 = 48;
    /// Invalid end date (fake's choice).
    pub(crate) const END_DATE: u32 = 49;
    /// Invalid transaction ID (confirmed); also used for an unknown batch number.
    pub(crate) const TRANSACTION_ID: u32 = 58;
    /// Customer ID not unique (confirmed).
    pub(crate) const CUSTOMER_ID_NOT_UNIQUE: u32 = 171;
    /// Invalid or used Protect.js token (fake's choice).
    pub(crate) const PROTECT_TOKEN: u32 = 180;
    /// Only settled transactions can be refunded (confirmed).
    pub(crate) const REFUND_UNSETTLED: u32 = 817;
}

/// Read access to a JSON request object.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a>(pub(crate) &'a Map<String, Value>);

/// Parses a request body into a JSON object, or PayTrace's error envelope.
pub(crate) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Errors> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Errors::one(
            code::MALFORMED,
            "Please provide a valid JSON request body.",
        )),
    }
}

impl<'a> Fields<'a> {
    /// A string or number field as text; empty and `null` read as `None`.
    pub(crate) fn text(self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A nested object (an empty one when absent or not an object).
    pub(crate) fn object(self, key: &str) -> Option<Fields<'a>> {
        self.0.get(key).and_then(Value::as_object).map(Fields)
    }

    /// Whether the key is present and not `null`.
    pub(crate) fn has(self, key: &str) -> bool {
        self.0.get(key).is_some_and(|v| !v.is_null())
    }

    /// A positive integer id (number or numeric string).
    pub(crate) fn id(self, key: &str) -> Option<u64> {
        self.text(key)
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|id| *id > 0)
    }

    /// An amount: `None` when absent, `Err` when present but not a positive dollar amount
    /// below one billion with at most two decimals.
    pub(crate) fn amount(self, key: &str) -> Result<Option<Decimal>, ()> {
        if !self.has(key) {
            return Ok(None);
        }
        let text = self.text(key).ok_or(())?;
        let amount = Decimal::from_str_exact(&text).map_err(|_| ())?;
        // PayTrace caps amounts well below this; the cap also keeps every sum far from overflow.
        let max = Decimal::new(99_999_999_999, 2);
        if amount <= Decimal::ZERO || amount > max || amount.normalize().scale() > 2 {
            return Err(());
        }
        Ok(Some(amount))
    }

    /// A required amount, adding PayTrace's error when it is missing or invalid.
    pub(crate) fn required_amount(self, key: &str, errors: &mut Errors) -> Option<Decimal> {
        match self.amount(key) {
            Ok(Some(amount)) => Some(amount),
            _ => {
                errors.add(code::AMOUNT, "Please provide a valid Amount.");
                None
            }
        }
    }
}

/// An address as sent; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// Name on the card or of the recipient.
    pub name: Option<String>,
    /// First street line.
    pub street_address: Option<String>,
    /// Second street line.
    pub street_address2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// County.
    pub county: Option<String>,
    /// State code.
    pub state: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// Country code.
    pub country: Option<String>,
}

impl Address {
    pub(crate) fn read(fields: Option<Fields<'_>>) -> Option<Self> {
        let f = fields?;
        Some(Self {
            name: f.text("name"),
            street_address: f.text("street_address"),
            street_address2: f.text("street_address2"),
            city: f.text("city"),
            county: f.text("county"),
            state: f.text("state"),
            zip: f.text("zip"),
            country: f.text("country"),
        })
    }

    /// Every field, `""` when unset, as PayTrace's exports show addresses.
    pub(crate) fn to_json(&self) -> Value {
        let s = |v: &Option<String>| Value::String(v.clone().unwrap_or_default());
        json!({
            "name": s(&self.name),
            "street_address": s(&self.street_address),
            "street_address2": s(&self.street_address2),
            "city": s(&self.city),
            "county": s(&self.county),
            "state": s(&self.state),
            "zip": s(&self.zip),
            "country": s(&self.country),
        })
    }

    /// Overwrites the fields set in `other`.
    pub(crate) fn merge(&mut self, other: Address) {
        let pick = |mine: &mut Option<String>, theirs: Option<String>| {
            if theirs.is_some() {
                *mine = theirs;
            }
        };
        pick(&mut self.name, other.name);
        pick(&mut self.street_address, other.street_address);
        pick(&mut self.street_address2, other.street_address2);
        pick(&mut self.city, other.city);
        pick(&mut self.county, other.county);
        pick(&mut self.state, other.state);
        pick(&mut self.zip, other.zip);
        pick(&mut self.country, other.country);
    }
}

/// What the fake keeps of a card: never the full number, only what PayTrace shows back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardInfo {
    /// First six digits.
    pub bin: String,
    /// Last four digits.
    pub last4: String,
    /// Number of digits.
    pub length: usize,
    /// Expiry month, 1 to 12.
    pub expiration_month: u32,
    /// Four-digit expiry year.
    pub expiration_year: u32,
    /// The CSC that "matches" for this card (the documented sandbox CSC of the test cards).
    pub(crate) test_csc: Option<&'static str>,
}

/// PayTrace's documented sandbox test cards and their CSCs.
const TEST_CARDS: [(&str, &str); 4] = [
    ("4012000098765439", "999"),
    ("5499740000000057", "998"),
    ("6011000993026909", "996"),
    ("371449635392376", "9997"),
];

impl CardInfo {
    /// `xxxxxxxxxxxx5439`, as in transaction responses.
    pub fn masked(&self) -> String {
        format!(
            "{}{}",
            "x".repeat(self.length.saturating_sub(4)),
            self.last4
        )
    }

    /// `************5439`, or `401200******5439` with the BIN, as in exports.
    pub(crate) fn export_masked(&self, include_bin: bool) -> String {
        if include_bin && self.length > 10 {
            format!("{}{}{}", self.bin, "*".repeat(self.length - 10), self.last4)
        } else {
            format!(
                "{}{}",
                "*".repeat(self.length.saturating_sub(4)),
                self.last4
            )
        }
    }

    /// Whether the card's expiry month lies before `(year, month)`.
    pub(crate) fn expired(&self, year: i64, month: u32) -> bool {
        let expiry = i64::from(self.expiration_year) * 12 + i64::from(self.expiration_month);
        expiry < year * 12 + i64::from(month)
    }

    /// The CSC result: "Match" for a well-formed CSC (the documented one for the test
    /// cards), "No Match" otherwise, "" when no CSC was sent.
    pub(crate) fn csc_result(&self, csc: Option<&str>) -> &'static str {
        let Some(csc) = csc else { return "" };
        let well_formed = (3..=4).contains(&csc.len()) && csc.bytes().all(|b| b.is_ascii_digit());
        match self.test_csc {
            Some(expected) if csc == expected => "Match",
            None if well_formed => "Match",
            _ => "No Match",
        }
    }
}

/// Reads a value that may be sent in clear or "encrypted" by the fake's e2ee stand-in.
fn clear_or_encrypted(f: Fields<'_>, clear: &str, encrypted: &str) -> Result<Option<String>, ()> {
    if let Some(value) = f.text(clear) {
        return Ok(Some(value));
    }
    match f.text(encrypted) {
        None => Ok(None),
        Some(sealed) => decrypt(&sealed).map(Some).ok_or(()),
    }
}

/// Opens a value sealed by [`super::PaytraceFake::encrypt`].
pub(crate) fn decrypt(sealed: &str) -> Option<String> {
    let encoded = sealed.strip_prefix(E2EE_PREFIX)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Seals a value like the fake's e2ee stand-in.
pub(crate) fn encrypt(clear: &str) -> String {
    format!(
        "{E2EE_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(clear)
    )
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Validates a card number and expiry, as PayTrace's errors 35, 43 and 44 report them.
pub(crate) fn card_from_parts(
    number: Option<&str>,
    month: Option<&str>,
    year: Option<&str>,
    errors: &mut Errors,
) -> Option<CardInfo> {
    let number = number.map(|n| n.replace([' ', '-'], ""));
    let number = number.filter(|n| {
        (12..=19).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && luhn(n)
    });
    if number.is_none() {
        errors.add(
            code::CARD_NUMBER,
            "Please provide a valid Credit Card Number.",
        );
    }
    let month = month
        .and_then(|m| m.parse::<u32>().ok())
        .filter(|m| (1..=12).contains(m));
    if month.is_none() {
        errors.add(
            code::EXPIRATION_MONTH,
            "Please provide a valid Expiration Month.",
        );
    }
    let year = year.and_then(|y| match y.len() {
        2 => y.parse::<u32>().ok().map(|y| 2000 + y),
        4 => y.parse::<u32>().ok().filter(|y| (2000..=2099).contains(y)),
        _ => None,
    });
    if year.is_none() {
        errors.add(
            code::EXPIRATION_YEAR,
            "Please provide a valid Expiration Year.",
        );
    }
    let (number, expiration_month, expiration_year) = (number?, month?, year?);
    let test_csc = TEST_CARDS
        .iter()
        .find(|(n, _)| *n == number)
        .map(|(_, csc)| *csc);
    Some(CardInfo {
        bin: number.chars().take(6).collect(),
        last4: number.chars().skip(number.len() - 4).collect(),
        length: number.len(),
        expiration_month,
        expiration_year,
        test_csc,
    })
}

/// Reads `credit_card{number|encrypted_number, expiration_month, expiration_year}`.
pub(crate) fn read_card(f: Fields<'_>, errors: &mut Errors) -> Option<CardInfo> {
    let Some(card) = f.object("credit_card") else {
        errors.add(
            code::CARD_NUMBER,
            "Please provide a valid Credit Card Number.",
        );
        return None;
    };
    let number = clear_or_encrypted(card, "number", "encrypted_number")
        .ok()
        .flatten();
    card_from_parts(
        number.as_deref(),
        card.text("expiration_month").as_deref(),
        card.text("expiration_year").as_deref(),
        errors,
    )
}

/// Reads `csc` or `encrypted_csc`; an undecryptable value reads as a wrong CSC.
pub(crate) fn read_csc(f: Fields<'_>) -> Option<String> {
    clear_or_encrypted(f, "csc", "encrypted_csc").unwrap_or_else(|()| Some(String::new()))
}

/// An amount as an exact JSON number with at least two decimals (`110.00`).
pub(crate) fn money(amount: Decimal) -> Value {
    let mut amount = amount;
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    let text = amount.to_string();
    serde_json::Number::from_str(&text).map_or(Value::String(text), Value::Number)
}

/// An amount as a string with at least two decimals, never rounded (`"8.10"`), as exports
/// send `tax_amount` and the control API shows amounts.
pub(crate) fn money_text(amount: Decimal) -> String {
    let mut amount = amount;
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount.to_string()
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Parses a request date, `MM/DD/YYYY` (unpadded parts accepted), into a day number.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().split('/');
    let month = parts.next()?.parse::<u32>().ok()?;
    let day = parts.next()?.parse::<u32>().ok()?;
    let year_text = parts.next()?;
    if parts.next().is_some() || year_text.len() != 4 {
        return None;
    }
    let year = year_text.parse::<i64>().ok()?;
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // Rejects 02/30 and the like: the day must round-trip.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// `4/10/2015 8:13:45 PM` for a unix time (the fake's "account local" zone is UTC).
pub(crate) fn timestamp(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let (hour12, meridiem) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!("{month}/{day}/{year} {hour12}:{minute:02}:{second:02} {meridiem}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(parse_date("04/10/2015"), Some(days_from_civil(2015, 4, 10)));
        assert_eq!(parse_date("02/30/2015"), None);
        assert_eq!(parse_date("2015-04-10"), None);
        // 2015-04-10 20:13:45 UTC
        assert_eq!(timestamp(1_428_696_825), "4/10/2015 8:13:45 PM");
        assert_eq!(timestamp(1_428_624_000), "4/10/2015 12:00:00 AM");
    }

    #[test]
    fn cards_validate_and_mask() {
        let mut errors = Errors::default();
        let card = card_from_parts(
            Some("4012000098765439"),
            Some("12"),
            Some("2026"),
            &mut errors,
        )
        .unwrap();
        assert!(errors.is_empty());
        assert_eq!(card.masked(), "xxxxxxxxxxxx5439");
        assert_eq!(card.export_masked(true), "401200******5439");
        assert_eq!(card.csc_result(Some("999")), "Match");
        assert_eq!(card.csc_result(Some("123")), "No Match");
        assert!(
            card_from_parts(
                Some("4012000098765438"),
                Some("13"),
                Some("26x"),
                &mut errors
            )
            .is_none()
        );
        assert_eq!(
            errors.0.keys().copied().collect::<Vec<_>>(),
            vec![35, 43, 44]
        );
        assert_eq!(decrypt(&encrypt("4111")).as_deref(), Some("4111"));
    }

    #[test]
    fn money_is_an_exact_number() {
        assert_eq!(money(Decimal::new(110, 0)).to_string(), "110.00");
        assert_eq!(money(Decimal::new(5188, 2)).to_string(), "51.88");
        assert_eq!(money_text(Decimal::new(81, 1)), "8.10");
        assert_eq!(money_text(Decimal::new(25, 0)), "25.00");
        assert_eq!(money_text(Decimal::new(12345, 3)), "12.345");
    }
}
