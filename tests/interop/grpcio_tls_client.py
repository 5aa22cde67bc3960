"""Calls a piperpc server over mutual TLS with Python grpcio (gRPC C-core).

Only stock credentials: grpc.ssl_channel_credentials with the CA, and the
client's certificate and key, on a grpc.secure_channel with default
options. The admitted identity calls; the other is refused by the server's
peer policy with PERMISSION_DENIED.

usage: grpcio_tls_client.py HOST:PORT CA WORKER_CERT WORKER_KEY OTHER_CERT OTHER_KEY
"""

import sys

import grpc


def read(path):
    with open(path, "rb") as f:
        return f.read()


def channel(target, ca, cert, key):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(ca), private_key=read(key), certificate_chain=read(cert)
    )
    return grpc.secure_channel(target, credentials)


def echo(chan, text):
    call = chan.unary_unary(
        "/piperpc.demo.v1.Echo/Echo",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    payload = text.encode()
    return call(b"\x0a" + bytes([len(payload)]) + payload, timeout=10)


def main(target, ca, worker_cert, worker_key, other_cert, other_key):
    with channel(target, ca, worker_cert, worker_key) as chan:
        reply = echo(chan, "over mTLS")
        assert reply.startswith(b"\x0a\x09over mTLS"), reply
        print("worker: echo over mTLS")
    with channel(target, ca, other_cert, other_key) as chan:
        try:
            echo(chan, "x")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error
            assert "is not allowed to call this server" in error.details(), error.details()
            print("other: PERMISSION_DENIED")
        else:
            raise AssertionError("expected PERMISSION_DENIED")


if __name__ == "__main__":
    main(*sys.argv[1:])
