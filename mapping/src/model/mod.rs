//! The canonical entities every provider's data is mapped into and out of.

pub mod customer;
pub mod dispute;
pub mod ids;
pub mod order;
pub mod payment;
pub mod settlement;
