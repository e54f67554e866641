//! HTTP Basic authentication (rest-api.md §1.1).

mod common;

use common::*;

#[track_caller]
fn assert_401(r: &Resp) {
    r.expect_error(401);
    let challenge = r.header("www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("Basic"), "{:?}", r.headers);
}

#[test]
fn requests_without_credentials_are_401_with_a_challenge() {
    let h = start();
    let anon = h.c.with_auth(None);
    assert_401(&anon.get("/clusters/demo/status"));
    assert_401(&anon.get("/operations/"));
    assert_401(&anon.post(
        "/clusters/demo/nodes/create",
        &json!({"sets": [{"nodearray": "htc", "count": 1}]}),
    ));
    // Nothing was created by the refused call.
    assert_eq!(h.c.names("demo"), ["scheduler"]);
}

#[test]
fn a_wrong_password_is_401() {
    let h = start();
    assert_401(
        &h.c.with_auth(Some(basic("admin", "wrong")))
            .get("/clusters/demo/status"),
    );
    assert_401(
        &h.c.with_auth(Some(basic("nobody", "password")))
            .get("/clusters/demo/status"),
    );
}

#[test]
fn malformed_authorization_headers_are_401() {
    let h = start();
    for header in [
        "Basic !!!not-base64!!!",
        "Basic YWRtaW4=", // "admin" without a colon
        "Bearer abc.def.ghi",
        "Basic",
        "admin:password",
    ] {
        assert_401(
            &h.c.with_auth(Some(header.to_string()))
                .get("/clusters/demo/status"),
        );
    }
}

#[test]
fn the_default_user_works() {
    let h = start();
    h.c.get("/clusters/demo/status").expect(200);
    assert_eq!(h.server.username(), "admin");
    assert_eq!(h.server.password(), "password");
}

#[test]
fn configured_users_work_and_the_default_user_does_not() {
    let h = start_with(Options {
        phase_delay: std::time::Duration::ZERO,
        users: vec![
            ("alice".into(), "s3cret:with:colons".into()),
            ("bob".into(), "hunter2".into()),
        ],
        ..Default::default()
    });
    assert_eq!(h.server.username(), "alice");
    let alice = h.c.with_auth(Some(basic("alice", "s3cret:with:colons")));
    alice.get("/clusters/demo/status").expect(200);
    h.c.with_auth(Some(basic("bob", "hunter2")))
        .get("/clusters/demo/nodes")
        .expect(200);
    assert_401(&h.c.get("/clusters/demo/status")); // admin/password
    assert_401(
        &h.c.with_auth(Some(basic("bob", "s3cret:with:colons")))
            .get("/clusters/demo/status"),
    );
}

#[test]
fn the_control_plane_requires_authentication_too() {
    let h = start();
    let anon = h.c.with_auth(None);
    assert_401(&anon.post_empty("/__emulator/reset"));
    assert_401(&anon.get("/__emulator/state"));
    assert_401(&anon.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/status", "kind": "status", "status": 503}),
    ));
    // The refused fault was not installed.
    h.c.get("/clusters/demo/status").expect(200);
}

#[test]
fn unknown_paths_are_401_before_404_without_credentials() {
    let h = start();
    assert_401(&h.c.with_auth(None).get("/no/such/thing"));
}
