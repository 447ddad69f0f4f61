use super::{payload, required};
use crate::graphql::{Operation, RetrySafety};
use crate::models::{Customer, CustomerInput, CustomerSetIdentifier, CustomerSetInput};
use crate::{Client, Error, Gid};
use serde_json::json;

/// Customer operations. Get one with [`Client::customers`].
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    pub(crate) client: &'a Client,
}

macro_rules! customer_selection {
    () => {
        "customer { id email: defaultEmailAddress { emailAddress } firstName lastName tags } userErrors { field message } } }"
    };
}

/// `customerCreate`.
pub const CUSTOMER_CREATE: Operation<'static> = Operation {
    name: "customerCreate",
    document: concat!(
        "mutation customerCreate($input: CustomerInput!) { customerCreate(input: $input) { ",
        customer_selection!()
    ),
    estimated_cost: 10,
    retry: RetrySafety::NotIdempotent,
};

/// `customerUpdate`.
pub const CUSTOMER_UPDATE: Operation<'static> = Operation {
    name: "customerUpdate",
    document: concat!(
        "mutation customerUpdate($input: CustomerInput!) { customerUpdate(input: $input) { ",
        customer_selection!()
    ),
    estimated_cost: 10,
    retry: RetrySafety::Idempotent,
};

/// `customerSet` (upsert by id, e-mail or phone; API 2025-04+).
pub const CUSTOMER_SET: Operation<'static> = Operation {
    name: "customerSet",
    document: concat!(
        "mutation customerSet($identifier: CustomerSetIdentifiers, $input: CustomerSetInput!) { ",
        "customerSet(identifier: $identifier, input: $input) { ",
        customer_selection!()
    ),
    estimated_cost: 10,
    retry: RetrySafety::Idempotent,
};

/// `customerDelete` (only customers without orders can be deleted).
pub const CUSTOMER_DELETE: Operation<'static> = Operation {
    name: "customerDelete",
    document: "mutation customerDelete($input: CustomerDeleteInput!) { customerDelete(input: $input) { deletedCustomerId userErrors { field message } } }",
    estimated_cost: 10,
    // A repeat of a delete that went through is refused ("Customer does not exist").
    retry: RetrySafety::NotIdempotent,
};

payload!(CustomerPayload { customer: Option<Customer> });
payload!(CustomerDeletePayload { deleted_customer_id: Option<Gid> });

impl Customers<'_> {
    /// `customerCreate`.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let mut input = shopify::models::CustomerInput::default();
    /// input.email = Some("bob@example.com".into());
    /// let customer = client.customers().create(&input).await?;
    /// println!("{}", customer.id);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, input: &CustomerInput) -> Result<Customer, Error> {
        let p: CustomerPayload = self
            .client
            .mutate(
                &CUSTOMER_CREATE,
                "customerCreate",
                &json!({ "input": input }),
            )
            .await?;
        required(p.customer, "data.customerCreate.customer")
    }

    /// `customerUpdate`; `input.id` must be set.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let mut input = shopify::models::CustomerInput::default();
    /// input.id = Some(shopify::Gid::new("Customer", 207119551));
    /// input.note = Some("vault id stored".into());
    /// client.customers().update(&input).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(&self, input: &CustomerInput) -> Result<Customer, Error> {
        if input.id.is_none() {
            return Err(Error::Config("customerUpdate needs input.id".into()));
        }
        let p: CustomerPayload = self
            .client
            .mutate(
                &CUSTOMER_UPDATE,
                "customerUpdate",
                &json!({ "input": input }),
            )
            .await?;
        required(p.customer, "data.customerUpdate.customer")
    }

    /// `customerSet`: creates (no identifier) or upserts by identifier. List
    /// fields such as addresses replace the stored ones.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// use shopify::models::{CustomerSetIdentifier, CustomerSetInput};
    /// let mut input = CustomerSetInput::default();
    /// input.email = Some("bob@example.com".into());
    /// input.first_name = Some("Bob".into());
    /// let id = CustomerSetIdentifier::Email("bob@example.com".into());
    /// client.customers().set(Some(&id), &input).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set(
        &self,
        identifier: Option<&CustomerSetIdentifier>,
        input: &CustomerSetInput,
    ) -> Result<Customer, Error> {
        let op = if identifier.is_some() {
            CUSTOMER_SET
        } else {
            // Without an identifier customerSet creates, which is not safe to repeat.
            Operation {
                retry: RetrySafety::NotIdempotent,
                ..CUSTOMER_SET
            }
        };
        let p: CustomerPayload = self
            .client
            .mutate(
                &op,
                "customerSet",
                &json!({ "identifier": identifier, "input": input }),
            )
            .await?;
        required(p.customer, "data.customerSet.customer")
    }

    /// `customerDelete`: deletes a customer and returns its id. Shopify deletes only customers
    /// who have placed no orders
    /// (<https://shopify.dev/docs/api/admin-graphql/latest/mutations/customerDelete>); it refuses
    /// others with a user error. The store then sends `customers/delete`.
    ///
    /// ```no_run
    /// # async fn run(client: shopify::Client) -> Result<(), shopify::Error> {
    /// let id = shopify::Gid::new("Customer", 207119551);
    /// client.customers().delete(&id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &Gid) -> Result<Gid, Error> {
        let p: CustomerDeletePayload = self
            .client
            .mutate(
                &CUSTOMER_DELETE,
                "customerDelete",
                &json!({ "input": { "id": id } }),
            )
            .await?;
        required(
            p.deleted_customer_id,
            "data.customerDelete.deletedCustomerId",
        )
    }
}
