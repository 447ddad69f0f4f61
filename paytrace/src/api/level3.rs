//! Level 3 data: `/v1/level_three/{visa,mastercard}`, sent after an approved sale or a capture.

use crate::client::{OnFailure, RequestKind};
use crate::models::common::StatusResponse;
use crate::models::level3::{Level3Network, Level3Request};
use crate::{Client, Result};

impl Client {
    /// Adds Level 3 data to an approved, unsettled Visa or Mastercard sale (170 added).
    ///
    /// Not retried: PayTrace would add the line items a second time.
    ///
    /// ```no_run
    /// # async fn demo(client: paytrace::Client) -> paytrace::Result<()> {
    /// use paytrace::{Decimal, Level3LineItem, Level3Network, Level3Request, TransactionId};
    /// let mut data = Level3Request::new(TransactionId(392483066));
    /// data.tax_amount = Some(Decimal::new(499, 2));
    /// data.line_items.push(Level3LineItem {
    ///     description: Some("Widget".into()),
    ///     quantity: Some(Decimal::ONE),
    ///     unit_cost: Some(Decimal::new(4999, 2)),
    ///     ..Level3LineItem::default()
    /// });
    /// client.add_level3(Level3Network::Visa, &data).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_level3(
        &self,
        network: Level3Network,
        request: &Level3Request,
    ) -> Result<StatusResponse> {
        self.post(
            network.path(),
            request,
            RequestKind::Level3,
            OnFailure::Error,
        )
        .await
    }
}
