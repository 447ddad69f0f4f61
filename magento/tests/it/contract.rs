//! Contract test: every (method, path) this crate calls, every query parameter and every request
//! body field it sends exists in Adobe's official 2.4.8 admin schema (trimmed copy in
//! `tests/fixtures/admin-schema-2.4.8.trimmed.json`).
//!
//! Every operation runs once with all optional fields set, against a server that records the
//! requests; the recorded requests are then checked against the schema.

use magento::{
    Client, Condition, CreateInvoice, CreateShipment, Credentials, CustomAttribute, Customer,
    CustomerAddress, CustomerExtensionAttributes, Direction, DocumentComment, Filter, FilterGroup,
    ItemQty, NewCustomer, NewOrderComment, OrderState, PaymentFailure, Refund, RefundArguments,
    RefundArgumentsExtension, Region, RetryConfig, SearchCriteria, Track,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::macros::{date, datetime};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::fixture_json;

/// Answers every request with a body of the right shape for its route.
fn answer(req: &Request) -> ResponseTemplate {
    let p = req.url.path();
    let body = match (req.method.as_str(), p) {
        ("POST", p) if p.ends_with("/integration/admin/token") => json!("tok"),
        ("POST", p)
            if p.ends_with("/invoice") || p.ends_with("/ship") || p.ends_with("/refund") =>
        {
            json!(1)
        }
        ("POST", p)
            if p.ends_with("/comments")
                || p.ends_with("/hold")
                || p.ends_with("/unhold")
                || p.ends_with("/cancel") =>
        {
            json!(true)
        }
        // The status read-back says "unchanged", so record_payment_failure also saves the order.
        ("GET", p) if p.contains("/orders/") && !p.ends_with("/comments") => {
            json!({"entity_id": 3, "status": "pending"})
        }
        (_, p) if p.ends_with("/V1/orders") && req.method.as_str() == "POST" => {
            json!({"entity_id": 3})
        }
        _ => json!({"items": [], "total_count": 0, "id": 2}),
    };
    ResponseTemplate::new(200).set_body_json(body)
}

fn full_customer() -> Customer {
    Customer {
        id: Some(2),
        group_id: Some(1),
        default_billing: Some("2".into()),
        default_shipping: Some("2".into()),
        created_at: Some(datetime!(2026-01-01 00:00 UTC)),
        updated_at: Some(datetime!(2026-01-01 00:00 UTC)),
        created_in: Some("Default Store View".into()),
        dob: Some(date!(1990 - 01 - 01)),
        email: "a@b.c".into(),
        firstname: "A".into(),
        lastname: "B".into(),
        middlename: Some("M".into()),
        prefix: Some("Dr".into()),
        suffix: Some("Jr".into()),
        gender: Some(3),
        store_id: Some(1),
        website_id: Some(1),
        taxvat: Some("X".into()),
        addresses: vec![CustomerAddress {
            id: Some(1),
            customer_id: Some(2),
            region: Some(Region {
                region_code: Some("NY".into()),
                region: Some("New York".into()),
                region_id: Some(43),
            }),
            region_id: Some(43),
            country_id: Some("US".into()),
            street: vec!["1 Main".into()],
            company: Some("Co".into()),
            telephone: Some("1".into()),
            postcode: Some("10577".into()),
            city: Some("Purchase".into()),
            firstname: Some("A".into()),
            lastname: Some("B".into()),
            middlename: Some("M".into()),
            vat_id: Some("V".into()),
            default_shipping: Some(true),
            default_billing: Some(true),
        }],
        disable_auto_group_change: Some(0),
        custom_attributes: vec![CustomAttribute {
            attribute_code: "loyalty".into(),
            value: json!("gold"),
        }],
        extension_attributes: Some(CustomerExtensionAttributes {
            is_subscribed: Some(true),
        }),
    }
}

async fn exercise(c: &Client) {
    let items = vec![ItemQty::new(3, 1)];
    let comment = Some(DocumentComment::internal("c"));
    let criteria = SearchCriteria::new()
        .group(FilterGroup::new().or(Filter::eq("a", "1")).or(Filter::new(
            "b",
            Condition::Like,
            "%x%",
        )))
        .filter(Filter::eq("c", "2"))
        .filter(Filter::timestamp(
            "updated_at",
            Condition::Gteq,
            datetime!(2026-01-01 00:00 UTC),
        ))
        .sort("created_at", Direction::Desc)
        .sort("entity_id", Direction::Asc)
        .page_size(10)
        .current_page(2)
        .fields("items[entity_id],total_count");
    let refund = Refund {
        items: items.clone(),
        notify: true,
        append_comment: true,
        comment: comment.clone(),
        arguments: Some(RefundArguments {
            shipping_amount: Some(Decimal::ONE),
            adjustment_positive: Some(Decimal::ONE),
            adjustment_negative: Some(Decimal::ONE),
            extension_attributes: Some(RefundArgumentsExtension {
                return_to_stock_items: vec![3],
            }),
        }),
    };
    let o = c.orders();
    o.get(3).await.unwrap();
    o.search(&criteria).await.unwrap();
    o.comments(3).await.unwrap();
    o.add_comment(
        3,
        &NewOrderComment {
            comment: "x".into(),
            status: Some("pending".into()),
            notify_customer: true,
            visible_on_front: true,
        },
    )
    .await
    .unwrap();
    o.hold(3).await.unwrap();
    o.unhold(3).await.unwrap();
    o.cancel(3).await.unwrap();
    o.record_payment_failure(
        3,
        &PaymentFailure {
            status: "payment_failed".into(),
            state: OrderState::PendingPayment,
            comment: "declined".into(),
            notify_customer: false,
        },
    )
    .await
    .unwrap();
    c.invoices()
        .create(
            3,
            &CreateInvoice {
                capture: true,
                items: items.clone(),
                notify: true,
                append_comment: true,
                comment: comment.clone(),
            },
        )
        .await
        .unwrap();
    c.invoices().get(3).await.unwrap();
    c.shipments()
        .create(
            3,
            &CreateShipment {
                items: items.clone(),
                notify: true,
                append_comment: true,
                comment: comment.clone(),
                tracks: vec![Track::new("ups", "UPS", "1Z")],
            },
        )
        .await
        .unwrap();
    c.credit_memos().refund_offline(3, &refund).await.unwrap();
    c.credit_memos().refund_online(3, &refund).await.unwrap();
    c.customers().get(2).await.unwrap();
    c.customers().search(&criteria).await.unwrap();
    c.customers()
        .create(&NewCustomer::new(full_customer()).with_password("pw"))
        .await
        .unwrap();
    c.customers().update(2, &full_customer()).await.unwrap();
}

/// Finds the schema path template matching a concrete `/V1/...` path.
fn template<'a>(schema: &'a Value, method: &str, v1_path: &str) -> Option<(&'a str, &'a Value)> {
    let segments: Vec<&str> = v1_path.split('/').collect();
    schema["paths"].as_object()?.iter().find_map(|(tpl, ops)| {
        let t: Vec<&str> = tpl.trim_end_matches('/').split('/').collect();
        let fits = t.len() == segments.len()
            && t.iter()
                .zip(&segments)
                .all(|(a, b)| a == b || (a.starts_with('{') && b.parse::<i64>().is_ok()));
        let op = ops.get(method.to_ascii_lowercase())?;
        fits.then_some((tpl.as_str(), op))
    })
}

