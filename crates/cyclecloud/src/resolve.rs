//! Host-name resolution for the session's agent, without a thread per request.
//!
//! ureq resolves the host before every request, pooled connection or not, and with a resolve
//! timeout set it does so on a new thread each time: on a small VM that thread costs as much as
//! a whole small call. This resolver answers IP literals directly and keeps each name's
//! addresses for a short while, so a thread (with the timeout) is only used for a real lookup.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long looked-up addresses are reused: short enough to follow a DNS change promptly.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(30);

/// Lookups kept at most (a session talks to one server; redirects may add a few).
const CACHE_ENTRIES: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, Vec<SocketAddr>)>>,
}

impl CachingResolver {
    fn addrs(&self, list: &[SocketAddr]) -> ResolvedSocketAddrs {
        let mut out = self.empty();
        for a in list {
            if out.try_push(*a).is_err() {
                break;
            }
        }
        out
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // ureq's own `host:port` (default port filled in, IPv6 in brackets): for an IP literal
        // it is already a socket address.
        let Some(key) = uri
            .scheme()
            .zip(uri.authority())
            .and_then(|(scheme, authority)| DefaultResolver::host_and_port(scheme, authority))
        else {
            return self.inner.resolve(uri, config, timeout);
        };
        if let Ok(addr) = key.parse::<SocketAddr>() {
            return Ok(self.addrs(&[addr]));
        }
        let now = Instant::now();
        if let Ok(cache) = self.cache.lock()
            && let Some((at, list)) = cache.get(&key)
            && now.duration_since(*at) < CACHE_TTL
        {
            return Ok(self.addrs(list));
        }
        let resolved = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_ENTRIES {
                cache.retain(|_, (at, _)| now.duration_since(*at) < CACHE_TTL);
            }
            if cache.len() < CACHE_ENTRIES {
                cache.insert(key, (now, resolved.iter().copied().collect()));
            }
        }
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn resolve(r: &CachingResolver, url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().unwrap();
        let config = Config::default();
        let timeout = NextTimeout {
            after: UreqDuration::from_secs(5),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        r.resolve(&uri, &config, timeout).map(|a| a.to_vec())
    }

    #[test]
    fn ip_literals_are_answered_without_a_lookup() {
        let r = CachingResolver::default();
        assert_eq!(
            resolve(&r, "http://127.0.0.1:8080/x").unwrap(),
            ["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(
            resolve(&r, "https://[::1]/x").unwrap(),
            ["[::1]:443".parse().unwrap()]
        );
        assert!(r.cache.lock().unwrap().is_empty());
    }

    #[test]
    fn names_are_looked_up_once_and_kept_briefly() {
        let r = CachingResolver::default();
        let first = resolve(&r, "http://localhost:9/").unwrap();
        assert!(!first.is_empty() && first.iter().all(|a| a.port() == 9));
        assert_eq!(r.cache.lock().unwrap().len(), 1);
        assert_eq!(resolve(&r, "http://localhost:9/other").unwrap(), first);
        // An expired entry is looked up again.
        if let Some(entry) = r.cache.lock().unwrap().get_mut("localhost:9") {
            entry.0 -= CACHE_TTL * 2;
        }
        assert_eq!(resolve(&r, "http://localhost:9/").unwrap(), first);
        let refreshed = r.cache.lock().unwrap()["localhost:9"].0;
        assert!(refreshed.elapsed() < CACHE_TTL);
    }

    #[test]
    fn an_unknown_name_is_an_error_and_not_kept() {
        let r = CachingResolver::default();
        assert!(resolve(&r, "http://no-such-host.invalid/").is_err());
        assert!(r.cache.lock().unwrap().is_empty());
    }
}
