//! Stripe's test cards and test PaymentMethods (docs.stripe.com/testing), and what each does.

use std::borrow::Cow;

/// What happens when a card is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// The charge succeeds.
    Succeed,
    /// The issuer declines: `(code, decline_code, message)`. `attach_ok` tells whether
    /// attaching the card to a customer succeeds (`pm_card_chargeCustomerFail`) or is declined too.
    Decline {
        code: &'static str,
        decline_code: Option<&'static str>,
        message: &'static str,
        attach_ok: bool,
    },
    /// Radar blocks the payment (highest risk): `card_declined` / `fraudulent`.
    RadarBlock,
    /// The charge succeeds, then the issuer files an early fraud warning.
    EarlyFraudWarning,
    /// The charge succeeds, then the cardholder disputes it as fraudulent.
    Dispute,
    /// The issuer asks for 3-D Secure: a confirmation leaves the PaymentIntent in
    /// `requires_action`, charging nothing, until
    /// [`StripeFake::answer_authentication`](super::StripeFake::answer_authentication) plays the customer's
    /// answer.
    Authenticate,
}

/// One test card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TestCard {
    pub(crate) number: Cow<'static, str>,
    pub(crate) token: &'static str,
    pub(crate) brand: &'static str,
    pub(crate) behaviour: Behaviour,
}

impl TestCard {
    pub(crate) fn last4(&self) -> &str {
        self.number
            .get(self.number.len().saturating_sub(4)..)
            .unwrap_or("")
    }
}

const DECLINED: &str = "Your card was declined.";

const fn decline(
    code: &'static str,
    decline_code: Option<&'static str>,
    message: &'static str,
) -> Behaviour {
    Behaviour::Decline {
        code,
        decline_code,
        message,
        attach_ok: false,
    }
}

