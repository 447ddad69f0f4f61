//! Wire types, named after Magento's own vocabulary.

pub mod cart;
pub mod creditmemo;
pub mod customer;
pub mod document;
pub mod invoice;
pub mod order;
pub mod search;
pub mod shipment;
