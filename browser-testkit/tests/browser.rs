//! The kit itself: a page runs in a real Chromium, and dropping the kit stops the driver and the
//! browsers a test left open.
#![allow(clippy::unwrap_used, missing_docs)]

use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use browser_testkit::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn a_page_runs_script_and_dropping_the_kit_stops_everything() {
    let browser = Browser::start().unwrap();
    let port = browser.port();
    let page = browser.session().await.unwrap();
    page.goto("data:text/html,<title>t</title><p id=p style='width:123px'>x</p>")
        .await
        .unwrap();
    let width = page
        .execute(
            "return document.getElementById('p').getBoundingClientRect().width",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(width.as_f64(), Some(123.0));
    assert_eq!(page.title().await.unwrap(), "t");

    // The session is left open, as a failing test would leave it.
    drop(browser);
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
        assert!(Instant::now() < deadline, "chromedriver still listens");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The browser went with it: the session answers no more.
    assert!(page.title().await.is_err());
}
