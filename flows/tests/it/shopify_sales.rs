//! PayTrace's transaction export against the books, through the sandbox: a sale keyed at
//! PayTrace outside the flows (as in its virtual terminal) is reported once, as a dead letter a
//! person sees; the flows' own sales, declines and voids are not; a sale younger than the grace
//! waits for the next poll; the checkpoint moves to the last day wholly checked.

use flows::backfill::Polled;
use flows::workflows::shopify_paytrace::PaytraceSales;
use flows::{JobState, Store};
use paytrace::{CreditCard, KeyedRequest, TransactionId};
use time::OffsetDateTime;

use super::*;

const VISA: &str = "4012000098765439";

fn poller(app: &TestApp) -> PaytraceSales {
    let erp: Arc<dyn Erp> = Arc::new(app.ledger.clone());
    ShopifyPaytrace::new(
        app.shopify_client.clone(),
        app.paytrace_client.clone(),
        erp,
        app.config.clone(),
    )
    .paytrace_sales(Arc::clone(&app.store))
}

/// The fake's now, `secs` later.
fn fake_now(app: &TestApp, secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(app.paytrace.fake.now_unix() + secs).unwrap()
}

/// A sale of `amount` keyed straight at PayTrace, as a clerk does in its virtual terminal.
async fn keyed_sale(app: &TestApp, amount: &str, invoice: &str) -> TransactionId {
    let mut sale = KeyedRequest::new(dec(amount), CreditCard::plain(VISA, 12, 2030));
    sale.details.invoice_id = Some(invoice.into());
    let answer = app.paytrace_client.sale_keyed(&sale).await.unwrap();
    answer.transaction_id.unwrap()
}

fn job_key(app: &TestApp, id: TransactionId) -> String {
    format!(
        "paytrace/{}/transaction/{}",
        app.config.paytrace_account, id.0
    )
}

#[tokio::test]
async fn a_sale_made_outside_the_flows_is_reported_once_and_nothing_else_is() {
    let app = TestApp::spawn().await;
    // PayTrace's clock at the next noon in its zone: the polls below, up to 11 minutes apart,
    // then read the same day whatever the time the test runs at.
    let local = fake_now(&app, 0).to_offset(app.config.paytrace_utc_offset);
    let (h, m, sec) = local.time().as_hms();
    let of_day = i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(sec);
    let to_noon = u64::try_from((12 * 3600 - of_day).rem_euclid(86_400)).unwrap();
    app.paytrace
        .fake
        .advance_clock(std::time::Duration::from_secs(to_noon));
    let order = app.place_order("40.00");
    app.settle().await;
    app.assert_paid(&order).await;
    let outside = keyed_sale(&app, "12.34", "VT-1").await;
    let voided = keyed_sale(&app, "5.00", "VT-2").await;
    app.paytrace_client.void(voided).await.unwrap();
    let poller = poller(&app);

    // Within the grace: the flow that made it might still be booking it.
    let polled = poller.poll_at(fake_now(&app, 0)).await.unwrap();
    assert_eq!(
        polled,
        Polled {
            found: 2,
            ..Polled::default()
        }
    );

    let later = fake_now(&app, 11 * 60);
    let polled = poller.poll_at(later).await.unwrap();
    assert_eq!(
        polled,
        Polled {
            found: 2,
            new: 1,
            ..Polled::default()
        }
    );
    app.settle().await;
    let kind = flows::workflow::JobKind::new("paytrace.unbooked-transaction");
    let info = app
        .store
        .job(&kind, &job_key(&app, outside))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.state, JobState::Dead);
    let reason = info.last_error.unwrap();
    for part in [
        &outside.0.to_string(),
        "SALE",
        "12.34 USD",
        "invoice VT-1",
        "not in the books",
    ] {
        assert!(reason.contains(part), "{part}: {reason}");
    }
    assert!(!reason.contains("5439"), "{reason}");
    let letters = app.dead_letters().await;
    assert_eq!(letters.len(), 1, "{letters:#?}");
    assert!(!letters[0].payload.to_string().contains("5439"));

    // Found again: the same job, reported once.
    let polled = poller.poll_at(later).await.unwrap();
    assert_eq!(
        polled,
        Polled {
            found: 2,
            ..Polled::default()
        }
    );
    assert_eq!(app.dead_letters().await.len(), 1);

    // The checkpoint is the last day wholly checked: the day before the one the poll's time
    // less the grace (10 minutes) falls on, in PayTrace's zone (near midnight, the poll's own
    // day may already be the next).
    let settled = (later - time::Duration::minutes(10))
        .to_offset(app.config.paytrace_utc_offset)
        .date();
    let checkpoint = app
        .store
        .checkpoint(&format!("paytrace/{}/sales", app.config.paytrace_account))
        .await
        .unwrap();
    assert_eq!(checkpoint, settled.previous_day().map(|d| d.to_string()));
}
