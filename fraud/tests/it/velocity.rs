//! Velocity windows at their edges and customer histories, in every store, and key hashing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use fraud::keys::{address_key, email_key, ip_key};
use fraud::{
    CustomerHistory, FraudError, IndexedVelocity, KeyKind, MemoryVelocity, SqliteVelocity,
    VelocityKeys, VelocityStore, Window,
};
use mapping::{Currency, Money};
use time::Duration;

use super::{PLACED_AT, facts, home};

fn stores() -> Vec<(&'static str, Box<dyn VelocityStore>)> {
    vec![
        ("memory", Box::new(MemoryVelocity::new())),
        (
            "sqlite",
            Box::new(SqliteVelocity::open_in_memory().expect("in-memory SQLite")),
        ),
        (
            "indexed",
            Box::new(
                IndexedVelocity::over(
                    SqliteVelocity::open_in_memory().expect("in-memory SQLite"),
                    PLACED_AT,
                )
                .expect("index"),
            ),
        ),
    ]
}

#[test]
fn an_order_exactly_one_window_old_no_longer_counts() {
    let keys = VelocityKeys::from_facts(&facts());
    for (name, store) in stores() {
        for window in Window::ALL {
            let length = Duration::seconds(window.seconds());
            store.record(&keys, PLACED_AT - length).expect("record");
            store
                .record(&keys, PLACED_AT - length + Duration::SECOND)
                .expect("record");
        }
        let counts = store.counts(&keys, PLACED_AT).expect("counts");
        // Inside the hour: only the one a second inside it. The day adds the hour's edge order
        // and the one a second inside the day; the week likewise.
        for kind in KeyKind::ALL {
            assert_eq!(counts.get(kind, Window::Hour), 1, "{name} {kind:?}");
            assert_eq!(counts.get(kind, Window::Day), 3, "{name} {kind:?}");
            assert_eq!(counts.get(kind, Window::Week), 5, "{name} {kind:?}");
        }
    }
}

#[test]
fn an_order_at_the_same_second_counts_and_a_later_one_does_not() {
    let keys = VelocityKeys::from_facts(&facts());
    for (name, store) in stores() {
        store.record(&keys, PLACED_AT).expect("record");
        store
            .record(&keys, PLACED_AT + Duration::SECOND)
            .expect("record");
        let counts = store.counts(&keys, PLACED_AT).expect("counts");
        assert_eq!(counts.get(KeyKind::Email, Window::Hour), 1, "{name}");
    }
}

#[test]
fn keys_count_separately_and_a_missing_key_counts_zero() {
    let mut other = facts();
    other.email = Some("bob@example.com".to_owned());
    other.ip = None;
    for (name, store) in stores() {
        store
            .record(
                &VelocityKeys::from_facts(&facts()),
                PLACED_AT - Duration::MINUTE,
            )
            .expect("record");
        let counts = store
            .counts(&VelocityKeys::from_facts(&other), PLACED_AT)
            .expect("counts");
        assert_eq!(counts.get(KeyKind::Card, Window::Hour), 1, "{name}");
        assert_eq!(
            counts.get(KeyKind::ShippingAddress, Window::Hour),
            1,
            "{name}"
        );
        assert_eq!(counts.get(KeyKind::Email, Window::Week), 0, "{name}");
        assert_eq!(counts.get(KeyKind::Ip, Window::Week), 0, "{name}");
    }
}

#[test]
fn prune_forgets_records_at_or_before_the_cut() {
    let keys = VelocityKeys::from_facts(&facts());
    for (name, store) in stores() {
        store
            .record(&keys, PLACED_AT - Duration::days(8))
            .expect("record");
        store
            .record(&keys, PLACED_AT - Duration::days(7))
            .expect("record");
        store
            .record(&keys, PLACED_AT - Duration::days(6))
            .expect("record");
        // Two records per key kind, four kinds (the indexed store reports SQLite's count).
        assert_eq!(
            store.prune(PLACED_AT - Duration::days(7)).expect("prune"),
            8,
            "{name}"
        );
        let counts = store.counts(&keys, PLACED_AT).expect("counts");
        assert_eq!(counts.get(KeyKind::Card, Window::Week), 1, "{name}");
    }
}

