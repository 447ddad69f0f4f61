//! `/v1/products`: create, retrieve, list.

use reqwest::Method;
use serde::Serialize;

use super::{handler, list_ops};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Metadata, Product};

handler! {
    /// Products (what a price sells).
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::CreateProduct;
    /// let product = client.products().create(&CreateProduct::new("Pro plan")).await?;
    /// println!("{} {}", product.id, product.name);
    /// # Ok(()) }
    /// ```
    ProductsApi, products
}

list_ops!(ProductsApi, ListProducts, Product, ["v1", "products"]);

impl<E> ProductsApi<'_, E> {
    /// `POST /v1/products`.
    pub async fn create(&self, params: &CreateProduct) -> Result<Product, Error> {
        self.client
            .call(Method::POST, &["v1", "products"], params, &self.opts)
            .await
    }

    /// `GET /v1/products/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Product, Error> {
        self.client
            .call(Method::GET, &["v1", "products", id], &(), &self.opts)
            .await
    }
}

/// Parameters of `POST /v1/products`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateProduct {
    /// Name shown to customers (required).
    pub name: String,
    /// Whether it can be bought (Stripe's default: `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Description shown to customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl CreateProduct {
    /// A product named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        CreateProduct {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// Filters of `GET /v1/products`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListProducts {
    /// Only active (or only inactive) products.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}