/// The test cards the fake knows, as docs.stripe.com/testing lists them.
pub(crate) const CARDS: &[TestCard] = &[
    TestCard {
        number: Cow::Borrowed("4242424242424242"),
        token: "pm_card_visa",
        brand: "visa",
        behaviour: Behaviour::Succeed,
    },
    TestCard {
        number: Cow::Borrowed("4000056655665556"),
        token: "pm_card_visa_debit",
        brand: "visa",
        behaviour: Behaviour::Succeed,
    },
    TestCard {
        number: Cow::Borrowed("5555555555554444"),
        token: "pm_card_mastercard",
        brand: "mastercard",
        behaviour: Behaviour::Succeed,
    },
    TestCard {
        number: Cow::Borrowed("378282246310005"),
        token: "pm_card_amex",
        brand: "amex",
        behaviour: Behaviour::Succeed,
    },
    TestCard {
        number: Cow::Borrowed("4000000000000002"),
        token: "pm_card_visa_chargeDeclined",
        brand: "visa",
        behaviour: decline("card_declined", Some("generic_decline"), DECLINED),
    },
    TestCard {
        number: Cow::Borrowed("4000000000009995"),
        token: "pm_card_visa_chargeDeclinedInsufficientFunds",
        brand: "visa",
        behaviour: decline(
            "card_declined",
            Some("insufficient_funds"),
            "Your card has insufficient funds.",
        ),
    },
    TestCard {
        number: Cow::Borrowed("4000000000009987"),
        token: "pm_card_visa_chargeDeclinedLostCard",
        brand: "visa",
        behaviour: decline("card_declined", Some("lost_card"), DECLINED),
    },
    TestCard {
        number: Cow::Borrowed("4000000000009979"),
        token: "pm_card_visa_chargeDeclinedStolenCard",
        brand: "visa",
        behaviour: decline("card_declined", Some("stolen_card"), DECLINED),
    },
    TestCard {
        number: Cow::Borrowed("4000000000006975"),
        token: "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
        brand: "visa",
        behaviour: decline("card_declined", Some("card_velocity_exceeded"), DECLINED),
    },
    TestCard {
        number: Cow::Borrowed("4000000000000069"),
        token: "pm_card_chargeDeclinedExpiredCard",
        brand: "visa",
        behaviour: decline("expired_card", None, "Your card has expired."),
    },
    TestCard {
        number: Cow::Borrowed("4000000000000127"),
        token: "pm_card_chargeDeclinedIncorrectCvc",
        brand: "visa",
        behaviour: decline(
            "incorrect_cvc",
            None,
            "Your card's security code is incorrect.",
        ),
    },
    TestCard {
        number: Cow::Borrowed("4000000000000119"),
        token: "pm_card_chargeDeclinedProcessingError",
        brand: "visa",
        behaviour: decline(
            "processing_error",
            None,
            "An error occurred while processing your card. Try again in a little bit.",
        ),
    },
    TestCard {
        number: Cow::Borrowed("4000000000000341"),
        token: "pm_card_chargeCustomerFail",
        brand: "visa",
        behaviour: Behaviour::Decline {
            code: "card_declined",
            decline_code: Some("generic_decline"),
            message: DECLINED,
            attach_ok: true,
        },
    },
    TestCard {
        number: Cow::Borrowed("4100000000000019"),
        token: "pm_card_radarBlock",
        brand: "visa",
        behaviour: Behaviour::RadarBlock,
    },
    TestCard {
        number: Cow::Borrowed("4000000000005423"),
        token: "pm_card_createIssuerFraudRecord",
        brand: "visa",
        behaviour: Behaviour::EarlyFraudWarning,
    },
    TestCard {
        number: Cow::Borrowed("4000000000000259"),
        token: "pm_card_createDispute",
        brand: "visa",
        behaviour: Behaviour::Dispute,
    },
    // 3-D Secure ("Authenticate unless set up" and "Always authenticate"): the fake asks for
    // authentication on every confirmation, off-session ones included.
    TestCard {
        number: Cow::Borrowed("4000002500003155"),
        token: "pm_card_authenticationRequiredOnSetup",
        brand: "visa",
        behaviour: Behaviour::Authenticate,
    },
    TestCard {
        number: Cow::Borrowed("4000002760003184"),
        token: "pm_card_authenticationRequired",
        brand: "visa",
        behaviour: Behaviour::Authenticate,
    },
];

/// The card behind a test PaymentMethod token (`pm_card_visa`).
pub(crate) fn by_token(token: &str) -> Option<TestCard> {
    CARDS.iter().find(|c| c.token == token).cloned()
}

/// The card for a number: a listed test card, or (for any other number passing the Luhn
/// check) a card that succeeds, its brand guessed from the first digit.
pub(crate) fn by_number(number: &str) -> Option<TestCard> {
    let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if let Some(card) = CARDS.iter().find(|c| c.number == digits) {
        return Some(card.clone());
    }
    if !(12..=19).contains(&digits.len()) || !luhn(&digits) {
        return None;
    }
    let brand = match digits.as_bytes().first() {
        Some(b'4') => "visa",
        Some(b'5' | b'2') => "mastercard",
        Some(b'3') => "amex",
        Some(b'6') => "discover",
        _ => "unknown",
    };
    Some(TestCard {
        number: Cow::Owned(digits),
        token: "",
        brand,
        behaviour: Behaviour::Succeed,
    })
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_luhn_valid_and_lookups_work() {
        for card in CARDS {
            assert!(luhn(&card.number), "{}", card.number);
            assert_eq!(by_token(card.token).as_ref(), Some(card));
            assert_eq!(by_number(&card.number).as_ref(), Some(card));
        }
        assert!(by_number("4242424242424241").is_none());
        assert!(by_number("abc").is_none());
        assert_eq!(
            by_number("4012 8888 8888 1881")
                .map(|c| c.last4().to_owned())
                .as_deref(),
            Some("1881")
        );
    }
}
