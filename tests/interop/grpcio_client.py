"""Calls a piperpc server with gRPC's own C-core client (Python grpcio).

Proves there is nothing piperpc-specific on the wire: a standard `unix:`
target reaches `piperpc serve` with the channel's *default* options. gRPC
C-core sends the socket path as `:authority` there, which h2 alone would
refuse; the framework's listener makes it acceptable. Messages are encoded
by hand (the schema is tiny), so no generated code or protoc is needed.

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


def read_varint(data, pos):
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(data):
    """(number, value) pairs of a message: ints for varints, bytes otherwise."""
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(data, pos)
        elif wire == 2:
            length, pos = read_varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        yield number, value


def echoed_metadata(reply):
    """EchoResponse.metadata (field 3, map<string, string>)."""
    out = {}
    for number, entry in fields(reply):
        if number == 3:
            parts = dict(fields(entry))
            out[parts.get(1, b"").decode()] = parts.get(2, b"").decode()
    return out


def stub(channel, method, kind):
    identity = lambda b: b  # noqa: E731
    return getattr(channel, kind)(method, request_serializer=identity, response_deserializer=identity)


def main(target):
    # Default options: no grpc.default_authority, nothing piperpc-specific.
    with grpc.insecure_channel(target) as channel:
        # grpc.health.v1.Health/Check with an empty request: SERVING is field 1 = 1.
        reply = stub(channel, "/grpc.health.v1.Health/Check", "unary_unary")(b"", timeout=10)
        assert reply == field_varint(1, 1), reply
        print("health: SERVING")

        # Unary: Echo.Echo, message (field 1) comes back unchanged.
        echo = stub(channel, "/piperpc.demo.v1.Echo/Echo", "unary_unary")
        reply = echo(field_bytes(1, b"from grpcio"), timeout=10)
        assert reply.startswith(field_bytes(1, b"from grpcio")), reply
        print("echo: from grpcio")

        # Server stream: Echo.Count, 3 numbered messages (field 1).
        count = stub(channel, "/piperpc.demo.v1.Echo/Count", "unary_stream")
        replies = list(count(field_varint(1, 3), timeout=10))
        assert replies == [field_varint(1, n) for n in (1, 2, 3)], replies
        print("count: 1 2 3")

        # Client stream: Echo.Collect counts messages (field 1) and bytes (field 2).
        collect = stub(channel, "/piperpc.demo.v1.Echo/Collect", "stream_unary")
        chunks = [b"alpha", b"beta", b"gamma"]
        reply = collect(iter([field_bytes(1, c) for c in chunks]), timeout=10)
        assert reply == field_varint(1, 3) + field_varint(2, 14), reply
        print("collect: 3 messages, 14 bytes")

        # Bidi stream: Echo.Chat answers each line (text is field 2).
        chat = stub(channel, "/piperpc.demo.v1.Echo/Chat", "stream_stream")
        answers = [dict(fields(r))[2] for r in chat(iter([field_bytes(1, b"hi"), field_bytes(1, b"bye")]), timeout=10)]
        assert answers == [b"you said: hi", b"you said: bye"], answers
        print("chat: you said: hi / you said: bye")

        # KeyValue.Get of a missing key: NOT_FOUND, a proper gRPC status.
        try:
            stub(channel, "/piperpc.demo.v1.KeyValue/Get", "unary_unary")(field_bytes(1, b"absent"), timeout=10)
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND, error
            print("get absent: NOT_FOUND")
        else:
            raise AssertionError("expected NOT_FOUND")

        # 1,000 calls on this one channel, each with metadata of its own
        # (names and values of varied lengths): the HPACK dynamic table fills
        # and evicts many times over, and every call must still arrive intact.
        for i in range(1000):
            metadata = (
                ("x-call", str(i)),
                (f"x-tag-{i % 37}", "v" * (i % 200) + str(i)),
            )
            reply = echo(field_bytes(1, b"m") + field_varint(3, 1), timeout=10, metadata=metadata)
            seen = echoed_metadata(reply)
            for name, value in metadata:
                assert seen.get(name) == value, (i, name, value, seen)
        print("1000 calls with varied metadata: all intact")


if __name__ == "__main__":
    main(sys.argv[1])
