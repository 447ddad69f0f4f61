//! The chat fake: a signed message is kept once per key; an unsigned, stale or malformed one is
//! refused as the notifier's tests expect.
#![allow(clippy::unwrap_used, missing_docs)]

use sandbox::chat::ChatFake;
use sandbox::warehouse::signature_header;
use sandbox::{Faults, Running};

async fn post(url: &str, key: &str, body: &str, signature: Option<String>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("idempotency-key", key)
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("payops-signature", signature);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_signed_message_is_kept_once_per_key_and_anything_else_is_refused() {
    let chat = Running::start(ChatFake::new(), &Faults::default())
        .await
        .unwrap();
    let url = chat.base_url().join("hook").unwrap().to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = r#"{"text":"Dead letter"}"#;
    let signed =
        |t: i64, body: &str| Some(signature_header(chat.fake.secret(), t, body.as_bytes()));

    assert_eq!(post(&url, "k1", body, signed(now, body)).await, 200);
    assert_eq!(post(&url, "k1", body, signed(now, body)).await, 200);
    assert_eq!(post(&url, "k1", body, None).await, 401);
    assert_eq!(post(&url, "k1", body, signed(now - 600, body)).await, 401);
    let wrong = Some(signature_header("whsec_other", now, body.as_bytes()));
    assert_eq!(post(&url, "k1", body, wrong).await, 401);
    let bad = r#"{"blocks":[]}"#;
    assert_eq!(post(&url, "k2", bad, signed(now, bad)).await, 400);

    let messages = chat.fake.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0].key, "k1");
    assert_eq!(messages[0].deliveries, 2);
    assert_eq!(messages[0].body["text"], "Dead letter");
}
