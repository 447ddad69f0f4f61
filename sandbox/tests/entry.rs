//! The library entry point: any subset of fakes on their own loopback ports.
#![allow(clippy::unwrap_used)]

use sandbox::{Sandbox, Service};

#[tokio::test]
async fn starts_exactly_the_services_asked_for() {
    let sandbox = Sandbox::start(&[Service::Paytrace, Service::Stripe, Service::Paytrace], 1)
        .await
        .unwrap();
    assert!(sandbox.paytrace.is_some() && sandbox.stripe.is_some());
    assert!(sandbox.shopify.is_none() && sandbox.magento.is_none() && sandbox.odoo.is_none());
    let paytrace = sandbox.paytrace.as_ref().unwrap().base_url().clone();
    let stripe = sandbox.stripe.as_ref().unwrap().base_url().clone();
    assert_ne!(paytrace.port(), stripe.port());
    assert_eq!(paytrace.host_str(), Some("127.0.0.1"));
    let lines = sandbox.describe();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].contains(paytrace.as_str()));
    // The fake answers on its port.
    let answer = reqwest::Client::new()
        .post(paytrace.join("oauth/token").unwrap())
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_client_error(), "{}", answer.status());
}

#[tokio::test]
async fn starts_all_five() {
    let sandbox = Sandbox::start(&Service::ALL, 2).await.unwrap();
    assert_eq!(sandbox.describe().len(), 10);
    let described = sandbox.describe_json();
    for service in Service::ALL {
        let url = described[service.name()]["url"].as_str().unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "{service:?}: {url}");
    }
    assert_eq!(described.as_object().unwrap().len(), 5);
    assert_eq!(
        described["magento"]["integration_token"],
        sandbox.magento.as_ref().unwrap().fake.integration_token()
    );
}

#[test]
fn service_names_parse_and_unknown_ones_are_refused() {
    assert_eq!("PayTrace".parse::<Service>().unwrap(), Service::Paytrace);
    assert_eq!("odoo".parse::<Service>().unwrap(), Service::Odoo);
    assert!(
        "square"
            .parse::<Service>()
            .unwrap_err()
            .contains("unknown service")
    );
}
