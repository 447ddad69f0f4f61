//! The operations console over the offline stack's data, in a real headless Chromium: orders of
//! both pairs run (paid, declined), one Magento invoice fails (Magento refuses it), the operator
//! logs in with the run's token, sees the jobs, the breakers and the dead letter, clicks Replay
//! once Magento takes invoices again, and the order is invoiced and booked. No page shows a
//! secret of the stack or a card number.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use browser_testkit::Browser;
use examples::{OfflineStack, StackOptions, find_secrets};
use fantoccini::{Client, Locator};
use flows::workflows::magento_stripe::PAYMENT_METHOD_KEY;
use flows::workflows::shopify_paytrace::ATTR_VAULT_CUSTOMER;
use rust_decimal::Decimal;
use sandbox::{Fault, FaultRule, Trigger};
use secrecy::ExposeSecret;

/// Waits until `done` holds, for at most 30 s.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page's source, after asserting that it shows no secret of the stack.
async fn source(browser: &Client, stack: &OfflineStack) -> String {
    let source = browser.source().await.unwrap();
    let url = browser.current_url().await.unwrap();
    let exposed = find_secrets(&stack.secrets(), &source);
    assert!(exposed.is_empty(), "{url} shows {exposed:?}");
    source
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_replays_the_demo_stacks_failed_invoice_from_the_console() {
    let stack = OfflineStack::start(StackOptions::default()).await.unwrap();
    let billing = sandbox::paytrace::Address {
        name: Some("demo-ada".to_owned()),
        zip: Some("98101".to_owned()),
        ..Default::default()
    };
    stack
        .paytrace
        .fake
        .seed_customer("demo-ada", "4111111111111111", 12, 2030, billing);
    for amount in ["19.99", "10.02"] {
        stack.shopify.fake.create_order(
            sandbox::shopify::NewOrder::simple(
                "ada@example.com",
                amount.parse::<Decimal>().unwrap(),
            )
            .note_attribute(ATTR_VAULT_CUSTOMER, "demo-ada"),
        );
    }
    // Magento refuses invoices for a while: the charge's booking goes to dead letters.
    let refusing = stack.faults.add(
        FaultRule::new("magento", Fault::status(400), Trigger::Always)
            .method("POST")
            .path("/rest/default/V1/order/"),
    );
    let payment_method = stack
        .stripe
        .fake
        .payment_method_for_card("4242424242424242")
        .unwrap();
    let order = stack.magento.fake.create_order(
        sandbox::magento::NewOrder::new("shopper@example.com")
            .item("MUG-1", 1, "14.00".parse::<Decimal>().unwrap())
            .payment(
                "stripe",
                vec![(PAYMENT_METHOD_KEY.to_owned(), payment_method)],
            ),
    );
    stack.magento_poller().poll_once().await.unwrap();
    assert!(stack.settle(Duration::from_secs(60)).await.unwrap());
    let letters = stack.store.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 1, "{letters:#?}");
    assert_eq!(letters[0].kind.as_str(), "stripe.charge-succeeded");
    stack.faults.remove(refusing);

    let chromium = Browser::start().unwrap();
    let browser = chromium.session().await.unwrap();
    browser.goto(stack.console_url.as_str()).await.unwrap();
    source(&browser, &stack).await;
    browser
        .find(Locator::Css("input[name=token]"))
        .await
        .unwrap()
        .send_keys(stack.console_token.expose_secret())
        .await
        .unwrap();
    click(&browser, "button[type=submit]").await;
    // The click returns before the browser has followed the login's redirect.
    eventually("the status page", async || {
        source(&browser, &stack)
            .await
            .contains("1 waiting for replay")
    })
    .await;

    // The jobs of both pairs and the breakers, as the run left them.
    browser
        .goto(&format!("{}/jobs", stack.console_url))
        .await
        .unwrap();
    let jobs = source(&browser, &stack).await;
    for kind in [
        "shopify.order-payment",
        "magento.order-payment",
        "payops.notify",
    ] {
        assert!(jobs.contains(kind), "{kind} not on the jobs page");
    }
    browser
        .goto(&format!("{}/breakers", stack.console_url))
        .await
        .unwrap();
    source(&browser, &stack).await;

    // The dead letter, its reason, and Replay.
    browser
        .goto(&format!("{}/dead-letters", stack.console_url))
        .await
        .unwrap();
    source(&browser, &stack).await;
    browser
        .goto(&format!(
            "{}/dead-letters/{}",
            stack.console_url, letters[0].id
        ))
        .await
        .unwrap();
    let letter = source(&browser, &stack).await;
    assert!(letter.contains("stripe.charge-succeeded"), "{letter}");
    click(&browser, "#replay").await;
    eventually("the list saying the letter is queued again", async || {
        source(&browser, &stack).await.contains("is queued again")
    })
    .await;

    eventually("the replayed charge's invoice", async || {
        !stack.magento.fake.invoices_of(order).is_empty()
    })
    .await;
    assert!(stack.settle(Duration::from_secs(60)).await.unwrap());
    assert!(stack.store.dead_letters(10).await.unwrap().is_empty());
    assert_eq!(stack.magento.fake.invoices_of(order).len(), 1);
    stack.stop().await.unwrap();
}
