//! Customers: get, search, create, update.

use crate::client::{Call, Client};
use crate::error::Result;
use crate::models::customer::{Customer, CustomerBody, NewCustomer};
use crate::models::search::{SearchCriteria, SearchResult};

/// Customer operations; see [`Client::customers`].
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    client: &'a Client,
}

impl Client {
    /// Customer operations.
    pub fn customers(&self) -> Customers<'_> {
        Customers { client: self }
    }
}

impl Customers<'_> {
    /// `GET /V1/customers/{customerId}`.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{Filter, SearchCriteria};
    /// let customer = client.customers().get(2).await?;
    /// let found = client
    ///     .customers()
    ///     .search(&SearchCriteria::new().filter(Filter::eq("email", "jdoe@example.com")))
    ///     .await?;
    /// # let _ = (customer, found);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, customer_id: i64) -> Result<Customer> {
        self.client
            .send(Call::get(format!("/customers/{customer_id}")))
            .await
    }

    /// `GET /V1/customers/search?searchCriteria...`.
    pub async fn search(&self, criteria: &SearchCriteria) -> Result<SearchResult<Customer>> {
        self.client
            .send(Call::get("/customers/search").query(criteria.to_query()))
            .await
    }

    /// `POST /V1/customers`: creates an account. Not retried automatically (a repeat fails
    /// with "A customer with the same email address already exists").
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{Customer, NewCustomer};
    /// let created = client.customers().create(&NewCustomer::new(Customer {
    ///     email: "jdoe@example.com".into(),
    ///     firstname: "Jane".into(),
    ///     lastname: "Doe".into(),
    ///     ..Customer::default()
    /// })).await?;
    /// let mut changed = created.clone();
    /// changed.lastname = "Smith".into();
    /// let id = created.id.unwrap_or_default();
    /// client.customers().update(id, &changed).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, customer: &NewCustomer) -> Result<Customer> {
        self.client.send(Call::post("/customers", customer)?).await
    }

    /// `PUT /V1/customers/{customerId}`: replaces the account's data with `customer`. Retried
    /// like a read: sending the same full record twice leaves the same result.
    pub async fn update(&self, customer_id: i64, customer: &Customer) -> Result<Customer> {
        self.client
            .send(Call::put(
                format!("/customers/{customer_id}"),
                &CustomerBody { customer },
            )?)
            .await
    }
}
