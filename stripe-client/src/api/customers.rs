//! `/v1/customers`: create, retrieve, update, delete, list, search.

use reqwest::Method;
use serde::Serialize;

use super::{NoExpand, handler, list_ops};
use crate::error::Error;
use crate::form;
use crate::list::{Cursor, ListStream, PageParams, RangeQuery, paginate};
use crate::models::{Address, Customer, DeletedObject, Metadata, SearchResult};

handler! {
    /// Customers.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{CreateCustomer, SearchCustomers};
    /// let customer = client
    ///     .customers()
    ///     .create(&CreateCustomer {
    ///         email: Some("jenny@example.com".into()),
    ///         name: Some("Jenny Rosen".into()),
    ///         ..CreateCustomer::default()
    ///     })
    ///     .await?;
    /// let found = client
    ///     .customers()
    ///     .search(&SearchCustomers::new("email:'jenny@example.com'"))
    ///     .await?;
    /// println!("{} and {} found", customer.id, found.data.len());
    /// # Ok(()) }
    /// ```
    CustomersApi, customers
}

list_ops!(CustomersApi, ListCustomers, Customer, ["v1", "customers"]);

impl<E> CustomersApi<'_, E> {
    /// `POST /v1/customers`.
    pub async fn create(&self, params: &CreateCustomer) -> Result<Customer, Error> {
        self.client
            .call(Method::POST, &["v1", "customers"], params, &self.opts)
            .await
    }

    /// `GET /v1/customers/{id}`. A deleted customer comes back with `deleted: true`.
    pub async fn retrieve(&self, id: &str) -> Result<Customer, Error> {
        self.client
            .call(Method::GET, &["v1", "customers", id], &(), &self.opts)
            .await
    }

    /// `POST /v1/customers/{id}`.
    pub async fn update(&self, id: &str, params: &UpdateCustomer) -> Result<Customer, Error> {
        self.client
            .call(Method::POST, &["v1", "customers", id], params, &self.opts)
            .await
    }

    /// `GET /v1/customers/search`: one page of a search (Stripe's search query language).
    /// Results lag writes (under a minute normally, up to an hour during outages, per
    /// docs.stripe.com/api/customers/search): use `list` for read-after-write.
    pub async fn search(&self, params: &SearchCustomers) -> Result<SearchResult<Customer>, Error> {
        self.client
            .call(
                Method::GET,
                &["v1", "customers", "search"],
                params,
                &self.opts,
            )
            .await
    }

    /// Every search result, as a stream that follows `next_page`.
    pub fn search_all(&self, params: &SearchCustomers) -> Result<ListStream<Customer>, Error> {
        Ok(paginate(
            self.client.clone(),
            vec!["v1".to_owned(), "customers".to_owned(), "search".to_owned()],
            form::to_pairs(params)?,
            self.opts.clone(),
            Cursor::Page,
        ))
    }
}

impl CustomersApi<'_, NoExpand> {
    /// `DELETE /v1/customers/{id}`: also cancels the customer's active subscriptions.
    ///
    /// The operation takes no parameters, not even `expand`, so it is not available once the
    /// handler has one:
    ///
    /// ```compile_fail
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// client.customers().expand(["default_source"]).delete("cus_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &str) -> Result<DeletedObject, Error> {
        self.client
            .call(Method::DELETE, &["v1", "customers", id], &(), &self.opts)
            .await
    }
}

/// Parameters of `POST /v1/customers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateCustomer {
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name or business name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Postal address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Shipping information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<CustomerShipping>,
    /// Your key/value pairs.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// A PaymentMethod id to attach to the new customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Invoice defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_settings: Option<InvoiceSettingsParams>,
}

/// Parameters of `POST /v1/customers/{id}`. Unset fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateCustomer {
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name or business name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Postal address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Shipping information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<CustomerShipping>,
    /// Keys to set (an empty value removes the key).
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Invoice defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_settings: Option<InvoiceSettingsParams>,
}

/// `shipping` parameter of a customer: recipient and address only. (A PaymentIntent's
/// shipping also takes a carrier and a tracking number, see
/// [`PaymentIntentShipping`](crate::PaymentIntentShipping); a customer's does not.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerShipping {
    /// Shipping address.
    pub address: Address,
    /// Recipient name (required by Stripe).
    pub name: String,
    /// Recipient phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl CustomerShipping {
    /// Shipping to `name` at `address`, without a phone.
    pub fn new(name: impl Into<String>, address: Address) -> Self {
        CustomerShipping {
            address,
            name: name.into(),
            phone: None,
        }
    }
}

/// `invoice_settings` parameter of a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InvoiceSettingsParams {
    /// Default PaymentMethod for invoices and subscriptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_payment_method: Option<String>,
}

/// Filters of `GET /v1/customers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListCustomers {
    /// Exact, case-sensitive email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

/// Parameters of `GET /v1/customers/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchCustomers {
    /// Search query, e.g. `email:'jenny@example.com'` or `metadata['erp_id']:'C-42'`.
    pub query: String,
    /// Page size, 1 to 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u8>,
    /// `next_page` cursor of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

impl SearchCustomers {
    /// A search with only a query.
    pub fn new(query: impl Into<String>) -> Self {
        SearchCustomers {
            query: query.into(),
            ..Self::default()
        }
    }
}
