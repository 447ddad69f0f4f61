use secrecy::SecretString;
use shopify::webhook::{HeaderStyle, sign};
use shopify::{Topic, WebhookError, WebhookHeaders, WebhookPayload, WebhookVerifier};

/// Body and signature computed independently (Python `hmac` + `base64`) with
/// the key `webhook-secret`.
const BODY: &str = r#"{"id":820982911946154508,"email":"jon@example.com","created_at":"2024-01-01T00:00:00-05:00","currency":"USD","total_price":"10.00"}"#;
const SIGNATURE: &str = "Jhi6eYJ6V+IBxl4kv2WJnjb3yvC9Z8VX2nYdkeN4+wA=";

fn headers(prefix: &str, hmac: &str, topic: &str) -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    let mut put = |k: &str, v: &str| {
        h.insert(
            reqwest::header::HeaderName::from_bytes(format!("{prefix}{k}").as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    };
    put("Hmac-Sha256", hmac);
    put("Topic", topic);
    put("Shop-Domain", "example.myshopify.com");
    put("Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    put("Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5");
    put("Triggered-At", "2024-01-01T05:00:00.123456Z");
    put("API-Version", "2026-10");
    h
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(SecretString::from("webhook-secret"))
}

#[test]
fn computed_vector_verifies_and_parses() {
    assert_eq!(
        sign(&SecretString::from("webhook-secret"), BODY.as_bytes()),
        SIGNATURE
    );
    let hook = verifier()
        .verify_and_parse(
            &headers("X-Shopify-", SIGNATURE, "orders/create"),
            BODY.as_bytes(),
        )
        .unwrap();
    assert_eq!(hook.headers.topic, Topic::OrdersCreate);
    assert_eq!(
        hook.headers.dedupe_key(),
        "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    );
    assert_eq!(
        hook.headers.event_id.as_deref(),
        Some("98880550-7158-44d4-b7cd-2c97c8a091b5")
    );
    assert_eq!(hook.headers.api_version.as_deref(), Some("2026-10"));
    assert_eq!(hook.headers.shop_domain, "example.myshopify.com");
    assert_eq!(hook.headers.style, HeaderStyle::Prefixed);
    assert!(hook.headers.triggered_at.is_some());
    let WebhookPayload::Order(order) = hook.payload else {
        panic!("not an order")
    };
    assert_eq!(order.id, 820982911946154508);
    assert_eq!(order.total_price.to_string(), "10.00");
}

#[test]
fn unprefixed_lowercase_headers_are_accepted() {
    let hook = verifier()
        .verify_and_parse(
            &headers("shopify-", SIGNATURE, "orders/paid"),
            BODY.as_bytes(),
        )
        .unwrap();
    assert_eq!(hook.headers.style, HeaderStyle::Unprefixed);
    assert_eq!(hook.headers.topic, Topic::OrdersPaid);
}

#[test]
fn tampered_body_is_rejected() {
    let tampered = BODY.replace("10.00", "1.00");
    let err = verifier()
        .verify_and_parse(
            &headers("X-Shopify-", SIGNATURE, "orders/create"),
            tampered.as_bytes(),
        )
        .unwrap_err();
    assert!(matches!(err, WebhookError::SignatureMismatch));
    assert!(err.is_unauthorized());
}

#[test]
fn wrong_secret_is_rejected_and_rotation_accepts_either() {
    let h = headers("X-Shopify-", SIGNATURE, "orders/create");
    let wrong = WebhookVerifier::new(SecretString::from("other-secret"));
    assert!(matches!(
        wrong.verify_and_parse(&h, BODY.as_bytes()),
        Err(WebhookError::SignatureMismatch)
    ));
    let rotating = wrong.with_secret(SecretString::from("webhook-secret"));
    assert!(rotating.verify_and_parse(&h, BODY.as_bytes()).is_ok());
}

#[test]
fn missing_or_malformed_headers_and_bad_bodies() {
    let mut h = headers("X-Shopify-", SIGNATURE, "orders/create");
    h.remove("x-shopify-webhook-id");
    assert!(matches!(
        verifier().verify_and_parse(&h, BODY.as_bytes()),
        Err(WebhookError::MissingHeader("webhook-id"))
    ));
    let h = headers("X-Shopify-", "not base64!!", "orders/create");
    let err = verifier()
        .verify_and_parse(&h, BODY.as_bytes())
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    let h = headers("X-Shopify-", SIGNATURE, "orders/create");
    assert!(matches!(
        verifier().verify_and_parse(&h, b""),
        Err(WebhookError::EmptyBody)
    ));
    assert!(matches!(
        verifier()
            .with_max_body(10)
            .verify_and_parse(&h, BODY.as_bytes()),
        Err(WebhookError::BodyTooLarge(_))
    ));
}

#[test]
fn signed_but_malformed_payload_is_a_decode_error() {
    let secret = SecretString::from("webhook-secret");
    let body = br#"{"id":"not-a-number","created_at":"2024-01-01T00:00:00Z","currency":"USD","total_price":"1"}"#;
    let h = headers("X-Shopify-", &sign(&secret, body), "refunds/create");
    match verifier().verify_and_parse(&h, body) {
        Err(WebhookError::Decode { path, .. }) => assert_eq!(path, "id"),
        other => panic!("{other:?}"),
    }
    let body = b"[1, 2";
    let h = headers("X-Shopify-", &sign(&secret, body), "customers/create");
    assert!(matches!(
        verifier().verify_and_parse(&h, body),
        Err(WebhookError::Decode { .. })
    ));
}

#[test]
fn each_topic_maps_to_its_payload_type() {
    let dispute = br#"{"id":1,"order_id":2,"type":"inquiry","amount":"5.00","currency":"USD","status":"needs_response"}"#;
    for t in ["disputes/create", "disputes/update"] {
        let topic: Topic = t.parse().unwrap();
        assert!(!matches!(topic, Topic::Other(_)), "{t}");
        assert!(matches!(
            WebhookPayload::parse(&topic, dispute),
            Ok(WebhookPayload::Dispute(_))
        ));
    }
    let other: Topic = "products/update".parse().unwrap();
    assert!(matches!(
        WebhookPayload::parse(&other, b"{}"),
        Ok(WebhookPayload::Other(_))
    ));
    for t in [
        "orders/create",
        "orders/paid",
        "orders/updated",
        "orders/cancelled",
    ] {
        let topic: Topic = t.parse().unwrap();
        assert!(matches!(
            WebhookPayload::parse(&topic, BODY.as_bytes()),
            Ok(WebhookPayload::Order(_))
        ));
    }
}

#[test]
fn customer_removals_parse_with_their_ids() {
    // The sample body of `customers/delete` in Shopify's webhook reference.
    let deleted = br#"{"id":706405506930370084,"phone":null,"addresses":[],"tax_exemptions":[],"email_marketing_consent":null,"admin_graphql_api_id":"gid://shopify/Customer/706405506930370084"}"#;
    let Ok(WebhookPayload::CustomerDeleted(c)) =
        WebhookPayload::parse(&"customers/delete".parse().unwrap(), deleted)
    else {
        panic!("not a deleted customer")
    };
    assert_eq!(c.id, 706405506930370084);
    // The `customers/redact` example of Shopify's privacy law compliance page.
    let redact = br#"{"shop_id":954889,"shop_domain":"shop.myshopify.com","customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"orders_to_redact":[299938,280263,220458]}"#;
    let Ok(WebhookPayload::CustomerRedact(r)) =
        WebhookPayload::parse(&"customers/redact".parse().unwrap(), redact)
    else {
        panic!("not a redact request")
    };
    assert_eq!(r.customer.id, Some(191167));
    assert_eq!(r.orders_to_redact, vec![299938, 280263, 220458]);
    // A delete without its id is a decode error naming it.
    let Err(WebhookError::Decode { path, .. }) =
        WebhookPayload::parse(&"customers/delete".parse().unwrap(), br#"{"phone":null}"#)
    else {
        panic!("no error")
    };
    assert_eq!(path, ".");
}

#[test]
fn verifier_debug_redacts_secrets() {
    let dbg = format!("{:?}", verifier());
    assert!(!dbg.contains("webhook-secret"), "{dbg}");
}

#[test]
fn headers_from_pairs_are_case_insensitive() {
    let pairs: Vec<(&str, &[u8])> = vec![
        ("X-SHOPIFY-HMAC-SHA256", SIGNATURE.as_bytes()),
        ("x-shopify-topic", b"customers/create"),
        ("X-Shopify-Shop-Domain", b"a.myshopify.com"),
        ("X-Shopify-Webhook-Id", b"w1"),
    ];
    let h = WebhookHeaders::from_pairs(pairs).unwrap();
    assert_eq!(h.topic, Topic::CustomersCreate);
    assert_eq!(h.event_id, None);
    assert!(verifier().verify(&h, BODY.as_bytes()).is_ok());
}

#[test]
fn an_order_total_that_would_round_is_refused_naming_the_field() {
    // 30 significant digits: `Decimal::from_scientific` would have made it 20.
    let body = br#"{"id":1,"created_at":"2024-01-15T10:00:00-05:00","currency":"USD","total_price":"1.99999999999999999999999999999e1"}"#;
    match WebhookPayload::parse(&Topic::OrdersCreate, body) {
        Err(WebhookError::Decode { path, source }) => {
            assert_eq!(path, "total_price");
            assert!(
                source.to_string().contains("not an exact decimal"),
                "{source}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Exponent notation that fits is read exactly.
    let body = br#"{"id":1,"created_at":"2024-01-15T10:00:00-05:00","currency":"USD","total_price":1.2345e2}"#;
    let Ok(WebhookPayload::Order(order)) = WebhookPayload::parse(&Topic::OrdersCreate, body) else {
        panic!("not an order")
    };
    assert_eq!(order.total_price.to_string(), "123.45");
}

#[test]
fn offset_timestamps_keep_their_instant() {
    let body = br#"{"id":1,"created_at":"2024-01-15T10:00:00-05:00","currency":"USD","total_price":"1.00"}"#;
    let Ok(WebhookPayload::Order(order)) = WebhookPayload::parse(&Topic::OrdersCreate, body) else {
        panic!("not an order")
    };
    // 10:00 at -05:00 is 15:00 UTC.
    assert_eq!(order.created_at.unix_timestamp(), 1_705_330_800);
    assert_eq!(order.created_at.offset().whole_hours(), -5);
    assert_eq!(
        order.created_at,
        time::macros::datetime!(2024-01-15 15:00:00 UTC)
    );
    // A body that is not RFC 3339 is refused with the field's path.
    let body = br#"{"id":1,"created_at":"15/01/2024","currency":"USD","total_price":"1.00"}"#;
    assert!(matches!(
        WebhookPayload::parse(&Topic::OrdersCreate, body),
        Err(WebhookError::Decode { path, .. }) if path == "created_at"
    ));
    // The delivery header too.
    let h = headers("X-Shopify-", SIGNATURE, "orders/create");
    let parsed = WebhookHeaders::from_header_map(&h).unwrap();
    assert_eq!(
        parsed.triggered_at.unwrap(),
        time::macros::datetime!(2024-01-01 05:00:00.123456 UTC)
    );
}

#[test]
fn a_bad_value_in_a_saved_address_names_its_full_path() {
    let body = br#"{"id":1,"addresses":[{"id":2,"customer_id":1,"city":"Ottawa","default":true},{"id":3,"city":"X","latitude":"1e-400"}]}"#;
    match WebhookPayload::parse(&Topic::CustomersCreate, body) {
        Err(WebhookError::Decode { path, .. }) => assert_eq!(path, "addresses[1].latitude"),
        other => panic!("{other:?}"),
    }
    let body = br#"{"id":1,"default_address":{"id":2,"customer_id":1,"city":"Ottawa","zip":"K2P 0B0","country_name":"Canada","default":true,"latitude":45.4215}}"#;
    let Ok(WebhookPayload::Customer(customer)) =
        WebhookPayload::parse(&Topic::CustomersCreate, body)
    else {
        panic!("not a customer")
    };
    let saved = customer.default_address.unwrap();
    assert_eq!(
        (saved.id, saved.customer_id, saved.default),
        (Some(2), Some(1), true)
    );
    assert_eq!(saved.country_name.as_deref(), Some("Canada"));
    assert_eq!(saved.address.city.as_deref(), Some("Ottawa"));
    assert_eq!(saved.address.zip.as_deref(), Some("K2P 0B0"));
    assert_eq!(saved.address.latitude.unwrap().to_string(), "45.4215");
}
