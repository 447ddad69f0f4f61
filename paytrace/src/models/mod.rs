//! Wire types, named after PayTrace's own vocabulary.

pub mod batch;
pub mod check;
pub mod common;
pub mod customer;
pub mod level3;
pub mod reporting;
pub mod transaction;
