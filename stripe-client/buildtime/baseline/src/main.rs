//! Baseline: one form-encoded POST and a JSON decode, with the crates any Stripe integration uses.
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(serde::Deserialize)]
struct Intent {
    id: String,
    amount: i64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let amount = rust_decimal::Decimal::new(1099, 2);
    let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec_x")?;
    mac.update(b"payload");
    let _ = mac.finalize();
    let intent: Intent = reqwest::Client::new()
        .post("http://127.0.0.1:9/v1/payment_intents")
        .form(&[
            ("amount", amount.mantissa().to_string()),
            ("currency", "usd".into()),
        ])
        .send()
        .await?
        .json()
        .await?;
    println!("{} {}", intent.id, intent.amount);
    Ok(())
}
