//! Operations, as `impl Client` blocks grouped by resource.

pub mod batches;
pub mod checks;
pub mod customers;
pub mod level3;
pub mod reporting;
pub mod resolve;
pub mod transactions;
