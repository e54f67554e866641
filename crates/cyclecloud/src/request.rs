//! Plain request and response values, and URL building.
//!
//! Nothing here does I/O: a [`Request`] can be built, inspected and compared in tests,
//! then handed to [`Session::request`](crate::Session::request).

use std::fmt;

/// An HTTP method.
///
/// ```
/// assert_eq!(cyclecloud::Method::Post.to_string(), "POST");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method name as sent on the wire, e.g. `"GET"`.
    ///
    /// ```
    /// assert_eq!(cyclecloud::Method::Get.as_str(), "GET");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to a CycleCloud server, relative to the configured base URL.
///
/// `path` is already percent-encoded (the builders in [`endpoints`](crate::endpoints) encode
/// each segment with [`encode_path_segment`]); query keys and values are kept raw and
/// encoded when the URL is built.
///
/// ```
/// use cyclecloud::{Method, Request};
/// let req = Request::new(Method::Get, "/clusters/demo/status").with_query("nodes", "true");
/// assert_eq!(req.url("http://localhost:8080/"), "http://localhost:8080/clusters/demo/status?nodes=true");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// Path relative to the base URL, starting with `/`, percent-encoded.
    pub path: String,
    /// Query parameters in order, not encoded.
    pub query: Vec<(String, String)>,
    /// Extra headers for this request (the session adds authentication, `Accept` and the
    /// client version header itself).
    pub headers: Vec<(String, String)>,
    /// The request body, if any.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A request with no query, no extra headers and no body.
    ///
    /// ```
    /// let req = cyclecloud::Request::new(cyclecloud::Method::Get, "/operations/");
    /// assert!(req.query.is_empty() && req.body.is_none());
    /// ```
    #[must_use]
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Append one query parameter.
    ///
    /// ```
    /// let req = cyclecloud::Request::new(cyclecloud::Method::Get, "/x").with_query("a b", "c&d");
    /// assert_eq!(req.url("http://h"), "http://h/x?a%20b=c%26d");
    /// ```
    #[must_use]
    pub fn with_query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Append one header.
    ///
    /// ```
    /// let req = cyclecloud::Request::new(cyclecloud::Method::Get, "/x").with_header("X-Trace", "42");
    /// assert_eq!(req.header("x-trace"), Some("42"));
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Set a JSON body and the `Content-Type: application/json` header.
    ///
    /// ```
    /// let req = cyclecloud::Request::new(cyclecloud::Method::Post, "/x").with_json(&serde_json::json!({"a": 1}))?;
    /// assert_eq!(req.body.as_deref(), Some(&b"{\"a\":1}"[..]));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `value` cannot be
    /// serialized (e.g. a map with non-string keys).
    pub fn with_json<T: serde::Serialize + ?Sized>(
        mut self,
        value: &T,
    ) -> Result<Self, crate::Error> {
        let body = serde_json::to_vec(value)
            .map_err(|e| crate::Error::invalid_argument("body", e.to_string()))?;
        self.headers
            .push(("Content-Type".to_owned(), "application/json".to_owned()));
        self.body = Some(body);
        Ok(self)
    }

    /// The value of the first header named `name` (case-insensitive).
    ///
    /// ```
    /// let req = cyclecloud::Request::new(cyclecloud::Method::Get, "/x").with_header("Accept", "text/plain");
    /// assert_eq!(req.header("ACCEPT"), Some("text/plain"));
    /// ```
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The full URL of this request below `base_url` (a trailing `/` on the base is ignored).
    ///
    /// ```
    /// let req = cyclecloud::Request::new(cyclecloud::Method::Get, "/clusters");
    /// assert_eq!(req.url("https://h/prefix/"), "https://h/prefix/clusters");
    /// ```
    #[must_use]
    pub fn url(&self, base_url: &str) -> String {
        let mut url = String::with_capacity(base_url.len() + self.path.len() + 16);
        url.push_str(base_url.trim_end_matches('/'));
        if !self.path.starts_with('/') {
            url.push('/');
        }
        url.push_str(&self.path);
        for (i, (key, value)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode_query_component(key));
            url.push('=');
            url.push_str(&encode_query_component(value));
        }
        url
    }
}

/// A response as received: status, headers and the whole body.
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
/// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
/// let response = session.request(&cyclecloud::Request::new(cyclecloud::Method::Get, "/clusters/nope/status"))?;
/// assert_eq!(response.status, 404);
/// assert!(response.text().contains("does not exist"));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers in order; values that are not UTF-8 are decoded lossily.
    pub headers: Vec<(String, String)>,
    /// The response body (already decompressed if the server used gzip).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The value of the first header named `name` (case-insensitive).
    ///
    /// ```
    /// # use cyclecloud::RawResponse;
    /// let r = RawResponse { status: 202, headers: vec![("location".into(), "/operations/1".into())], body: vec![] };
    /// assert_eq!(r.header("Location"), Some("/operations/1"));
    /// ```
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as text (lossy UTF-8).
    ///
    /// ```
    /// let r = cyclecloud::RawResponse { status: 200, headers: vec![], body: b"[]".to_vec() };
    /// assert_eq!(r.text(), "[]");
    /// ```
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Percent-encode one path segment: everything except the RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is encoded, including `/`, `?`, `#`, `%` and space.
///
/// ```
/// assert_eq!(cyclecloud::encode_path_segment("my cluster/1"), "my%20cluster%2F1");
/// ```
#[must_use]
pub fn encode_path_segment(segment: &str) -> String {
    encode(segment)
}

/// Query keys and values use the same strict set (a space becomes `%20`, not `+`).
fn encode_query_component(s: &str) -> String {
    encode(s)
}

fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(encode_path_segment("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(encode_path_segment("a b/c?d#e%f"), "a%20b%2Fc%3Fd%23e%25f");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment(".."), "..");
    }

    #[test]
    fn url_joins_base_and_path() {
        let req = Request::new(Method::Get, "/x");
        assert_eq!(req.url("http://h:1"), "http://h:1/x");
        assert_eq!(req.url("http://h:1/"), "http://h:1/x");
        assert_eq!(req.url("https://h/prefix/"), "https://h/prefix/x");
        let req = Request::new(Method::Get, "x");
        assert_eq!(req.url("http://h"), "http://h/x");
    }

    #[test]
    fn url_encodes_query() {
        let req = Request::new(Method::Get, "/x")
            .with_query("a", "1 2")
            .with_query("b&c", "=?");
        assert_eq!(req.url("http://h"), "http://h/x?a=1%202&b%26c=%3D%3F");
    }

    #[test]
    fn with_json_sets_body_and_content_type() {
        let req = Request::new(Method::Post, "/x")
            .with_json(&serde_json::json!({"a": 1}))
            .unwrap();
        assert_eq!(req.body.as_deref(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(req.header("content-type"), Some("application/json"));
    }
}
