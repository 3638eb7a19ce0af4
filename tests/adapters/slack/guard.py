"""Refuse any connection that would leave this machine: the tests talk to local fakes only."""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class OffLoopback(OSError):
    pass


# every refused address, so a refusal swallowed by a library's retry or logging still fails the test
refused: list[str] = []


def check(address: object) -> None:
    if not isinstance(address, tuple):
        return  # unix sockets and socketpairs stay on the machine
    host = address[0]
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address: connecting to it would already be a leak
        loopback = False
    if not loopback:
        refused.append(str(host))
        raise OffLoopback(f"test tried to reach {host!r}: only 127.0.0.1 is allowed")


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(self: socket.socket, address: object) -> None:
        check(address)
        return _real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(address)
        return _real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
