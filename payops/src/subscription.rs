//! `payops subscription create`: a Stripe subscription started for a Magento customer (see
//! `flows::workflows::magento_stripe::MagentoStripe::start_subscription`).
//!
//! Unlike `payops refund`, this calls Stripe itself, with the service's configuration
//! (`--config`, the file `payops serve` runs from: its `[magento_stripe]` pair's Stripe key and
//! store view, and its runtime store, where the customer sync keeps the link of each Magento
//! customer to its Stripe customer). Nothing is booked: the ledger is not opened. A SQLite store
//! is held by one process at a time, so against one this runs while the service is stopped; a
//! PostgreSQL store is read while it runs.
//!
//! The `--idempotency-key` is sent as Stripe's `Idempotency-Key`: the same key starts one
//! subscription however often the command runs (within Stripe's 24 hours).

use std::path::PathBuf;
use std::sync::Arc;

use flows::workflows::magento_stripe::{StartSubscription, SubscriptionError};

use crate::reconcile_gateway::BoxError;

/// `payops subscription create`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Starts a Stripe subscription for a Magento customer with a saved payment method (the
    /// first invoice is charged at once). Prints the subscription's id and status. Exits 0 when
    /// it is active or trialing, 1 when it started without its first payment (`incomplete`: a
    /// decline), 2 on bad input (naming the flag), a customer that is not linked or has no
    /// payment method, or a Stripe or store error.
    Create(CreateArgs),
}

/// Arguments of `payops subscription create`.
#[derive(Debug, clap::Args)]
pub(crate) struct CreateArgs {
    /// The service's configuration file (its `[magento_stripe]` pair and `[store]`).
    #[arg(long, env = "PAYOPS_CONFIG")]
    config: PathBuf,
    /// The Magento customer's id.
    #[arg(long)]
    customer: i64,
    /// A Stripe price (`price_...`) and its quantity (`price_...:2`; 1 when left out). Repeat
    /// for several items.
    #[arg(long = "price", required = true, value_parser = parse_item)]
    prices: Vec<(String, u64)>,
    /// The payment method (`pm_...`, attached to the customer) to charge rather than the
    /// customer's default.
    #[arg(long)]
    payment_method: Option<String>,
    /// Stripe's `Idempotency-Key` for the request (1 to 255 characters): the same key starts
    /// one subscription.
    #[arg(long)]
    idempotency_key: String,
}

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Started {
    /// Active or trialing.
    Paid,
    /// Started without its first payment.
    Unpaid,
}

/// `PRICE[:QTY]`: a price id and a positive quantity (1 when left out).
fn parse_item(text: &str) -> Result<(String, u64), String> {
    let (price, quantity) = match text.rsplit_once(':') {
        Some((price, quantity)) => {
            let quantity: u64 = quantity
                .trim()
                .parse()
                .ok()
                .filter(|q| *q > 0)
                .ok_or_else(|| format!("quantity {quantity:?} is not a positive whole number"))?;
            (price, quantity)
        }
        None => (text, 1),
    };
    let price = price.trim();
    if price.is_empty() || price.contains(char::is_whitespace) {
        return Err(format!(
            "{text:?} does not start with a price id (price_...)"
        ));
    }
    Ok((price.to_owned(), quantity))
}

/// The request the arguments describe.
fn request(args: &CreateArgs) -> StartSubscription {
    let request = StartSubscription::new(
        args.customer,
        args.prices.clone(),
        args.idempotency_key.clone(),
    );
    match &args.payment_method {
        Some(pm) => request.payment_method(pm.trim()),
        None => request,
    }
}

/// `payops subscription create`.
pub(crate) async fn run(command: &Command) -> Result<Started, BoxError> {
    let Command::Create(args) = command;
    let request = request(args);
    request.check().map_err(invalid)?;
    let config = payops::Config::load(&args.config)?;
    let pair = config.pairs.magento_stripe.as_ref().ok_or_else(|| {
        format!(
            "--config {}: no [magento_stripe] pair is configured",
            args.config.display()
        )
    })?;
    let store = payops::open_store(&config.store.location, config.store.pool_for(1)).await?;
    // Starting a subscription books nothing: an in-memory ledger stands in for the service's.
    let ledger: Arc<dyn erp::Erp> = Arc::new(erp::LocalLedger::open_in_memory()?);
    let flows = pair.workflows(ledger)?;
    let subscription = flows
        .start_subscription(&*store, &request)
        .await
        .map_err(invalid)?;
    println!("{} {}", subscription.id, subscription.status.as_str());
    Ok(match subscription.status {
        stripe_client::SubscriptionStatus::Active | stripe_client::SubscriptionStatus::Trialing => {
            Started::Paid
        }
        _ => Started::Unpaid,
    })
}

/// An error of the request, naming the flag where the request names its field.
fn invalid(err: SubscriptionError) -> String {
    match err {
        SubscriptionError::Invalid { field, reason } => format!("--{}: {reason}", flag(field)),
        other => other.to_string(),
    }
}

/// The flag of a request field.
fn flag(field: &str) -> &str {
    match field {
        "magento_customer_id" => "customer",
        "items" => "price",
        "payment_method" => "payment-method",
        "idempotency_key" => "idempotency-key",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    fn parse(args: &[&str]) -> Result<CreateArgs, clap::Error> {
        let cli = Cli::try_parse_from(
            ["payops", "create", "--config", "payops.toml"]
                .iter()
                .chain(args),
        )?;
        let Command::Create(args) = cli.command;
        Ok(args)
    }

    #[test]
    fn prices_take_an_optional_quantity_and_repeat() {
        let args = parse(&[
            "--customer",
            "42",
            "--price",
            "price_coffee:2",
            "--price",
            "price_mug",
            "--idempotency-key",
            "sub-42",
            "--payment-method",
            "pm_123",
        ])
        .unwrap();
        assert_eq!(args.customer, 42);
        assert_eq!(
            args.prices,
            vec![("price_coffee".to_owned(), 2), ("price_mug".to_owned(), 1)]
        );
        let request = request(&args);
        assert_eq!(request.magento_customer_id, 42);
        assert_eq!(request.items, args.prices);
        assert_eq!(request.payment_method.as_deref(), Some("pm_123"));
        assert_eq!(request.idempotency_key, "sub-42");
    }

    #[test]
    fn bad_prices_and_missing_flags_are_refused_naming_the_flag() {
        for bad in [
            "price_coffee:0",
            "price_coffee:two",
            ":2",
            "price_coffee:-1",
            "",
        ] {
            let err = parse(&["--customer", "1", "--price", bad, "--idempotency-key", "k"])
                .unwrap_err()
                .to_string();
            assert!(err.contains("--price"), "{bad:?}: {err}");
        }
        let err = parse(&["--customer", "1", "--idempotency-key", "k"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--price"), "{err}");
        let err = parse(&["--customer", "1", "--price", "price_a"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--idempotency-key"), "{err}");
        let err = parse(&[
            "--customer",
            "x",
            "--price",
            "price_a",
            "--idempotency-key",
            "k",
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("--customer"), "{err}");
    }

    #[test]
    fn request_fields_name_their_flags() {
        assert_eq!(flag("items"), "price");
        assert_eq!(flag("magento_customer_id"), "customer");
        assert_eq!(flag("idempotency_key"), "idempotency-key");
        assert_eq!(flag("payment_method"), "payment-method");
    }
}
