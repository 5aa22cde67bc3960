"""A Python client for the greeter example: gRPC's own C-core (grpcio).

usage: python3 greeter_client.py unix:/path/to/greeter.sock

Shows that nothing piperpc-specific is needed on the other side: a plain
`grpc.insecure_channel("unix:PATH")` with default options calls the Rust
server (Unix only: grpcio cannot open Windows named pipes).

To stay runnable with grpcio alone, the few messages of greeter.proto are
encoded by hand below. A real client would generate them instead:
    python3 -m pip install grpcio-tools
    python3 -m grpc_tools.protoc -I proto --python_out=. --grpc_python_out=. \
        proto/greeter/v1/greeter.proto
and call `greeter_pb2_grpc.GreeterStub(channel)`.
"""

import sys

import grpc

SERVICE = "/greeter.v1.Greeter/"


# --- protobuf, by hand: string fields (wire type 2) and uint32 (type 0) ----


def varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def string_field(number, text):
    data = text.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


def uint_field(number, value):
    return varint(number << 3) + varint(value)


def decode(data):
    """A message's fields as {number: value}: str for strings, int for varints."""
    out, pos = {}, 0

    def read_varint():
        nonlocal pos
        value, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while pos < len(data):
        key = read_varint()
        if key & 7 == 0:
            out[key >> 3] = read_varint()
        elif key & 7 == 2:
            length = read_varint()
            out[key >> 3] = data[pos : pos + length].decode()
            pos += length
        else:
            raise ValueError(f"unexpected wire type {key & 7}")
    return out


def method(channel, kind, name):
    raw = lambda b: b  # noqa: E731 (messages are already bytes)
    return getattr(channel, kind)(SERVICE + name, request_serializer=raw, response_deserializer=raw)


def main(target):
    # Default options: nothing piperpc-specific.
    with grpc.insecure_channel(target) as channel:
        say_hello = method(channel, "unary_unary", "SayHello")
        reply = decode(say_hello(string_field(1, "Python"), timeout=30))
        print("SayHello:", reply[1])

        count_down = method(channel, "unary_stream", "CountDown")
        request = string_field(1, "Python") + uint_field(2, 3)
        replies = [decode(r)[1] for r in count_down(request, timeout=30)]
        print("CountDown:", " / ".join(replies))

        collect_names = method(channel, "stream_unary", "CollectNames")
        names = iter([string_field(1, "Ann"), string_field(1, "Bob")])
        summary = decode(collect_names(names, timeout=30))
        print(f"CollectNames: {summary.get(1, 0)} names: {summary[2]}")

        chat = method(channel, "stream_stream", "Chat")
        said = iter([string_field(1, "hi"), string_field(1, "bye")])
        answers = [decode(a)[1] for a in chat(said, timeout=30)]
        print("Chat:", " / ".join(answers))

        try:
            say_hello(b"", timeout=30)
        except grpc.RpcError as error:
            print(f"SayHello with no name: {error.code().name}: {error.details()}")
        else:
            raise AssertionError("an empty name must be refused")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