/// Resolves `$ref`s and checks that every key of `value` is a property of `schema`.
fn check_fields(defs: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &defs[r.rsplit('/').next().unwrap()],
        None => schema,
    };
    match value {
        Value::Object(map) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                problems.push(format!(
                    "{at}: object sent where the schema has no properties"
                ));
                return;
            };
            for (k, v) in map {
                match props.get(k) {
                    Some(s) => check_fields(defs, s, v, &format!("{at}.{k}"), problems),
                    None => problems.push(format!("{at}.{k}: not in the schema")),
                }
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                check_fields(defs, &schema["items"], v, &format!("{at}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

/// `searchCriteria[filterGroups][3][filters][1][field]` -> `...[0][filters][0][field]`, the
/// form the schema lists.
fn normalize_indices(name: &str) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(start) = rest.find('[') {
        let (head, tail) = rest.split_at(start);
        out.push_str(head);
        let end = tail.find(']').unwrap();
        let inner = &tail[1..end];
        if inner.parse::<u32>().is_ok() {
            out.push_str("[0]");
        } else {
            out.push_str(&tail[..=end]);
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_request_matches_the_official_schema() {
    let schema = fixture_json("admin-schema-2.4.8.trimmed.json");
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(answer)
        .mount(&server)
        .await;
    for credentials in [
        Credentials::admin_user("admin", "pw"),
        Credentials::oauth("ck", "cs", "at", "ats"),
    ] {
        let c = Client::builder(server.uri(), credentials)
            .store_code("default")
            .retry(RetryConfig::disabled())
            .build()
            .unwrap();
        exercise(&c).await;
    }

    let requests = server.received_requests().await.unwrap();
    let mut problems = Vec::new();
    let mut routes = std::collections::BTreeSet::new();
    for req in &requests {
        let v1 = req.url.path().strip_prefix("/rest/default").unwrap();
        let Some((tpl, op)) = template(&schema, req.method.as_str(), v1) else {
            problems.push(format!("{} {v1}: no such operation", req.method));
            continue;
        };
        routes.insert(format!("{} {tpl}", req.method));
        let params = op["parameters"].as_array().unwrap();
        for (name, _) in req.url.query_pairs() {
            // `fields` is the framework-wide response filter (docs: "Retrieve filtered
            // responses"), accepted by every operation and absent from per-operation parameters.
            if name == "fields" {
                continue;
            }
            let normalized = normalize_indices(&name);
            if !params
                .iter()
                .any(|p| p["in"] == "query" && p["name"] == normalized.as_str())
            {
                problems.push(format!(
                    "{} {tpl}: query parameter {name} not in the schema",
                    req.method
                ));
            }
        }
        if !req.body.is_empty() {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            match params.iter().find(|p| p["in"] == "body") {
                Some(p) => check_fields(
                    &schema["definitions"],
                    &p["schema"],
                    &body,
                    &format!("{} {tpl}", req.method),
                    &mut problems,
                ),
                None if body == json!({}) => {}
                None => problems.push(format!(
                    "{} {tpl}: body sent to an operation without one",
                    req.method
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // Every route of the trimmed schema was exercised (the trim lists exactly the routes used).
    let declared: usize = schema["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(routes.len(), declared, "{routes:#?}");
}

#[test]
fn the_checker_rejects_unknown_fields() {
    let schema = fixture_json("admin-schema-2.4.8.trimmed.json");
    let (_, op) = template(&schema, "POST", "/V1/order/3/ship").unwrap();
    let body_schema = &op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["in"] == "body")
        .unwrap()["schema"];
    let mut problems = Vec::new();
    check_fields(
        &schema["definitions"],
        body_schema,
        &json!({"tracks": [{"track_number": "1", "carrier": "x"}], "shipNow": true}),
        "ship",
        &mut problems,
    );
    assert_eq!(
        problems,
        vec![
            "ship.shipNow: not in the schema".to_string(),
            "ship.tracks[0].carrier: not in the schema".to_string()
        ]
    );
    assert_eq!(
        normalize_indices("searchCriteria[filterGroups][12][filters][3][field]"),
        "searchCriteria[filterGroups][0][filters][0][field]"
    );
}
