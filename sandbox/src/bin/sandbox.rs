//! Runs sandbox fakes standalone on loopback until Ctrl-C, printing their URLs and credentials.
//!
//! `cargo run -p sandbox --bin sandbox -- [paytrace] [shopify] [stripe] [magento] [odoo]`
//! (all of them when none is named).

use sandbox::{Sandbox, Service};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let named = std::env::args()
        .skip(1)
        .map(|a| a.parse::<Service>())
        .collect::<Result<Vec<_>, _>>()?;
    let services = if named.is_empty() {
        Service::ALL.to_vec()
    } else {
        named
    };
    let sandbox = Sandbox::start(&services, 0).await?;
    for line in sandbox.describe() {
        println!("{line}");
    }
    println!("running; Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
