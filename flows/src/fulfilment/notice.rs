//! Shipment notices from the warehouse: [`WarehouseWebhooks`], `POST /webhooks/warehouse`.

use axum::http::HeaderMap;
use mapping::System;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{OrderRef, SIGNATURE_HEADER, TOLERANCE};
use crate::intake::{Envelope, Refusal, WebhookSource};

/// The topic of a shipment notice.
pub const SHIPMENT_CREATED: &str = "shipment.created";

/// A warehouse's shipment notice: the body of `POST /webhooks/warehouse` (see the
/// [module docs](super#shipment-notices-warehouse--payops)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipmentNotice {
    /// The notice's unique id (the inbox deduplicates on it).
    pub id: String,
    /// `shipment.created`.
    #[serde(rename = "type", default = "shipment_created")]
    pub kind: String,
    /// The order, as the fulfilment request named it.
    pub order: OrderRef,
    /// The parcel's tracking number.
    pub tracking_number: String,
    /// The carrier (`ups`, `usps`, `fedex`, `dhl`, or another name).
    pub carrier: String,
    /// What the parcel holds.
    #[serde(default)]
    pub lines: Vec<ShippedLine>,
    /// When it left the warehouse.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub shipped_at: Option<time::OffsetDateTime>,
}

fn shipment_created() -> String {
    SHIPMENT_CREATED.to_owned()
}

/// One line of a [`ShipmentNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedLine {
    /// The product's SKU.
    pub sku: Option<String>,
    /// Units in the parcel.
    pub quantity: u32,
}

/// The warehouse's route, `POST /webhooks/warehouse`: `Payops-Signature` under any of the shared
/// secrets (several during a rotation) within [`TOLERANCE`]; the event id is the notice's `id`,
/// the topic its `type` (`shipment.created` when absent), the account the order's store
/// account.
///
/// ```no_run
/// use flows::fulfilment::WarehouseWebhooks;
/// use secrecy::SecretString;
/// # fn build(store: std::sync::Arc<flows::SqliteStore>) {
/// let source = WarehouseWebhooks::new(SecretString::from("whsec_new"))
///     .also_accept(SecretString::from("whsec_old"));
/// let intake = flows::intake::Intake::new(store).source(source);
/// # let _ = intake;
/// # }
/// ```
pub struct WarehouseWebhooks {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for WarehouseWebhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarehouseWebhooks")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl WarehouseWebhooks {
    /// Notices signed with `secret`.
    pub fn new(secret: SecretString) -> Self {
        Self {
            secrets: vec![secret],
        }
    }

    /// Accepts notices signed with `secret` as well (while the warehouse rotates its secret).
    #[must_use]
    pub fn also_accept(mut self, secret: SecretString) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Checks a delivery's signature at `now` (the intake uses the clock).
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: time::OffsetDateTime,
    ) -> Result<(), Refusal> {
        let header = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Refusal::Unauthorized(super::SignatureError::Missing.to_string()))?;
        super::verify(header, body, &self.secrets, now, TOLERANCE)
            .map_err(|e| Refusal::Unauthorized(e.to_string()))
    }
}

impl WebhookSource for WarehouseWebhooks {
    fn system(&self) -> System {
        System::Warehouse
    }

    fn path(&self) -> &str {
        "/webhooks/warehouse"
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
        self.verify_at(headers, body, time::OffsetDateTime::now_utc())
    }

    fn envelope(&self, _headers: &HeaderMap, body: &[u8]) -> Result<Envelope, String> {
        // Only what the intake needs: the route decodes the whole notice, so a signed notice
        // that lacks a field is still stored, with a dead letter naming it.
        #[derive(Deserialize)]
        struct Head {
            id: String,
            #[serde(rename = "type", default = "shipment_created")]
            kind: String,
            #[serde(default)]
            order: Option<Account>,
        }
        #[derive(Deserialize)]
        struct Account {
            #[serde(default)]
            account: Option<String>,
        }
        let head: Head =
            serde_json::from_slice(body).map_err(|e| format!("not a shipment notice: {e}"))?;
        if head.id.trim().is_empty() {
            return Err("shipment notice: id is empty".to_owned());
        }
        let envelope = Envelope::new(head.id, head.kind);
        Ok(match head.order.and_then(|o| o.account) {
            Some(account) => envelope.account(account),
            None => envelope,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const T: i64 = 1_765_105_200;
    const BODY: &[u8] = br#"{"id":"shn_1","type":"shipment.created","order":{"system":"magento","account":"default","id":"42","number":"000000042"},"tracking_number":"1Z1","carrier":"ups","lines":[{"sku":"TEE-1","quantity":3}],"shipped_at":"2026-12-08T09:00:00Z"}"#;

    fn source() -> WarehouseWebhooks {
        WarehouseWebhooks::new(SecretString::from("whsec_wh".to_owned()))
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, value.parse().unwrap());
        headers
    }

    fn at(t: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(t).unwrap()
    }

    #[test]
    fn signed_notices_pass_and_others_are_unauthorized() {
        let secret = SecretString::from("whsec_wh".to_owned());
        let good = headers(&super::super::sign(&secret, T, BODY));
        assert_eq!(source().verify_at(&good, BODY, at(T + 10)), Ok(()));

        let missing = source().verify_at(&HeaderMap::new(), BODY, at(T));
        assert_eq!(
            missing,
            Err(Refusal::Unauthorized("no Payops-Signature header".into()))
        );
        let wrong = headers(&super::super::sign(
            &SecretString::from("whsec_other".to_owned()),
            T,
            BODY,
        ));
        assert!(matches!(
            source().verify_at(&wrong, BODY, at(T)),
            Err(Refusal::Unauthorized(reason)) if reason.contains("does not match")
        ));
        assert!(matches!(
            source().verify_at(&good, BODY, at(T + 301)),
            Err(Refusal::Unauthorized(reason)) if reason.contains("301 s")
        ));
        // A body changed after signing.
        assert!(source().verify_at(&good, b"{}", at(T)).is_err());
        // Rotation: the old secret still passes while it is accepted.
        let rotated =
            WarehouseWebhooks::new(SecretString::from("whsec_next".to_owned())).also_accept(secret);
        assert_eq!(rotated.verify_at(&good, BODY, at(T)), Ok(()));
    }

    #[test]
    fn the_envelope_is_the_notice_id_and_type() {
        let envelope = source().envelope(&HeaderMap::new(), BODY).unwrap();
        assert_eq!(
            envelope,
            Envelope::new("shn_1", SHIPMENT_CREATED).account("default")
        );
        let bare = source()
            .envelope(&HeaderMap::new(), br#"{"id":"shn_2"}"#)
            .unwrap();
        assert_eq!(bare, Envelope::new("shn_2", SHIPMENT_CREATED));
        assert!(source().envelope(&HeaderMap::new(), b"[]").is_err());
        assert!(
            source()
                .envelope(&HeaderMap::new(), br#"{"id":" "}"#)
                .is_err()
        );
        let notice: ShipmentNotice = serde_json::from_slice(BODY).unwrap();
        assert_eq!(notice.order.system, System::Magento);
        assert_eq!(notice.lines[0].quantity, 3);
        assert!(format!("{:?}", source()).contains("secrets: 1"));
    }
}
