//! The client's address, as the abuse limits count it: the TCP peer, or, when the peer is a
//! trusted proxy, the nearest address in `X-Forwarded-For` that is not one. Forwarded headers
//! from anyone else are ignored: a client cannot pick the address it is counted under.
use crate::state::AppState;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The proxies whose `X-Forwarded-For` is believed (`USERS_API_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDR blocks; empty trusts nobody.
    pub fn parse(list: &str) -> Result<Self, String> {
        let nets = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<IpNet>().or_else(|_| s.parse::<IpAddr>().map(IpNet::from)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("USERS_API_TRUSTED_PROXIES: {e}"))?;
        Ok(Self(nets.into()))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`: walking `X-Forwarded-For` from the right (the hop nearest to
    /// this server), the first address no trusted proxy has. An entry that is not an address
    /// ends the walk at the hop before it.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer;
        if !self.trusts(peer) {
            return client;
        }
        let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let hops: Vec<&str> = hops.flat_map(|v| v.split(',')).map(str::trim).collect();
        for hop in hops.iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else { break };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// The client's address (see the module). Without connection info (a router driven
/// in-process) it is 0.0.0.0.
pub struct ClientAddr(pub IpAddr);

impl axum::extract::FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(Self(state.proxies.client(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().expect("header"));
        headers
    }

    #[test]
    fn only_a_trusted_peer_is_believed_and_only_up_to_the_first_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").expect("list");
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        // an untrusted peer is the client, whatever it claims
        assert_eq!(proxies.client(ip("203.0.113.9"), &forwarded("198.51.100.1")), ip("203.0.113.9"));
        // a trusted peer: the nearest hop that is not a proxy; what the client made up is left of it
        let chain = forwarded("1.2.3.4, 198.51.100.1, 10.0.0.7");
        assert_eq!(proxies.client(ip("10.0.0.1"), &chain), ip("198.51.100.1"));
        assert_eq!(proxies.client(ip("::1"), &forwarded("2001:db8::5")), ip("2001:db8::5"));
        // junk ends the walk at the last good hop; no header leaves the peer
        assert_eq!(proxies.client(ip("10.0.0.1"), &forwarded("198.51.100.1, junk, 10.0.0.8")), ip("10.0.0.8"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("").is_ok_and(|p| !p.trusts(ip("127.0.0.1"))));
    }
}
