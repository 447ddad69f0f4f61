//! The catalog: `/v1/products` and `/v1/prices` (per-unit prices, one-time or recurring).

use super::billing::{Interval, Price, Product, Recurring};
use super::error::ApiErr;
use super::form::{Param, Params};
use super::ops::{Answer, currency_param, merge_metadata};
use super::state::{Metadata, State, new_id};

/// The most intervals a recurring price may span: three years (docs.stripe.com/api/prices/create,
/// `recurring.interval_count`: "Maximum of three years interval allowed (3 years, 36 months,
/// or 156 weeks)").
fn max_count(interval: Interval) -> i64 {
    match interval {
        Interval::Day => 1095,
        Interval::Week => 156,
        Interval::Month => 36,
        Interval::Year => 3,
    }
}

/// `recurring[interval]` and `recurring[interval_count]`.
fn recurring_param(p: &Params) -> Result<Option<Recurring>, ApiErr> {
    let map = match p.get("recurring") {
        None => return Ok(None),
        Some(Param::Map(map)) => map,
        Some(_) => return Err(ApiErr::invalid(Some("recurring"), None, "Invalid hash")),
    };
    if let Some(k) = map
        .keys()
        .find(|k| !["interval", "interval_count", "usage_type"].contains(&k.as_str()))
    {
        return Err(ApiErr::unknown_param(&format!("recurring[{k}]")));
    }
    let text = |k: &str| -> Result<Option<&str>, ApiErr> {
        match map.get(k) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| {
                ApiErr::invalid(Some(&format!("recurring[{k}]")), None, "Invalid string")
            }),
        }
    };
    let raw = text("interval")?.ok_or_else(|| ApiErr::missing_param("recurring[interval]"))?;
    let interval = Interval::parse(raw).ok_or_else(|| {
        ApiErr::invalid(
            Some("recurring[interval]"),
            None,
            &format!("Invalid recurring[interval]: must be one of day, week, month, or year (got '{raw}')"),
        )
    })?;
    if let Some(u) = text("usage_type")?
        && u != "licensed"
    {
        return Err(ApiErr::invalid(
            Some("recurring[usage_type]"),
            None,
            "The sandbox fake bills licensed (per-seat) prices only.",
        ));
    }
    let count = match text("interval_count")? {
        None => 1,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max_count(interval)).contains(n))
            .ok_or_else(|| {
                ApiErr::invalid(
                    Some("recurring[interval_count]"),
                    Some("parameter_invalid_integer"),
                    &format!(
                        "recurring[interval_count] must be a whole number from 1 to {} for interval '{}' (got '{s}').",
                        max_count(interval),
                        interval.as_str()
                    ),
                )
            })?,
    };
    Ok(Some(Recurring {
        interval,
        count: u32::try_from(count).unwrap_or(1),
    }))
}

impl State {
    pub(crate) fn create_product(&mut self, p: &Params) -> Answer {
        p.only(&["name", "description", "active", "metadata", "id"])?;
        let name = p.required_str("name")?.to_owned();
        let id = match p.str("id")?.filter(|s| !s.is_empty()) {
            Some(id) if self.products.get(id).is_some() => {
                return Err(ApiErr::invalid(
                    Some("id"),
                    Some("resource_already_exists"),
                    "Product already exists.",
                ));
            }
            Some(id) => id.to_owned(),
            None => new_id("prod"),
        };
        let mut metadata = Metadata::new();
        merge_metadata(&mut metadata, p.metadata()?);
        let product = Product {
            id: id.clone(),
            created: self.now(),
            name,
            description: p
                .str("description")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            active: p.bool("active")?.unwrap_or(true),
            metadata,
        };
        let body = self.product_json(&product);
        self.products.insert(id, product);
        self.emit("product.created", body.clone(), None);
        Ok(body)
    }

    pub(crate) fn retrieve_product(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.products
            .get(id)
            .map(|o| self.product_json(o))
            .ok_or_else(|| ApiErr::no_such("product", id))
    }

    pub(crate) fn list_products(&mut self, p: &Params) -> Answer {
        p.only(&[
            "active",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let active = p.bool("active")?;
        let created = self.time_filter(p, "created")?;
        self.page(
            &self.products,
            "product",
            "/v1/products",
            p,
            |o| created.contains(o.created) && active.is_none_or(|a| a == o.active),
            |o| self.product_json(o),
        )
    }

    pub(crate) fn create_price(&mut self, p: &Params) -> Answer {
        p.only(&[
            "currency",
            "unit_amount",
            "product",
            "recurring",
            "nickname",
            "active",
            "metadata",
        ])?;
        let currency =
            currency_param(p, "currency")?.ok_or_else(|| ApiErr::missing_param("currency"))?;
        let product = p.required_str("product")?.to_owned();
        if self.products.get(&product).is_none() {
            return Err(ApiErr::no_such_param("product", &product, "product"));
        }
        let unit_amount = p
            .int("unit_amount")?
            .ok_or_else(|| ApiErr::missing_param("unit_amount"))?;
        if !(0..=99_999_999).contains(&unit_amount) {
            return Err(ApiErr::invalid(
                Some("unit_amount"),
                None,
                &format!(
                    "unit_amount must be a whole number of minor units from 0 to 99999999 (got {unit_amount})."
                ),
            ));
        }
        let mut metadata = Metadata::new();
        merge_metadata(&mut metadata, p.metadata()?);
        let id = new_id("price");
        let price = Price {
            id: id.clone(),
            created: self.now(),
            product,
            currency,
            unit_amount,
            recurring: recurring_param(p)?,
            nickname: p
                .str("nickname")?
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            active: p.bool("active")?.unwrap_or(true),
            metadata,
        };
        let body = self.price_json(&price);
        self.prices.insert(id, price);
        self.emit("price.created", body.clone(), None);
        Ok(body)
    }

    pub(crate) fn retrieve_price(&mut self, id: &str, p: &Params) -> Answer {
        p.only(&[])?;
        self.prices
            .get(id)
            .map(|o| self.price_json(o))
            .ok_or_else(|| ApiErr::no_such("price", id))
    }

    pub(crate) fn list_prices(&mut self, p: &Params) -> Answer {
        p.only(&[
            "active",
            "currency",
            "product",
            "type",
            "created",
            "limit",
            "starting_after",
            "ending_before",
        ])?;
        let active = p.bool("active")?;
        let currency = currency_param(p, "currency")?;
        let product = p.str("product")?.map(str::to_owned);
        let kind = super::ops::one_of(p, "type", &["one_time", "recurring"])?;
        let created = self.time_filter(p, "created")?;
        self.page(
            &self.prices,
            "price",
            "/v1/prices",
            p,
            |o| {
                created.contains(o.created)
                    && active.is_none_or(|a| a == o.active)
                    && currency.as_ref().is_none_or(|c| *c == o.currency)
                    && product.as_ref().is_none_or(|x| *x == o.product)
                    && kind
                        .as_deref()
                        .is_none_or(|k| (k == "recurring") == o.recurring.is_some())
            },
            |o| self.price_json(o),
        )
    }
}
