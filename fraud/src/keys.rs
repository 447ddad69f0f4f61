//! Velocity keys: what identifies a buyer across orders, hashed so that no email, address or IP
//! address is ever stored in clear.
//!
//! Email, IP and shipping address are normalised and hashed with SHA-256; the card is the
//! gateway's fingerprint as given (it is already an opaque token, never a card number). The
//! customer's account ([`OrderFacts::account`]) is hashed too: it keys the customer's own
//! history ([`CustomerOrder`]), not a velocity count.

use std::net::IpAddr;

use mapping::Money;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::facts::{AddressFacts, OrderFacts};

/// What a velocity count is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// The card's gateway fingerprint.
    Card,
    /// The buyer's email.
    Email,
    /// The buyer's IP address.
    Ip,
    /// The shipping address.
    ShippingAddress,
}

impl KeyKind {
    /// Every kind, in the order of [`crate::VelocityCounts`] and of the feature vector.
    pub const ALL: [Self; 4] = [Self::Card, Self::Email, Self::Ip, Self::ShippingAddress];

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Email => "email",
            Self::Ip => "ip",
            Self::ShippingAddress => "shipping_address",
        }
    }

    /// The position in [`Self::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// A SHA-256 digest of a normalised identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    /// The digest's bytes, as stored.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn of(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
            // A separator no normalised part contains, so ("ab","c") and ("a","bc") differ.
            hasher.update([0u8]);
        }
        Self(hasher.finalize().into())
    }
}

impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A digest prefix is enough to tell keys apart in a test failure.
        write!(f, "KeyHash(")?;
        for byte in &self.0[..4] {
            write!(f, "{byte:02x}")?;
        }
        write!(f, "…)")
    }
}

/// The hash of an email: surrounding whitespace dropped, case folded (`" Ann@Example.COM "` and
/// `"ann@example.com"` are one buyer). Provider-specific aliases (dots, `+tags`) are kept: they
/// are distinct mailboxes on most providers.
pub fn email_key(email: &str) -> KeyHash {
    let mut hasher = Sha256::new();
    let mut buffer = [0u8; 4];
    for c in email.trim().chars().flat_map(char::to_lowercase) {
        hasher.update(c.encode_utf8(&mut buffer).as_bytes());
    }
    hasher.update([0u8]);
    KeyHash(hasher.finalize().into())
}

/// The hash of an IP address; an IPv4-mapped IPv6 address counts as its IPv4 address.
pub fn ip_key(ip: IpAddr) -> KeyHash {
    match ip.to_canonical() {
        IpAddr::V4(v4) => KeyHash::of(&[&v4.octets()]),
        IpAddr::V6(v6) => KeyHash::of(&[&v6.octets()]),
    }
}

/// The hash of an address: country, postal code (case and spaces folded) and first street line
/// (case folded, punctuation dropped, runs of whitespace made one space).
pub fn address_key(address: &AddressFacts) -> KeyHash {
    let mut hasher = Sha256::new();
    hasher.update(address.country.as_str().as_bytes());
    hasher.update([0u8]);
    let mut buffer = [0u8; 4];
    for c in postal_chars(&address.postal_code) {
        hasher.update(c.encode_utf8(&mut buffer).as_bytes());
    }
    hasher.update([0u8]);
    for (i, word) in line1_words(&address.line1).enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        for c in word {
            hasher.update(c.encode_utf8(&mut buffer).as_bytes());
        }
    }
    hasher.update([0u8]);
    KeyHash(hasher.finalize().into())
}

/// The hash of a customer account as the pair names it (`magento/default/customer/42`), as
/// given: the pair's name is already normalised.
pub fn account_key(account: &str) -> KeyHash {
    // A prefix keeps an account apart from any other kind of key hashed the same way.
    KeyHash::of(&[&b"account"[..], account.as_bytes()])
}

/// Whether two addresses are one place once normalised as [`address_key`] does. Compares
/// without allocating: it runs for every order.
pub fn same_address(a: &AddressFacts, b: &AddressFacts) -> bool {
    if a.country != b.country || !postal_chars(&a.postal_code).eq(postal_chars(&b.postal_code)) {
        return false;
    }
    let mut a_words = line1_words(&a.line1);
    let mut b_words = line1_words(&b.line1);
    loop {
        match (a_words.next(), b_words.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                if !x.eq(y) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// A postal code without spaces or hyphens, upper case.
fn postal_chars(postal: &str) -> impl Iterator<Item = char> + '_ {
    postal
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
}

/// A street line's words, lower case, without punctuation (words of punctuation only vanish).
fn line1_words(line: &str) -> impl Iterator<Item = impl Iterator<Item = char> + '_> + '_ {
    let is_kept = |c: &char| !matches!(c, '.' | ',' | '#' | '\'');
    line.split_whitespace()
        .filter(move |word| word.chars().any(|c| is_kept(&c)))
        .map(move |word| word.chars().filter(is_kept).flat_map(char::to_lowercase))
}

/// One order's velocity keys, hashed once and used for both look-up and record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VelocityKeys {
    /// The card fingerprint, as given.
    pub card: Option<String>,
    /// [`email_key`] of the email.
    pub email: Option<KeyHash>,
    /// [`ip_key`] of the IP address.
    pub ip: Option<KeyHash>,
    /// [`address_key`] of the shipping address.
    pub shipping_address: Option<KeyHash>,
    /// The order as its customer's history counts it; `None` without an account (a guest).
    /// Not a velocity key: [`Self::iter`] leaves it out.
    pub customer: Option<CustomerOrder>,
}

/// One order of a known customer, as the velocity store adds it to their history
/// ([`crate::VelocityStore::customer_history`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerOrder {
    /// [`account_key`] of the order's account.
    pub account: KeyHash,
    /// The order's total, in its own currency.
    pub amount: Money,
}

impl VelocityKeys {
    /// The keys of an order's facts; a missing fact gives no key (and a zero count).
    pub fn from_facts(facts: &OrderFacts) -> Self {
        Self {
            card: facts.card.as_ref().map(|c| c.fingerprint.clone()),
            email: facts.email.as_deref().map(email_key),
            ip: facts.ip.map(ip_key),
            shipping_address: facts.shipping.as_ref().map(address_key),
            customer: facts.account.as_deref().map(|account| CustomerOrder {
                account: account_key(account),
                amount: facts.amount,
            }),
        }
    }

    /// The present velocity keys with their kinds, as the store holds them (not the customer).
    pub fn iter(&self) -> impl Iterator<Item = (KeyKind, &[u8])> {
        [
            (KeyKind::Card, self.card.as_deref().map(str::as_bytes)),
            (
                KeyKind::Email,
                self.email.as_ref().map(|h| &h.as_bytes()[..]),
            ),
            (KeyKind::Ip, self.ip.as_ref().map(|h| &h.as_bytes()[..])),
            (
                KeyKind::ShippingAddress,
                self.shipping_address.as_ref().map(|h| &h.as_bytes()[..]),
            ),
        ]
        .into_iter()
        .filter_map(|(kind, key)| key.map(|k| (kind, k)))
    }
}