#[test]
fn the_sqlite_store_keeps_counts_across_reopening_and_holds_no_clear_identifiers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("velocity.sqlite");
    let keys = VelocityKeys::from_facts(&facts());
    SqliteVelocity::open(&path)
        .expect("open")
        .record(&keys, PLACED_AT - Duration::MINUTE)
        .expect("record");
    let store = SqliteVelocity::open(&path).expect("reopen");
    assert_eq!(
        store
            .counts(&keys, PLACED_AT)
            .expect("counts")
            .get(KeyKind::Ip, Window::Hour),
        1
    );
    drop(store);
    let bytes = std::fs::read(&path).expect("read");
    let wal = std::fs::read(path.with_extension("sqlite-wal")).unwrap_or_default();
    for needle in ["ann@example.com", "Main St", "203.0.113.7", "10001"] {
        for content in [&bytes, &wal] {
            assert!(
                !content
                    .windows(needle.len())
                    .any(|w| w == needle.as_bytes()),
                "{needle} is in the store"
            );
        }
    }
}

#[test]
fn the_indexed_store_loads_the_last_week_of_its_file_and_writes_through() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("velocity.sqlite");
    let keys = VelocityKeys::from_facts(&facts());
    let durable = SqliteVelocity::open(&path).expect("open");
    // Exactly a week before the reopening: outside every window, so not loaded.
    durable
        .record(&keys, PLACED_AT - Duration::days(7))
        .expect("record");
    durable
        .record(&keys, PLACED_AT - Duration::days(2))
        .expect("record");
    drop(durable);
    let indexed = IndexedVelocity::open(&path, PLACED_AT).expect("open indexed");
    assert_eq!(
        indexed
            .counts(&keys, PLACED_AT)
            .expect("counts")
            .get(KeyKind::Email, Window::Week),
        1
    );
    indexed
        .record(&keys, PLACED_AT - Duration::MINUTE)
        .expect("record");
    drop(indexed);
    let reopened = SqliteVelocity::open(&path).expect("reopen");
    assert_eq!(
        reopened
            .counts(&keys, PLACED_AT)
            .expect("counts")
            .get(KeyKind::Email, Window::Hour),
        1
    );
}

#[test]
fn email_hash_folds_case_and_surrounding_whitespace_only() {
    assert_eq!(
        email_key(" Ann@Example.COM\t"),
        email_key("ann@example.com")
    );
    assert_ne!(
        email_key("ann+shop@example.com"),
        email_key("ann@example.com")
    );
    assert_ne!(email_key("a.nn@example.com"), email_key("ann@example.com"));
}

#[test]
fn ip_hash_reads_ipv4_mapped_ipv6_as_ipv4() {
    let v4 = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    let mapped = IpAddr::V6(Ipv4Addr::new(203, 0, 113, 7).to_ipv6_mapped());
    assert_eq!(ip_key(v4), ip_key(mapped));
    assert_ne!(ip_key(v4), ip_key(IpAddr::V6(Ipv6Addr::LOCALHOST)));
}

#[test]
fn address_hash_folds_case_spacing_and_punctuation() {
    let mut messy = home();
    messy.line1 = "1   MAIN st.".to_owned();
    messy.postal_code = " 100-01".to_owned();
    assert_eq!(address_key(&messy), address_key(&home()));
    let mut other = home();
    other.country = mapping::CountryCode::CA;
    assert_ne!(address_key(&other), address_key(&home()));
}

#[test]
fn the_card_key_is_the_fingerprint_as_given() {
    let keys = VelocityKeys::from_facts(&facts());
    let card: Vec<_> = keys.iter().filter(|(k, _)| *k == KeyKind::Card).collect();
    assert_eq!(card, vec![(KeyKind::Card, &b"fp_1"[..])]);
    assert_eq!(keys.iter().count(), 4);
}

/// The baseline order placed under `account`, for `minor` units of `currency`.
fn customer_keys(account: &str, minor: i64, currency: Currency) -> VelocityKeys {
    let mut order = facts();
    order.account = Some(account.to_owned());
    order.amount = Money::from_minor(minor, currency);
    VelocityKeys::from_facts(&order)
}

