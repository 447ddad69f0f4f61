//! Card transactions: `/v1/transactions/...`.
//!
//! Every method returns `Ok` for approvals *and* declines; inspect
//! [`TransactionResponse::outcome`]. None of them is retried after a timeout, a transport
//! error or a 5xx: resolve the outcome first (see [`Client::find_sale_by_invoice`]).
//!
//! ```no_run
//! # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
//! use paytrace::{CreditCard, Csc, CscField, Decimal, KeyedRequest, Outcome};
//!
//! let mut sale = KeyedRequest::new(Decimal::new(5188, 2), CreditCard::plain("4012000098765439", 12, 2026));
//! sale.csc = Some(CscField::Plain(Csc::new("999")));
//! sale.details.invoice_id = Some("shop-1001".into());
//! let response = client.sale_keyed(&sale).await?;
//! match response.outcome() {
//!     Outcome::Approved => println!("approved as {:?}", response.transaction_id),
//!     Outcome::Declined => println!("declined: {:?}", response.approval_message_trimmed()),
//!     Outcome::NotCompleted => println!("not completed: {}", response.status_message),
//! }
//! # Ok(()) }
//! ```

use crate::client::{OnFailure, RequestKind};
use crate::models::common::StatusResponse;
use crate::models::transaction::{
    ByTransactionRequest, CaptureRequest, CustomerRequest, KeyedRequest, ProtectClientKey,
    ProtectRequest, RefundRequest, TransactionId, TransactionResponse, VoidRequest,
};
use crate::{Client, Result};
use serde::Serialize;

impl Client {
    async fn transaction<B: Serialize>(
        &self,
        path: &'static str,
        body: &B,
    ) -> Result<TransactionResponse> {
        self.post(path, body, RequestKind::Transaction, OnFailure::Data)
            .await
    }

    /// Keyed sale: `/v1/transactions/sale/keyed`.
    pub async fn sale_keyed(&self, request: &KeyedRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/sale/keyed", request)
            .await
    }

    /// Keyed authorization: `/v1/transactions/authorization/keyed`.
    pub async fn authorize_keyed(&self, request: &KeyedRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/authorization/keyed", request)
            .await
    }

    /// Sale charging a vault customer: `/v1/transactions/sale/by_customer`.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{CustomerRequest, Decimal};
    /// let response = client.sale_by_customer(&CustomerRequest::new("cust-42", Decimal::new(1999, 2))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn sale_by_customer(&self, request: &CustomerRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/sale/by_customer", request)
            .await
    }

    /// Authorization on a vault customer: `/v1/transactions/authorization/by_customer`.
    pub async fn authorize_by_customer(
        &self,
        request: &CustomerRequest,
    ) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/authorization/by_customer", request)
            .await
    }

    /// Sale reusing the card of an earlier transaction: `/v1/transactions/sale/by_transaction`.
    pub async fn sale_by_transaction(
        &self,
        request: &ByTransactionRequest,
    ) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/sale/by_transaction", request)
            .await
    }

    /// Authorization reusing an earlier transaction's card: `/v1/transactions/authorization/by_transaction`.
    pub async fn authorize_by_transaction(
        &self,
        request: &ByTransactionRequest,
    ) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/authorization/by_transaction", request)
            .await
    }

    /// Sale from a Protect.js token: `/v1/transactions/sale/pt_protect`.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client, hpf_token: String, enc_key: String) -> paytrace::Result<()> {
    /// use paytrace::{Decimal, ProtectRequest, ProtectToken};
    /// let request = ProtectRequest::new(ProtectToken::new(hpf_token, enc_key), Decimal::new(2500, 2));
    /// let response = client.sale_protect(&request).await?;
    /// # Ok(()) }
    /// ```
    pub async fn sale_protect(&self, request: &ProtectRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/sale/pt_protect", request)
            .await
    }

    /// Authorization from a Protect.js token: `/v1/transactions/authorization/pt_protect`.
    pub async fn authorize_protect(&self, request: &ProtectRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/authorization/pt_protect", request)
            .await
    }

    /// Captures an authorization: `/v1/transactions/authorization/capture` (112 captured).
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{CaptureRequest, TransactionId};
    /// let response = client.capture(&CaptureRequest { transaction_id: TransactionId(392442990), amount: None }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn capture(&self, request: &CaptureRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/authorization/capture", request)
            .await
    }

    /// Voids an unsettled transaction: `/v1/transactions/void` (109 voided, 110 not voided).
    pub async fn void(&self, transaction_id: TransactionId) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/void", &VoidRequest { transaction_id })
            .await
    }

    /// Refunds a settled transaction: `/v1/transactions/refund/for_transaction`.
    ///
    /// An unsettled transaction fails with validation code 817
    /// ([`ErrorCode::REFUND_UNSETTLED`](crate::ErrorCode::REFUND_UNSETTLED)): void it instead.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{Decimal, Error, ErrorCode, RefundRequest, TransactionId};
    /// let id = TransactionId(105968559);
    /// match client.refund_transaction(&RefundRequest { transaction_id: id, amount: Some(Decimal::new(500, 2)) }).await {
    ///     Err(Error::Validation(v)) if v.contains(ErrorCode::REFUND_UNSETTLED) => { client.void(id).await?; }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn refund_transaction(&self, request: &RefundRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/refund/for_transaction", request)
            .await
    }

    /// Refunds to a card given in the request: `/v1/transactions/refund/keyed`.
    pub async fn refund_keyed(&self, request: &KeyedRequest) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/refund/keyed", request)
            .await
    }

    /// Refunds to a vault customer's card: `/v1/transactions/refund/to_customer`.
    pub async fn refund_to_customer(
        &self,
        request: &CustomerRequest,
    ) -> Result<TransactionResponse> {
        self.transaction("/v1/transactions/refund/to_customer", request)
            .await
    }

    /// Settles pending transactions now instead of at the nightly cut-off: `/v1/transactions/settle`.
    ///
    /// `success: false` is returned as [`Error::Api`](crate::Error::Api).
    pub async fn settle_now(&self) -> Result<StatusResponse> {
        self.post(
            "/v1/transactions/settle",
            &serde_json::json!({}),
            RequestKind::Transaction,
            OnFailure::Error,
        )
        .await
    }

    /// Creates the `clientKey` that Protect.js needs in the browser:
    /// `/v1/payment_fields/token/create` (path from PayTrace/api-demo; the response fields
    /// other than `clientKey` are not documented in the stored sources). Safe to retry.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// let key = client.create_protect_client_key().await?;
    /// // hand key.client_key to the browser page that loads protect.min.js
    /// # Ok(()) }
    /// ```
    pub async fn create_protect_client_key(&self) -> Result<ProtectClientKey> {
        self.post(
            "/v1/payment_fields/token/create",
            &serde_json::json!({}),
            RequestKind::ClientKey,
            OnFailure::Error,
        )
        .await
    }
}
