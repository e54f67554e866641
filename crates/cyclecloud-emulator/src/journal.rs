//! The request journal: the last requests the API received, as a client sent them, for tests
//! that need to see what went over the wire (`GET /__emulator/requests`).
//!
//! Credentials are never kept: an `Authorization` header is recorded as its scheme followed by
//! `<redacted>`, and for HTTP Basic the user name alone is recorded beside it.

use std::collections::{BTreeMap, VecDeque};

use axum::http::{HeaderMap, Method, Uri, header};
use base64::Engine;
use serde::Serialize;

/// Requests kept; older ones are dropped first.
pub const CAPACITY: usize = 1000;

/// Body bytes kept per request (a full journal stays under 70 MB); a longer body is cut and
/// marked `bodyTruncated`.
pub const BODY_CAP: usize = 64 * 1024;

/// One request as received.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// The method, e.g. `POST`.
    pub method: String,
    /// Path and query exactly as sent (still percent-encoded).
    pub path: String,
    /// Headers by lower-case name; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The Basic-auth user name, if the request carried one.
    pub user: Option<String>,
    /// The body, base64-encoded (bodies may be binary).
    pub body_base64: String,
    /// Whether the body was longer than [`BODY_CAP`] and was cut.
    pub body_truncated: bool,
    /// Which connection it came on: requests sent over one kept-alive connection share it.
    pub connection: u64,
}

impl RequestRecord {
    /// Records a request. Reads the `Authorization` header only to redact it.
    pub fn new(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        connection: u64,
    ) -> Self {
        let mut recorded: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in headers {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let text = if name == header::AUTHORIZATION {
                redact(&text)
            } else {
                text
            };
            recorded
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&text);
                })
                .or_insert(text);
        }
        let kept = &body[..body.len().min(BODY_CAP)];
        RequestRecord {
            method: method.as_str().to_owned(),
            path: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
            headers: recorded,
            user: basic_user(headers),
            body_base64: base64::engine::general_purpose::STANDARD.encode(kept),
            body_truncated: body.len() > BODY_CAP,
            connection,
        }
    }
}

/// `Basic dXNlcjpwdw==` → `Basic <redacted>`; a value without a scheme → `<redacted>`.
fn redact(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_owned(),
    }
}

fn basic_user(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, _password) = text.split_once(':')?;
    Some(user.to_owned())
}

/// The last [`CAPACITY`] requests, oldest first.
#[derive(Debug, Default)]
pub struct Journal {
    records: VecDeque<RequestRecord>,
}

impl Journal {
    /// Appends a record, dropping the oldest one when full.
    pub fn push(&mut self, record: RequestRecord) {
        if self.records.len() == CAPACITY {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    /// The records, oldest first.
    pub fn records(&self) -> Vec<RequestRecord> {
        self.records.iter().cloned().collect()
    }

    /// Forgets every record.
    pub fn clear(&mut self) {
        self.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn credentials_are_never_recorded() {
        // "admin:s3cret"
        let h = headers(&[("authorization", "Basic YWRtaW46czNjcmV0")]);
        let r = RequestRecord::new(&Method::GET, &"/x".parse().unwrap(), &h, b"", 1);
        assert_eq!(r.headers["authorization"], "Basic <redacted>");
        assert_eq!(r.user.as_deref(), Some("admin"));
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("YWRtaW46czNjcmV0") && !json.contains("s3cret"));
        let bearer = headers(&[("authorization", "Bearer abc.def")]);
        let r = RequestRecord::new(&Method::GET, &"/x".parse().unwrap(), &bearer, b"", 1);
        assert_eq!(r.headers["authorization"], "Bearer <redacted>");
        assert_eq!(r.user, None);
    }

    #[test]
    fn path_query_headers_and_body_are_kept_as_sent() {
        let h = headers(&[
            ("x-many", "a"),
            ("x-many", "b"),
            ("content-type", "text/plain"),
        ]);
        let uri = "/clusters/my%20c/status?nodes=true".parse().unwrap();
        let r = RequestRecord::new(&Method::POST, &uri, &h, b"\x00\x01", 1);
        assert_eq!(r.path, "/clusters/my%20c/status?nodes=true");
        assert_eq!(r.headers["x-many"], "a, b");
        assert_eq!(r.body_base64, "AAE=");
        assert!(!r.body_truncated);
    }

    #[test]
    fn long_bodies_are_cut_and_old_records_dropped() {
        let body = vec![b'x'; BODY_CAP + 1];
        let r = RequestRecord::new(
            &Method::PUT,
            &"/x".parse().unwrap(),
            &HeaderMap::new(),
            &body,
            1,
        );
        assert!(r.body_truncated);
        let mut j = Journal::default();
        for i in 0..CAPACITY + 5 {
            let uri: Uri = format!("/r{i}").parse().unwrap();
            j.push(RequestRecord::new(
                &Method::GET,
                &uri,
                &HeaderMap::new(),
                b"",
                1,
            ));
        }
        let records = j.records();
        assert_eq!(records.len(), CAPACITY);
        assert_eq!(records[0].path, "/r5");
        j.clear();
        assert!(j.records().is_empty());
    }
}
