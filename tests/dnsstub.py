"""DNS servers on loopback for the monitor's tests (TIERLINK_DNS_SERVER points the fetcher at one).

`SilentDNS` takes every query and never answers (a lookup must be given up at the fetch's
deadline); `StubDNS` answers A records for the names in `addresses` and NXDOMAIN for every
other name (a domain that lapsed). Both log the queries they got.
"""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class SilentDNS:
    """A DNS server on loopback that takes every query and never answers."""

    def __init__(self, address: str = "127.0.0.53", port: int = 0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.bind((address, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.settimeout(0.1)
        self.address = f"{address}:{self.sock.getsockname()[1]}"
        self.queries: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except (socket.timeout, OSError):
                continue
            self.queries.append(data)
            self.answer(data, peer)

    def answer(self, data: bytes, peer) -> None:
        pass  # silent

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


class StubDNS(SilentDNS):
    """A DNS server on loopback: A records for the names in `addresses`, NXDOMAIN for the rest."""

    def __init__(self, address: str = "127.0.0.53", port: int = 0):
        self.addresses: dict[str, str] = {}
        super().__init__(address, port)

    def answer(self, data: bytes, peer) -> None:
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".")
        if name in self.addresses:
            if question.rdtype == dns.rdatatype.A:
                reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", self.addresses[name]))
        else:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        self.sock.sendto(reply.to_wire(), peer)


def use(monkeypatch, stub: SilentDNS) -> SilentDNS:
    """Point the fetcher's lookups at `stub` for one test. Host names, not loopback literals, are
    then fetched: the loopback-only setting (which refuses them before any lookup) is lifted, and
    the stub answers every name with a loopback address, NXDOMAIN or silence."""
    monkeypatch.setenv("TIERLINK_DNS_SERVER", stub.address)
    monkeypatch.delenv("TIERLINK_FETCH_LOOPBACK_ONLY", raising=False)
    return stub
