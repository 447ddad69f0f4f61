//! Shipments: create with tracking numbers; search.

use crate::api::Id;
use crate::client::{Call, Client};
use crate::error::Result;
use crate::models::search::{SearchCriteria, SearchResult};
use crate::models::shipment::{CreateShipment, Shipment};

/// Shipment operations; see [`Client::shipments`].
#[derive(Debug, Clone, Copy)]
pub struct Shipments<'a> {
    client: &'a Client,
}

impl Client {
    /// Shipment operations.
    pub fn shipments(&self) -> Shipments<'_> {
        Shipments { client: self }
    }
}

impl Shipments<'_> {
    /// `POST /V1/order/{orderId}/ship`: ships the order and returns the new shipment id. A full
    /// shipment of an invoiced order moves it to `complete`.
    ///
    /// Never retried automatically: after a timeout the shipment may exist, so read the order
    /// (`qty_shipped` of its items) before trying again.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{CreateShipment, ItemQty, Track};
    /// let shipment_id = client.shipments().create(3, &CreateShipment {
    ///     items: vec![ItemQty::new(3, 1)],
    ///     notify: true,
    ///     tracks: vec![Track::new("ups", "United Parcel Service", "1Y-9876543210")],
    ///     ..CreateShipment::default()
    /// }).await?;
    /// # let _ = shipment_id;
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, order_id: i64, shipment: &CreateShipment) -> Result<i64> {
        let id: Id = self
            .client
            .send(Call::post(format!("/order/{order_id}/ship"), shipment)?)
            .await?;
        Ok(id.0)
    }

    /// `GET /V1/shipments?searchCriteria...`: one page of shipments, with their tracks.
    ///
    /// ```no_run
    /// # async fn run(client: magento::Client) -> Result<(), magento::Error> {
    /// use magento::{Filter, SearchCriteria};
    /// let criteria = SearchCriteria::new().filter(Filter::eq("order_id", "3"));
    /// for shipment in client.shipments().search(&criteria).await?.items {
    ///     for track in &shipment.tracks {
    ///         println!("{:?} {:?}", track.title, track.track_number);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn search(&self, criteria: &SearchCriteria) -> Result<SearchResult<Shipment>> {
        self.client
            .send(Call::get("/shipments").query(criteria.to_query()))
            .await
    }
}
