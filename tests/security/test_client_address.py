"""The one client address every per-address limit uses: proxy headers believed only from trusted proxies."""

from __future__ import annotations

import ipaddress

from app.security.client_address import forwarded_chain, resolve_client

TRUSTED = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))


def test_an_untrusted_peer_is_the_client_whatever_it_claims() -> None:
    assert resolve_client("203.0.113.5", ["192.0.2.1"], TRUSTED) == "203.0.113.5"


def test_the_rightmost_untrusted_hop_is_the_client() -> None:
    # the client forged a first entry; our two proxies appended the real address and the first proxy's
    chain = forwarded_chain([], ["6.6.6.6, 198.51.100.7, 10.1.1.1"])
    assert resolve_client("10.0.0.2", chain, TRUSTED) == "198.51.100.7"


def test_forwarded_wins_and_is_parsed_with_ports_quotes_and_brackets() -> None:
    chain = forwarded_chain(['for=192.0.2.43:8080, for="[2001:db8:cafe::17]:4711";by=10.0.0.2'], ["1.1.1.1"])
    assert chain == ["192.0.2.43", "2001:db8:cafe::17"]
    assert resolve_client("::1", chain, TRUSTED) == "2001:db8:cafe::17"


def test_a_malformed_hop_stops_at_the_proxy_that_reported_it() -> None:
    for garbage in ("unknown", "_hidden", "999.1.1.1", "", "not an address"):
        chain = forwarded_chain([], [f"198.51.100.7, {garbage}"])
        assert resolve_client("10.0.0.2", chain, TRUSTED) == "10.0.0.2"
    assert resolve_client("10.0.0.2", forwarded_chain(["by=1.2.3.4"], []), TRUSTED) == "10.0.0.2"


def test_no_headers_or_only_proxies_give_an_address() -> None:
    assert resolve_client("10.0.0.2", [], TRUSTED) == "10.0.0.2"
    assert resolve_client("10.0.0.2", ["10.0.0.9"], TRUSTED) == "10.0.0.9"
    assert resolve_client(None, ["1.2.3.4"], TRUSTED) == "unknown"
