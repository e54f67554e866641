//! The password never appears in `Display` or `Debug` of any error kind, of the config or
//! of the session.

mod common;

use std::time::Duration;

use common::{SECRET, Scripted, assert_no_secret, config, refused_url, silent_server};
use cyclecloud::{Config, Error, Session};
use cyclecloud_emulator::{EmbeddedServer, Options};

fn session(url: &str, timeout: Duration) -> Session {
    Session::new(config(url).timeout(timeout).build().unwrap()).unwrap()
}

#[test]
fn no_error_kind_shows_the_password() {
    let mut errors: Vec<(&str, Error)> = Vec::new();

    // Config: a bad field, and credentials smuggled into the URL.
    errors.push(("config", config("").build().unwrap_err()));
    errors.push((
        "config-url",
        config(&format!("http://admin:{SECRET}@127.0.0.1:1"))
            .build()
            .unwrap_err(),
    ));
    errors.push((
        "config-ca",
        Session::new(
            config("https://127.0.0.1:1")
                .ca_bundle("/nonexistent.pem")
                .build()
                .unwrap(),
        )
        .unwrap_err(),
    ));

    let short = Duration::from_secs(1);
    let refused = session(&refused_url(), short);
    errors.push((
        "invalid-argument",
        refused.scale("demo", "htc", None, None).unwrap_err(),
    ));
    errors.push((
        "transport",
        refused.get_cluster_status("demo", true).unwrap_err(),
    ));
    errors.push((
        "timeout",
        session(&silent_server(), short)
            .get_cluster_status("demo", true)
            .unwrap_err(),
    ));

    let not_json = Scripted::respond(200, "text/plain", b"not json");
    errors.push((
        "decode",
        session(&not_json.url, short)
            .get_cluster_status("demo", true)
            .unwrap_err(),
    ));
    let big = Scripted::respond(200, "application/json", &[b' '; 100]);
    let limited = Session::new(config(&big.url).max_response_size(10).build().unwrap()).unwrap();
    errors.push((
        "too-large",
        limited.get_cluster_status("demo", true).unwrap_err(),
    ));

    // A real server: 401 for the wrong password, and a TLS failure.
    let server = EmbeddedServer::start(Options {
        phase_delay: Duration::ZERO,
        https: true,
        ..Options::default()
    })
    .unwrap();
    errors.push((
        "status-401",
        session(&server.http_url(), short)
            .get_cluster_status("demo", true)
            .unwrap_err(),
    ));
    errors.push((
        "tls",
        session(&server.https_url().unwrap(), short)
            .get_cluster_status("demo", true)
            .unwrap_err(),
    ));

    let kinds: Vec<String> = errors
        .iter()
        .map(|(name, err)| {
            assert_no_secret(err);
            let kind = format!("{err:?}");
            format!(
                "{name}={}",
                &kind[..kind.find([' ', '(', '{']).unwrap_or(kind.len())]
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "config=Config",
            "config-url=Config",
            "config-ca=Config",
            "invalid-argument=InvalidArgument",
            "transport=Transport",
            "timeout=Timeout",
            "decode=Decode",
            "too-large=ResponseTooLarge",
            "status-401=Status",
            "tls=Tls",
        ]
    );
}

#[test]
fn config_and_session_debug_hide_the_password() {
    let config: Config = config("https://127.0.0.1:1").build().unwrap();
    let session = Session::new(config.clone()).unwrap();
    for text in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{session:?}"),
        format!("{}", config.password()),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
    assert_eq!(config.password().expose(), SECRET);
}
