//! The password never appears in `Display` or `Debug` of any error kind, of the config and
//! its builder, of the session, client, cluster and wait, nor of a parsed configuration file.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::{SECRET, Scripted, assert_no_secret, config, refused_url, silent_server};
use cyclecloud::config_file::IniFile;
use cyclecloud::{Client, Config, Error, NodeSelection, Session, WaitTarget};
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
fn config_session_client_cluster_and_wait_debug_hide_the_password() {
    let builder = config("https://127.0.0.1:1");
    let config: Config = builder.clone().build().unwrap();
    let session = Session::new(config.clone()).unwrap();
    let client = Client::new(config.clone()).unwrap();
    let cluster = client.cluster_unchecked("demo");
    let wait = cluster
        .wait(WaitTarget::nodes(["htc-1"]))
        .on_progress(|_| {});
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("admin:{SECRET}"));
    for text in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{builder:?}"),
        format!("{builder:#?}"),
        format!("{session:?}"),
        format!("{session:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{cluster:?}"),
        format!("{cluster:#?}"),
        format!("{:?}", cluster.session()),
        format!("{wait:?}"),
        format!("{}", config.password()),
        format!("{:?}", config.password()),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains(&b64), "{text}");
    }
    assert_eq!(config.password().expose(), SECRET);
}

#[test]
fn ini_file_debug_hides_secret_values() {
    let text = format!(
        "[DEFAULT]\nPassword = {SECRET}-default\ntimeout = 30\n\n\
         [cycleserver]\nurl = https://cc.example.com\nusername = alice\n\
         password = {SECRET}-password\nKey = {SECRET}-key\nclient_secret = {SECRET}-secret\n\
         api_token = {SECRET}-token\nDB_PASSWORD = {SECRET}-db\nTOKEN = {SECRET}-upper\n\
         multi_secret = {SECRET}-line1\n  {SECRET}-line2\nmonkey = visible-monkey\n\n\
         [pogo azure]\nsecret = {SECRET}-pogo\ntype = az\n"
    );
    let ini = IniFile::parse(&text).unwrap();
    assert_eq!(
        ini.get("cycleserver", "password"),
        Some(format!("{SECRET}-password").as_str()),
        "the values are still there"
    );
    for shown in [format!("{ini:?}"), format!("{ini:#?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        // Sections, keys and the other values stay visible.
        for visible in [
            "cycleserver",
            "pogo azure",
            "\"url\": \"https://cc.example.com\"",
            "\"username\": \"alice\"",
            "\"timeout\": \"30\"",
            "\"monkey\": \"visible-monkey\"",
            "\"type\": \"az\"",
            "\"password\": <redacted>",
            "\"key\": <redacted>",
            "\"client_secret\": <redacted>",
            "\"api_token\": <redacted>",
            "\"db_password\": <redacted>",
            "\"token\": <redacted>",
            "\"multi_secret\": <redacted>",
            "\"secret\": <redacted>",
        ] {
            assert!(shown.contains(visible), "{visible} missing from {shown}");
        }
    }
}

#[test]
fn no_config_file_error_shows_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let encoded = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let head = "[cycleserver]\nurl = https://cc.example.com\nusername = alice\n";
    let cases = [
        format!("{head}password = {SECRET}\ntimeout = soon\n"),
        format!("{head}password = {SECRET}\nverify_certificates = maybe\n"),
        format!("{head}password = {SECRET}\npassword = {SECRET}2\n"),
        format!("{head}password = {SECRET}\nnot a pair\n"),
        format!("[cycleserver]\nusername = alice\npassword = {SECRET}\n"),
        format!("[cycleserver]\nurl = https://cc.example.com\npassword = {SECRET}\n"),
        format!("{head}password = {SECRET}\nurl2 = x\n[cycleserver]\n"),
        format!("[other]\npassword = {SECRET}\n"),
        format!("password = {SECRET}\n[cycleserver]\n"),
        format!("{head}key = {SECRET}\n"),
        format!("{head}key = {}\n", encoded(&format!("{SECRET}\u{1}"))),
        format!("{head}key = {}\n", encoded(&format!("{SECRET}\n"))),
        format!("{head}key = {}==\n", encoded(SECRET)),
        format!("{head}key = {SECRET}\nauth_option = msal_device_code\n"),
        format!(
            "[cycleserver]\nurl = https://alice:{SECRET}@cc.example.com\nusername = alice\npassword = {SECRET}\n"
        ),
        format!("{head}password = {SECRET}\nclient_version = a\u{7f}b\n"),
    ];
    for (i, text) in cases.iter().enumerate() {
        let path = dir.path().join(format!("{i}.ini"));
        std::fs::write(&path, text).unwrap();
        let err = Config::from_config_file(&path, None).unwrap_err();
        assert!(err.is_config(), "{i}: {err:?}");
        assert_no_secret(&err);
        if let Error::ConfigFile(details) = &err {
            let details: &cyclecloud::config_file::ConfigFileError = details;
            for shown in [details.to_string(), format!("{details:?}")] {
                assert!(!shown.contains(SECRET), "{i}: {shown}");
            }
        }
    }
    // A file that is fine, and its Client: no password in sight either.
    let path = dir.path().join("good.ini");
    std::fs::write(&path, format!("{head}password = {SECRET}\n")).unwrap();
    let client = Client::from_config_file(&path).unwrap();
    assert!(!format!("{client:?}").contains(SECRET));
    let selection = NodeSelection::new().names(["htc-1"]);
    assert!(!format!("{selection:?}").contains(SECRET));
}
