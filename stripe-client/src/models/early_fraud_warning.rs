//! Radar EarlyFraudWarning: an issuer's notice that a charge is likely fraudulent.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::ts;
use super::{Charge, Expandable, PaymentIntent, lenient_enum};

/// A Radar EarlyFraudWarning (`issfr_...`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EarlyFraudWarning {
    /// Id (`issfr_...`).
    pub id: String,
    /// Whether refunding the charge now can still prevent a dispute.
    #[serde(default)]
    pub actionable: bool,
    /// The charge the warning is about.
    pub charge: Expandable<Charge>,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// Fraud type reported by the issuer.
    pub fraud_type: FraudType,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// The PaymentIntent of the charge.
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
}

lenient_enum! {
    /// Fraud type of an EarlyFraudWarning.
    pub enum FraudType {
        CardNeverReceived = "card_never_received",
        FraudulentCardApplication = "fraudulent_card_application",
        MadeWithCounterfeitCard = "made_with_counterfeit_card",
        MadeWithLostCard = "made_with_lost_card",
        MadeWithStolenCard = "made_with_stolen_card",
        Misc = "misc",
        UnauthorizedUseOfCard = "unauthorized_use_of_card",
    }
}