#[test]
fn a_customers_history_is_their_earlier_orders_and_what_they_came_to() {
    for (name, store) in stores() {
        let next = customer_keys("shop/customer/1", 10_000, Currency::USD);
        assert_eq!(
            store.customer_history(&next).expect("history"),
            CustomerHistory::default(),
            "{name}: a first order"
        );
        for minor in [5_000, 7_000] {
            store
                .record(
                    &customer_keys("shop/customer/1", minor, Currency::USD),
                    PLACED_AT - Duration::days(30),
                )
                .expect("record");
        }
        store
            .record(
                &customer_keys("shop/customer/2", 90_000, Currency::USD),
                PLACED_AT,
            )
            .expect("record");
        assert_eq!(
            store.customer_history(&next).expect("history"),
            CustomerHistory {
                prior_orders: 2,
                prior_spent: Some(Money::from_minor(12_000, Currency::USD)),
            },
            "{name}: the account's own orders, a month old, and no other account's"
        );
        let guest = VelocityKeys::from_facts(&facts());
        assert_eq!(guest.customer, None, "{name}");
        assert_eq!(
            store.customer_history(&guest).expect("history"),
            CustomerHistory::default(),
            "{name}: a guest has no history"
        );
    }
}

#[test]
fn a_history_in_another_currency_counts_its_orders_but_is_never_added_up() {
    for (name, store) in stores() {
        store
            .record(
                &customer_keys("shop/customer/1", 5_000, Currency::USD),
                PLACED_AT - Duration::HOUR,
            )
            .expect("record");
        // An order in euros: one earlier order, but no amount in euros to compare with.
        let euros = customer_keys("shop/customer/1", 4_000, Currency::EUR);
        assert_eq!(
            store.customer_history(&euros).expect("history"),
            CustomerHistory {
                prior_orders: 1,
                prior_spent: None,
            },
            "{name}"
        );
        store.record(&euros, PLACED_AT).expect("record");
        // Back in dollars: two orders, one of them in euros, so no total either.
        let dollars = customer_keys("shop/customer/1", 6_000, Currency::USD);
        assert_eq!(
            store.customer_history(&dollars).expect("history"),
            CustomerHistory {
                prior_orders: 2,
                prior_spent: None,
            },
            "{name}"
        );
    }
}

#[test]
fn pruning_keeps_customer_histories_and_an_overflowing_total_records_nothing() {
    for (name, store) in stores() {
        let big = customer_keys("shop/customer/1", i64::MAX, Currency::USD);
        store
            .record(&big, PLACED_AT - Duration::days(9))
            .expect("record");
        store.prune(PLACED_AT - Duration::days(8)).expect("prune");
        let history = store.customer_history(&big).expect("history");
        assert_eq!(history.prior_orders, 1, "{name}: kept after pruning");
        assert!(
            matches!(
                store.record(&big, PLACED_AT),
                Err(FraudError::CustomerTotal { .. })
            ),
            "{name}"
        );
        assert_eq!(
            store.customer_history(&big).expect("history"),
            history,
            "{name}"
        );
        assert_eq!(
            store
                .counts(&big, PLACED_AT)
                .expect("counts")
                .get(KeyKind::Email, Window::Hour),
            0,
            "{name}: the refused write left no velocity either"
        );
    }
}

#[test]
fn customer_totals_survive_reopening_hashed_and_the_indexed_store_loads_them_all() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("velocity.sqlite");
    let account = "magento/default/customer/4242";
    let keys = customer_keys(account, 2_500, Currency::USD);
    // A year ago: far outside the week the indexed store loads for velocity.
    SqliteVelocity::open(&path)
        .expect("open")
        .record(&keys, PLACED_AT - Duration::days(365))
        .expect("record");
    let expected = CustomerHistory {
        prior_orders: 1,
        prior_spent: Some(Money::from_minor(2_500, Currency::USD)),
    };
    let reopened = SqliteVelocity::open(&path).expect("reopen");
    assert_eq!(reopened.customer_history(&keys).expect("history"), expected);
    drop(reopened);
    let indexed = IndexedVelocity::open(&path, PLACED_AT).expect("open indexed");
    assert_eq!(indexed.customer_history(&keys).expect("history"), expected);
    indexed.record(&keys, PLACED_AT).expect("record");
    drop(indexed);
    let again = SqliteVelocity::open(&path).expect("reopen");
    assert_eq!(
        again.customer_history(&keys).expect("history").prior_orders,
        2,
        "the indexed store writes through"
    );
    drop(again);
    let bytes = std::fs::read(&path).expect("read");
    let wal = std::fs::read(path.with_extension("sqlite-wal")).unwrap_or_default();
    for content in [&bytes, &wal] {
        assert!(
            !content
                .windows(account.len())
                .any(|w| w == account.as_bytes()),
            "the account is in the store"
        );
    }
}
