//! ACH checks: `/v1/checks/...`. Like card transactions, none of these is retried after an
//! unknown outcome, and a 125 "not processed" is an `Ok` with [`Outcome::Declined`](crate::Outcome::Declined).
//!
//! ```no_run
//! # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
//! use paytrace::{Address, BankAccount, CheckAccountRequest, CheckManageRequest, Decimal, Outcome};
//!
//! let mut sale = CheckAccountRequest::new(Decimal::new(1000, 2), BankAccount::new("123456789", "325070760"));
//! sale.billing_address = Some(Address { name: Some("Jane Doe".into()), ..Address::default() });
//! let response = client.check_sale_by_account(&sale).await?;
//! if let (Outcome::Approved, Some(id)) = (response.outcome(), response.check_transaction_id) {
//!     client.check_refund(&CheckManageRequest { check_transaction_id: id, amount: None }).await?;
//! }
//! # Ok(()) }
//! ```

use crate::client::{OnFailure, RequestKind};
use crate::models::check::{
    CheckAccountRequest, CheckCustomerRequest, CheckManageRequest, CheckResponse,
    CheckTransactionId, CheckVoidRequest,
};
use crate::{Client, Result};
use serde::Serialize;

impl Client {
    async fn check<B: Serialize>(&self, path: &'static str, body: &B) -> Result<CheckResponse> {
        self.post(path, body, RequestKind::Transaction, OnFailure::Data)
            .await
    }

    /// Debits a bank account: `/v1/checks/sale/by_account`.
    pub async fn check_sale_by_account(
        &self,
        request: &CheckAccountRequest,
    ) -> Result<CheckResponse> {
        self.check("/v1/checks/sale/by_account", request).await
    }

    /// Debits a vault customer's bank account: `/v1/checks/sale/by_customer`.
    pub async fn check_sale_by_customer(
        &self,
        request: &CheckCustomerRequest,
    ) -> Result<CheckResponse> {
        self.check("/v1/checks/sale/by_customer", request).await
    }

    /// Places a hold on a bank account, funded later: `/v1/checks/hold/by_account`.
    pub async fn check_hold_by_account(
        &self,
        request: &CheckAccountRequest,
    ) -> Result<CheckResponse> {
        self.check("/v1/checks/hold/by_account", request).await
    }

    /// Places a hold on a vault customer's account: `/v1/checks/hold/by_customer`.
    pub async fn check_hold_by_customer(
        &self,
        request: &CheckCustomerRequest,
    ) -> Result<CheckResponse> {
        self.check("/v1/checks/hold/by_customer", request).await
    }

    /// Refunds a check: `/v1/checks/refund/by_transaction`.
    pub async fn check_refund(&self, request: &CheckManageRequest) -> Result<CheckResponse> {
        self.check("/v1/checks/refund/by_transaction", request)
            .await
    }

    /// Funds (captures) a hold: `/v1/checks/manage/fund`.
    pub async fn check_fund(&self, request: &CheckManageRequest) -> Result<CheckResponse> {
        self.check("/v1/checks/manage/fund", request).await
    }

    /// Voids a check that has not settled: `/v1/checks/manage/void`.
    pub async fn check_void(
        &self,
        check_transaction_id: CheckTransactionId,
    ) -> Result<CheckResponse> {
        self.check(
            "/v1/checks/manage/void",
            &CheckVoidRequest {
                check_transaction_id,
            },
        )
        .await
    }
}
