"""Who the fetcher connects to: public addresses only in every form that embeds a private one,
the address it checked and no other (DNS rebinding), never a private address after a public one
(a redirect), robots.txt under RFC 9309. An injectable resolver stages a "public" host on
127.0.0.1; nothing here connects anywhere else."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from newsnlp.config.inputs import FetchConfig
from newsnlp.documents.addresses import AddressPolicy, is_public_address, public_only
from newsnlp.documents.fetch import Fetcher
from newsnlp.errors import FetchError
from tests.http_server import Route, Site, serving

PAGE = b"<html><head><title>T</title></head><body><p>Some words.</p></body></html>"
LOOPBACK = ipaddress.ip_address("127.0.0.1")

NOT_PUBLIC = [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
    "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.51.100.1", "203.0.113.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12::1", "fec0::1", "ff02::1", "ff0e::1", "2001:db8::1", "2001::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::7f00:1", "::a00:1", "::ffff:0:7f00:1",
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::", "2002:a00:1::1", "2002:c0a8:101::1",
]  # fmt: skip
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_private_forms_are_not_public(text):
    assert not is_public_address(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_public(text):
    assert is_public_address(ipaddress.ip_address(text))


@pytest.mark.parametrize("host", ["[::ffff:127.0.0.1]", "[::7f00:1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "127.1", "0x7f000001", "[fec0::1]"])
def test_the_server_policy_refuses_embedded_loopback_before_connecting(tmp_path, host):
    with Fetcher(FetchConfig(per_host_rps=100), cache_dir=tmp_path, guard=public_only()) as f:
        with pytest.raises(FetchError, match="loopback, private or link-local"):
            f.get(f"http://{host}:1/x")


@pytest.fixture
def site():
    with serving(Site()) as running:
        yield running


def staged(answers: dict[str, list[str]], calls: list[str] | None = None) -> AddressPolicy:
    """A policy whose resolver answers from `answers` and for which 127.0.0.1 is "public"."""

    def resolver(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        return answers[host]

    return AddressPolicy(private_start=True, resolver=resolver, is_public=lambda a: a == LOOPBACK or is_public_address(a))


def fetcher(tmp_path: Path, policy: AddressPolicy) -> Fetcher:
    return Fetcher(FetchConfig(per_host_rps=100), cache_dir=tmp_path / "http", guard=policy, sleep=lambda s: None)


def test_a_redirect_from_a_public_address_to_a_private_one_is_refused(site, tmp_path):
    site.routes["/feed"] = Route(status=302, headers={"Location": f"http://intranet.test:{site.port}/secret"}, etag=False)
    site.routes["/literal"] = Route(status=302, headers={"Location": f"http://127.0.0.2:{site.port}/secret"}, etag=False)
    site.routes["/secret"] = Route(PAGE)
    policy = staged({"news.test": ["127.0.0.1"], "intranet.test": ["127.0.0.2"]})
    with fetcher(tmp_path, policy) as f:
        for path in ("/feed", "/literal"):
            with pytest.raises(FetchError, match="redirected from a public address to 127.0.0.2"):
                f.get(f"http://news.test:{site.port}{path}")
    assert "/secret" not in site.paths()


def test_a_private_url_the_user_names_is_fetched_and_may_redirect_privately(site, tmp_path):
    site.routes["/old"] = Route(status=301, headers={"Location": f"http://intranet.test:{site.port}/new"}, etag=False)
    site.routes["/new"] = Route(PAGE)
    policy = AddressPolicy(resolver=lambda host, port: ["127.0.0.1"])  # nothing public: an intranet
    with fetcher(tmp_path, policy) as f:
        assert f.get(f"http://intranet.test:{site.port}/old").body == PAGE


def test_the_connection_goes_to_the_address_that_was_checked(site, tmp_path):
    """One resolution per connection, and the connection to an address of it that passed: a
    name the system cannot resolve (news.test) is reached, the private answer never tried."""
    site.routes["/a"] = Route(PAGE)
    calls: list[str] = []
    policy = staged({"news.test": ["10.0.0.1", "127.0.0.1"]}, calls)
    policy = AddressPolicy(private_start=False, resolver=policy.resolver, is_public=policy.is_public)
    with fetcher(tmp_path, policy) as f:
        assert f.get(f"http://news.test:{site.port}/a").body == PAGE
    assert len(calls) == len(site.requests) == 2  # robots.txt and the page: each resolved once, for its own connection


def test_a_rebinding_answer_is_checked_on_the_connection_it_makes(site, tmp_path):
    """The first answer is public, the next private: the second connection is refused, never
    made to the private address."""
    site.routes["/a"] = Route(PAGE)
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    policy = AddressPolicy(private_start=False, resolver=lambda host, port: next(answers), is_public=lambda a: a == LOOPBACK)
    with fetcher(tmp_path, policy) as f, pytest.raises(FetchError, match="resolves to 10.0.0.1"):
        f.get(f"http://news.test:{site.port}/a")
    assert site.paths() == ["/robots.txt"]


def test_robots_wildcards_and_end_anchors_are_obeyed(site, tmp_path):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /*.html$\n", content_type="text/plain")
    site.routes["/story.html"] = Route(PAGE)
    site.routes["/story.html?page=2"] = Route(PAGE)
    with Fetcher(FetchConfig(per_host_rps=100), cache_dir=tmp_path, sleep=lambda s: None) as f:
        with pytest.raises(FetchError, match="refused by .*robots.txt"):
            f.get(site.url("/story.html"))
        assert f.get(site.url("/story.html?page=2")).body == PAGE
    assert "/story.html" not in site.paths()


def test_a_robots_txt_over_max_bytes_is_read_in_part_not_failed(site, tmp_path):
    rules = b"User-agent: *\nDisallow: /private/\n" + b"# filler line of a large robots.txt\n" * 20_000  # about 740 KB
    site.routes["/robots.txt"] = Route(rules, content_type="text/plain")
    site.routes["/ok"] = Route(PAGE)
    site.routes["/private/x"] = Route(PAGE)
    with Fetcher(FetchConfig(per_host_rps=100, max_bytes=100_000), cache_dir=tmp_path, sleep=lambda s: None) as f:
        assert f.get(site.url("/ok")).body == PAGE
        with pytest.raises(FetchError, match="refused by .*robots.txt"):
            f.get(site.url("/private/x"))
