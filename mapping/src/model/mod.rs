//! The canonical entities every provider's data is mapped into and out of.

pub mod billing;
pub mod customer;
pub mod dispute;
pub mod ids;
pub mod order;
pub mod payment;
pub mod settlement;
pub mod subscription;
