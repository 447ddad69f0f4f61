//! Customer vault: `/v1/customer/...`. `success: false` is an [`Error::Api`](crate::Error::Api);
//! a duplicate id is validation code 171 ([`ErrorCode::CUSTOMER_ID_NOT_UNIQUE`](crate::ErrorCode::CUSTOMER_ID_NOT_UNIQUE)).
//!
//! ```no_run
//! # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
//! use paytrace::{Address, CreateCustomerRequest, CreditCard, UpdateCustomerRequest};
//!
//! let billing = Address { name: Some("Steve Smith".into()), zip: Some("85284".into()), ..Address::default() };
//! let created = client
//!     .create_customer(&CreateCustomerRequest::new("customer456", CreditCard::plain("4111111111111111", 12, 2030), billing))
//!     .await?;
//! let mut update = UpdateCustomerRequest::new("customer456");
//! update.new_id = Some("customer789".into());
//! client.update_customer(&update).await?;
//! client.delete_customer("customer789").await?;
//! # Ok(()) }
//! ```

use crate::client::{OnFailure, RequestKind};
use crate::models::common::StatusResponse;
use crate::models::customer::{
    CreateCustomerRequest, CustomerExport, CustomerFromTransactionRequest, CustomerResponse,
    DeleteCustomerRequest, ExportCustomersRequest, ProtectCustomerRequest, UpdateCustomerRequest,
};
use crate::{Client, Result};

impl Client {
    /// Creates a vault profile: `/v1/customer/create` (160 created).
    pub async fn create_customer(
        &self,
        request: &CreateCustomerRequest,
    ) -> Result<CustomerResponse> {
        self.post(
            "/v1/customer/create",
            request,
            RequestKind::VaultChange,
            OnFailure::Error,
        )
        .await
    }

    /// Creates a vault profile from a Protect.js token: `/v1/customer/pt_protect_create`.
    pub async fn create_customer_protect(
        &self,
        request: &ProtectCustomerRequest,
    ) -> Result<CustomerResponse> {
        self.post(
            "/v1/customer/pt_protect_create",
            request,
            RequestKind::VaultChange,
            OnFailure::Error,
        )
        .await
    }

    /// Creates a vault profile from the card of an earlier transaction:
    /// `/v1/customer/create_from_transaction`. No card data is sent: PayTrace copies the card
    /// from its transaction. A `customer_id` already taken is validation error 171
    /// ([`ErrorCode::CUSTOMER_ID_NOT_UNIQUE`](crate::ErrorCode::CUSTOMER_ID_NOT_UNIQUE)).
    ///
    /// The endpoint and its fields are not in the PayTrace pages this crate was written from;
    /// they follow a third-party v1 client that posts `customer_id`, `transaction_id` and
    /// `billing_address` to it (unconfirmed by PayTrace's own documentation).
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{CustomerFromTransactionRequest, TransactionId};
    /// let request = CustomerFromTransactionRequest::new("shopify-c207119551", TransactionId(123456));
    /// let created = client.create_customer_from_transaction(&request).await?;
    /// println!("{:?}", created.customer_id);
    /// # Ok(()) }
    /// ```
    pub async fn create_customer_from_transaction(
        &self,
        request: &CustomerFromTransactionRequest,
    ) -> Result<CustomerResponse> {
        self.post(
            "/v1/customer/create_from_transaction",
            request,
            RequestKind::VaultChange,
            OnFailure::Error,
        )
        .await
    }

    /// Updates a vault profile, optionally renaming it with `new_id`: `/v1/customer/update` (161 updated).
    pub async fn update_customer(
        &self,
        request: &UpdateCustomerRequest,
    ) -> Result<CustomerResponse> {
        self.post(
            "/v1/customer/update",
            request,
            RequestKind::VaultChange,
            OnFailure::Error,
        )
        .await
    }

    /// Deletes a vault profile: `/v1/customer/delete`.
    pub async fn delete_customer(&self, customer_id: &str) -> Result<StatusResponse> {
        self.post(
            "/v1/customer/delete",
            &DeleteCustomerRequest { customer_id },
            RequestKind::VaultChange,
            OnFailure::Error,
        )
        .await
    }

    /// Exports vault profiles: `/v1/customer/export`. Safe to retry.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::ExportCustomersRequest;
    /// let export = client
    ///     .export_customers(&ExportCustomersRequest { customer_id: Some("customer456".into()), email: None })
    ///     .await?;
    /// for customer in &export.customers {
    ///     println!("{:?}", customer.customer_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn export_customers(
        &self,
        request: &ExportCustomersRequest,
    ) -> Result<CustomerExport> {
        self.post(
            "/v1/customer/export",
            request,
            RequestKind::Lookup,
            OnFailure::Error,
        )
        .await
    }
}
