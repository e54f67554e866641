//! HTTPS against the embedded emulator and its generated CA.

mod common;

use std::time::Duration;

use cyclecloud::{Config, ConfigBuilder, Error, Session};
use cyclecloud_emulator::{EmbeddedServer, Options};

fn start_https() -> EmbeddedServer {
    let opts = Options {
        phase_delay: Duration::ZERO,
        https: true,
        ..Options::default()
    };
    EmbeddedServer::start(opts).expect("emulator starts")
}

fn https_config(server: &EmbeddedServer) -> ConfigBuilder {
    Config::builder()
        .url(server.https_url().expect("https is on"))
        .username(server.username())
        .password(server.password())
        .timeout(Duration::from_secs(10))
}

#[test]
fn https_with_the_emulator_ca_works() {
    let server = start_https();
    let ca = server.ca_path().expect("a CA file");
    let session = Session::new(https_config(&server).ca_bundle(ca).build().unwrap()).unwrap();
    let status = session.get_cluster_status("demo", false).unwrap();
    assert!(!status.nodearrays.is_empty());
}

#[test]
fn https_without_the_ca_is_a_tls_error() {
    let server = start_https();
    let session = Session::new(https_config(&server).build().unwrap()).unwrap();
    let err = session.get_cluster_status("demo", false).unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    common::assert_no_secret(&err);
}

#[test]
fn https_with_verification_off_works() {
    let server = start_https();
    let session = Session::new(
        https_config(&server)
            .verify_certificates(false)
            .build()
            .unwrap(),
    )
    .unwrap();
    session.get_cluster_status("demo", false).unwrap();
}

#[test]
fn https_with_an_unrelated_ca_is_a_tls_error() {
    // The CA of one emulator does not vouch for another's certificate.
    let server = start_https();
    let other = start_https();
    let ca = other.ca_path().unwrap();
    let session = Session::new(https_config(&server).ca_bundle(ca).build().unwrap()).unwrap();
    let err = session.get_cluster_status("demo", false).unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
}

#[test]
fn plain_http_still_served_next_to_https() {
    let server = start_https();
    let config = Config::builder()
        .url(server.http_url())
        .username(server.username())
        .password(server.password())
        .build()
        .unwrap();
    Session::new(config)
        .unwrap()
        .get_cluster_status("demo", false)
        .unwrap();
}
