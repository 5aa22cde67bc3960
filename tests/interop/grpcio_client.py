"""Calls a piperpc server with gRPC's own C-core client (Python grpcio).

Proves there is nothing piperpc-specific on the wire: a standard `unix:`
target reaches `piperpc serve`. Messages are encoded by hand (the schema is
tiny), so no generated code or protoc is needed.

usage: grpcio_client.py unix:/path/to.sock
Prints one line per check; exits non-zero on the first failure.
"""

import sys

import grpc


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def call(channel, method, kind, request):
    identity = lambda b: b  # noqa: E731
    make = getattr(channel, kind)
    return make(method, request_serializer=identity, response_deserializer=identity)(request, timeout=10)


def main(target):
    # gRPC C-core sends the percent-encoded socket path as :authority for
    # unix: targets; hyper's h2 (under tonic) rejects that as malformed
    # (hyperium/h2#487). Name the authority, as grpc-go does by default.
    options = [("grpc.default_authority", "localhost")]
    with grpc.insecure_channel(target, options=options) as channel:
        # grpc.health.v1.Health/Check with an empty request: SERVING is field 1 = 1.
        reply = call(channel, "/grpc.health.v1.Health/Check", "unary_unary", b"")
        assert reply == field_varint(1, 1), reply
        print("health: SERVING")

        # Echo.Echo: message (field 1) comes back unchanged.
        reply = call(channel, "/piperpc.demo.v1.Echo/Echo", "unary_unary", field_bytes(1, b"from grpcio"))
        assert reply.startswith(field_bytes(1, b"from grpcio")), reply
        print("echo: from grpcio")

        # Echo.Count: a server stream of 3 numbered messages (field 1).
        replies = list(call(channel, "/piperpc.demo.v1.Echo/Count", "unary_stream", field_varint(1, 3)))
        assert replies == [field_varint(1, n) for n in (1, 2, 3)], replies
        print("count: 1 2 3")

        # KeyValue.Get of a missing key: NOT_FOUND, a proper gRPC status.
        try:
            call(channel, "/piperpc.demo.v1.KeyValue/Get", "unary_unary", field_bytes(1, b"absent"))
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND, error
            print("get absent: NOT_FOUND")
        else:
            raise AssertionError("expected NOT_FOUND")


if __name__ == "__main__":
    main(sys.argv[1])
