//! Transport behaviour against emulators with scripted answers (what was sent is read back
//! from the emulator's request journal): headers, error kinds, limits, keep-alive, and that
//! no error ever shows the password.

mod common;

use std::time::{Duration, Instant};

use common::{
    Scripted, assert_no_secret, config, not_http_peer, refused_url, session, silent_server,
};
use cyclecloud::{Error, Method, Request, Session, endpoints};

#[test]
fn every_request_carries_auth_accept_and_client_version() {
    let server = Scripted::respond(200, "application/json", br#"{"nodes": []}"#);
    let s = session(&server.url);
    let list = s.get_nodes("demo", None, Some("r 1")).unwrap();
    assert!(list.nodes.is_empty());
    let req = server.request();
    assert_eq!(
        req.request_line(),
        "GET /clusters/demo/nodes?request_id=r%201"
    );
    // The journal never keeps credentials: it shows the scheme and the user name ...
    assert_eq!(
        req.header("authorization").as_deref(),
        Some("Basic <redacted>")
    );
    assert_eq!(req.user.as_deref(), Some("admin"));
    // ... and the emulator, which accepts only admin / SECRET, shows the password is right.
    server.clear_faults();
    s.get_cluster_status("demo", false).unwrap();
    assert_eq!(
        req.header("x-cycle-client-version"),
        Some(format!("cyclecloud-rs:{}", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(req.header("accept").as_deref(), Some("application/json"));
}

#[test]
fn client_version_header_can_be_overridden() {
    let server = Scripted::respond(200, "application/json", b"[]");
    let s = Session::new(
        config(&server.url)
            .client_version("my-tool-cli:1.2")
            .build()
            .unwrap(),
    )
    .unwrap();
    assert!(s.list_operations(None).unwrap().is_empty());
    assert_eq!(
        server.request().header("X-Cycle-Client-Version").as_deref(),
        Some("my-tool-cli:1.2")
    );
}

#[test]
fn post_sends_json_body() {
    let server = Scripted::respond(
        202,
        "application/json",
        br#"{"operationId": "op-1", "nodes": []}"#,
    );
    let selection = cyclecloud::models::NodeManagementRequest {
        names: Some(vec!["htc-1".into()]),
        ..Default::default()
    };
    let result = session(&server.url)
        .terminate_nodes("demo", &selection)
        .unwrap();
    assert_eq!(result.operation_id, "op-1");
    let req = server.request();
    assert_eq!(req.request_line(), "POST /clusters/demo/nodes/terminate");
    assert_eq!(
        req.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(req.body, br#"{"names":["htc-1"]}"#);
}

#[test]
fn raw_request_returns_any_status_with_headers_and_body() {
    let server = Scripted::respond(418, "text/plain", b"short and stout");
    let response = session(&server.url)
        .request(&Request::new(Method::Get, "/anything").with_header("X-Extra", "1"))
        .unwrap();
    assert_eq!(response.status, 418);
    assert_eq!(response.header("content-type"), Some("text/plain"));
    assert_eq!(response.text(), "short and stout");
    assert_eq!(server.request().header("x-extra").as_deref(), Some("1"));
}

#[test]
fn body_that_is_not_json_is_a_decode_error() {
    let server = Scripted::respond(200, "text/html", b"<html><body>Maintenance</body></html>");
    let err = session(&server.url)
        .get_cluster_status("demo", false)
        .unwrap_err();
    match &err {
        Error::Decode {
            url, body_excerpt, ..
        } => {
            assert_eq!(
                url,
                &format!("{}/clusters/demo/status?nodes=false", server.url)
            );
            assert!(body_excerpt.contains("Maintenance"), "{body_excerpt}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_no_secret(&err);
}

#[test]
fn json_of_the_wrong_shape_is_a_decode_error() {
    let server = Scripted::respond(200, "application/json", br#"{"nodes": 42}"#);
    let err = session(&server.url)
        .get_nodes("demo", None, None)
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[test]
fn unexpected_success_status_is_a_status_error() {
    // Mutations are documented as 202; a 200 is not silently accepted.
    let server = Scripted::respond(
        200,
        "application/json",
        br#"{"operationId": "x", "sets": []}"#,
    );
    let err = session(&server.url)
        .scale("demo", "htc", None, Some(1))
        .unwrap_err();
    assert_eq!(err.status(), Some(200));
    assert_no_secret(&err);
}

#[test]
fn status_error_keeps_the_server_body() {
    let body =
        br#"{"Exception": "E", "Message": "MachineType X is not recognized", "Detail": "d"}"#;
    let server = Scripted::respond(409, "application/json", body);
    let err = session(&server.url)
        .create_nodes("demo", &Default::default())
        .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(err.body(), Some(std::str::from_utf8(body).unwrap()));
    let Error::Status { method, url, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*method, Method::Post);
    assert_eq!(url, &format!("{}/clusters/demo/nodes/create", server.url));
    assert!(err.to_string().contains("MachineType X is not recognized"));
    assert_no_secret(&err);
}

#[test]
fn connection_refused_is_a_transport_error() {
    let url = refused_url();
    let err = session(&url).get_cluster_status("demo", false).unwrap_err();
    match &err {
        Error::Transport { method, url: u, .. } => {
            assert_eq!(*method, Method::Get);
            assert_eq!(u, &format!("{url}/clusters/demo/status?nodes=false"));
        }
        other => panic!("expected Transport, got {other:?}"),
    }
    assert!(err.to_string().contains(&url), "{err}");
    assert_no_secret(&err);
}

#[test]
fn server_that_never_answers_times_out() {
    let url = silent_server();
    let s = Session::new(
        config(&url)
            .timeout(Duration::from_secs(1))
            .build()
            .unwrap(),
    )
    .unwrap();
    let started = Instant::now();
    let err = s.get_cluster_status("demo", false).unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "expected Timeout, got {err:?}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_no_secret(&err);
}

#[test]
fn server_closing_without_answer_is_a_transport_error() {
    let server = Scripted::drop_connections();
    let err = session(&server.url)
        .get_cluster_status("demo", false)
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_no_secret(&err);
}

#[test]
fn broken_http_is_a_transport_error() {
    let url = not_http_peer();
    let err = session(&url).get_cluster_status("demo", false).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[test]
fn body_over_the_limit_is_rejected() {
    let server = Scripted::respond(200, "application/json", &[b' '; 4096]);
    let s = Session::new(config(&server.url).max_response_size(1024).build().unwrap()).unwrap();
    let err = s.get_cluster_status("demo", false).unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
}

#[test]
fn large_bodies_are_read_whole() {
    // Well above ureq's 10 MiB default limit.
    let nodes: Vec<_> = (0..60_000)
        .map(|i| serde_json::json!({"Name": format!("htc-{i}"), "Status": "Ready", "Pad": "x".repeat(160)}))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"nodes": nodes})).unwrap();
    assert!(body.len() > 11 << 20, "{}", body.len());
    let server = Scripted::respond(200, "application/json", &body);
    let list = session(&server.url).get_nodes("demo", None, None).unwrap();
    assert_eq!(list.nodes.len(), 60_000);
}

#[test]
fn retry_accepts_an_empty_body() {
    let server = Scripted::respond(200, "application/json", b"");
    assert_eq!(
        session(&server.url).retry("demo").unwrap(),
        serde_json::Value::Null
    );
    assert_eq!(
        server.request().request_line(),
        "POST /cloud/actions/retry/demo"
    );
}

#[test]
fn invalid_arguments_fail_before_sending() {
    let url = refused_url();
    let s = session(&url);
    for err in [
        s.get_cluster_status("", false).unwrap_err(),
        s.scale("demo", "htc", Some(1), Some(1)).unwrap_err(),
        s.get_operation("..").unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    }
    let err = s
        .request(&Request::new(Method::Get, "/x").with_header("Bad Name", "v"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                argument: "headers",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn endpoint_builders_round_trip_through_request() {
    // The pure builder and the typed call send the same thing.
    let server = Scripted::respond(200, "application/json", b"[]");
    let req = endpoints::list_operations(Some("r-1"));
    let raw = session(&server.url).request(&req).unwrap();
    assert_eq!(raw.status, 200);
    assert_eq!(
        server.request().request_line(),
        "GET /operations/?request_id=r-1"
    );
}

#[test]
fn connections_are_kept_alive_and_reused() {
    let server = Scripted::respond(200, "application/json", b"[]");
    let s = session(&server.url);
    for _ in 0..5 {
        assert!(s.list_operations(None).unwrap().is_empty());
    }
    // Clones share the pool.
    assert!(s.clone().list_operations(None).unwrap().is_empty());
    let connections: Vec<u64> = server.requests().iter().map(|r| r.connection).collect();
    assert_eq!(connections, [connections[0]; 6]);
    // Another session has its own pool, so its own connection.
    assert!(
        session(&server.url)
            .list_operations(None)
            .unwrap()
            .is_empty()
    );
    let other = server.requests()[6].connection;
    assert_ne!(other, connections[0]);
}
