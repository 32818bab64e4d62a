"""``rtcc.core.mqttlink``: the broker URL's rules, and a client's connection settings (no broker needed)."""

from __future__ import annotations

import socket

import paho.mqtt.client as paho
import pytest

from rtcc.core import mqttlink
from rtcc.core.mqttlink import BrokerAddress


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("mqtt://127.0.0.1", BrokerAddress("127.0.0.1", 1883, tls=False)),
        ("tcp://broker.example:2883", BrokerAddress("broker.example", 2883, tls=False)),
        ("mqtts://broker.example", BrokerAddress("broker.example", 8883, tls=True)),
        ("ssl://broker.example:9883", BrokerAddress("broker.example", 9883, tls=True)),
        ("mqtt://cam%40north:p%3Ass@b", BrokerAddress("b", 1883, tls=False, username="cam@north", password="p:ss")),
        ("mqtt://user@b", BrokerAddress("b", 1883, tls=False, username="user", password=None)),
    ],
)
def test_broker_urls(url: str, want: BrokerAddress) -> None:
    assert BrokerAddress.parse(url) == want


def test_the_password_stays_out_of_the_addresss_repr() -> None:
    assert "s3cret" not in repr(BrokerAddress.parse("mqtt://cam:s3cret@broker"))


def test_an_unsupported_scheme_is_named() -> None:
    with pytest.raises(ValueError, match="'http'"):
        BrokerAddress.parse("http://127.0.0.1:1883")


def test_a_client_turns_nagle_off_on_its_socket() -> None:
    client = mqttlink.new_client(BrokerAddress("127.0.0.1", 1883, tls=False), "t-nodelay")
    assert client.on_socket_open is not None
    server = socket.create_server(("127.0.0.1", 0))
    with server, socket.create_connection(server.getsockname()) as sock:  # a TCP connection, as to a broker
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        client.on_socket_open(client, None, sock)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_mqtt5_sessions_are_set_at_connect_time() -> None:
    client = mqttlink.new_client(
        BrokerAddress("127.0.0.1", 1883, tls=False), "t-v5", protocol=paho.MQTTv5, clean_session=None, manual_ack=True
    )
    assert client.protocol == paho.MQTTv5
