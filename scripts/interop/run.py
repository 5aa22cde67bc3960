#!/usr/bin/env python3
"""Runs gRPC interop clients against interop servers and writes the results.

Called by run-clients.sh and run-all.sh, which first build (or find cached)
the official programs under target/interop/ (build-*.sh). Standard library
only.

    run.py [--out DIR] --matrix SERVER/TRANSPORTS/CLIENTS [--matrix ...]

SERVER is one of cpp, go, java, piperpc; TRANSPORTS a comma-separated subset
of unix, tcp, tls; CLIENTS a comma-separated subset of cpp, go, java,
python, piperpc. Every client runs every case it has (credentials, ALTS and
xDS/ORCA cases and two grpc-java cases that need more than a plain server
aside: they are listed, with the reason, in results.md) on
every transport, one process per case. A case that cannot run (a server
that did not start or died, a client that would not start) is written as
"not run" with its reason and counts as a failure; a transport that the
client cannot reach or the server cannot serve gets a row marked n/a with the
reason, and no cases. The exit status is 1 when any case failed or did not
run.

Output: a line per case on stdout, and DIR/results.md (a table per client,
server and transport) and DIR/results.json.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent.parent
OUT = Path(os.environ.get("PIPERPC_INTEROP_DIR", ROOT / "target" / "interop"))
GRPC_SRC = OUT / "src" / "grpc-1.51.1"
TEST_CREDS = GRPC_SRC / "src" / "core" / "tsi" / "test_creds"
PIPERPC_BIN = Path(os.environ.get("PIPERPC_INTEROP_BIN", ROOT / "target" / "debug" / "piperpc-interop"))

LOGS = OUT / "logs"  # set from --out by main()
CASE_TIMEOUT = float(os.environ.get("INTEROP_CASE_TIMEOUT", "30"))
# C++'s slow_consumer reads 2000 messages 20 ms apart: 40 s at the least.
SLOW_CASES = {"slow_consumer": 120.0}
# Cases whose official client is known to hang now and then, whatever the
# server: a run of one that times out is tried once more, and a pass on
# the second try says so. Only a hang is retried; a failure never is.
KNOWN_CLIENT_HANGS = {
    # grpcio's interop client sometimes never returns from this case (a
    # 1 ms deadline on a full-duplex call), against any server: grpc/grpc#19834.
    ("python", "timeout_on_sleeping_server"): "grpc/grpc#19834",
}
SERVER_START_TIMEOUT = 60.0
# The name the standard test server certificate (server1.pem) is issued to.
TLS_NAME = "foo.test.google.fr"
# Soak cases: grpc-go's and grpc-java's defaults, said to every client (C++'s
# defaults are 1000 iterations in no time at all, which always fails).
SOAK = ["--soak_iterations=10", "--soak_overall_timeout_seconds=10",
        "--soak_per_iteration_max_acceptable_latency_ms=1000"]

CREDS = "needs Google credentials (GCE metadata, OAuth2, JWT or a service account key)"
ORCA = "ORCA backend-metric reports, an xDS load-balancing feature outside TestService"


class Client:
    def __init__(self, name, describe, cases, excluded, transports, unreachable=None, broken=None):
        self.name = name
        # (transport, case) -> reason: a case the client itself gets wrong there.
        self.broken = broken or {}
        self.describe = describe
        self.cases = cases
        self.excluded = excluded  # case -> reason it is not run
        self.transports = transports  # transport -> callable(addr) -> argv
        self.unreachable = unreachable or {}  # transport -> reason

    def argv(self, transport, addr, case):
        return self.transports[transport](addr) + [f"--test_case={case}"]


def tls_flags(extra=()):
    return ["--use_tls=true", "--use_test_ca=true", f"--server_host_override={TLS_NAME}", *extra]


def cpp_client():
    b = [str(OUT / "cpp" / "interop_client")]
    cases = ("empty_unary large_unary client_compressed_unary server_compressed_unary "
             "client_streaming client_compressed_streaming server_streaming "
             "server_compressed_streaming slow_consumer half_duplex ping_pong empty_stream "
             "cancel_after_begin cancel_after_first_response timeout_on_sleeping_server "
             "status_code_and_message special_status_message custom_metadata "
             "unimplemented_method unimplemented_service pick_first_unary rpc_soak "
             "channel_soak").split()
    excluded = {c: CREDS for c in ("compute_engine_creds jwt_token_creds oauth2_auth_token "
                                   "per_rpc_creds google_default_credentials").split()}
    excluded["long_lived_channel"] = "loops until killed, by design (no end, no verdict)"
    return Client("cpp", "grpc C++ 1.51.1 (Debian 1.51.1-3), test/cpp/interop/interop_client",
                  cases, excluded, {
                      "unix": lambda a: b + [f"--server_host=unix:{a}", "--server_port=0"] + SOAK,
                      "tcp": lambda a: b + ["--server_host=127.0.0.1", f"--server_port={a}"] + SOAK,
                      "tls": lambda a: b + ["--server_host=localhost", f"--server_port={a}"] + tls_flags() + SOAK,
                  }, broken={
                      ("tls", "pick_first_unary"):
                          "grpc C++ 1.51's client ignores --use_tls in this case and speaks "
                          "plaintext (client_helper.cc passes no credentials type, and "
                          "create_test_channel.cc then makes an insecure channel); it fails "
                          "against every TLS server",
                  })


def go_client():
    b = [str(OUT / "go" / "interop_client")]
    cases = ("empty_unary large_unary client_streaming server_streaming ping_pong empty_stream "
             "timeout_on_sleeping_server cancel_after_begin cancel_after_first_response "
             "status_code_and_message special_status_message custom_metadata "
             "unimplemented_method unimplemented_service pick_first_unary rpc_soak "
             "channel_soak").split()
    excluded = {c: CREDS for c in ("compute_engine_creds service_account_creds jwt_token_creds "
                                   "per_rpc_creds oauth2_auth_token google_default_credentials "
                                   "compute_engine_channel_credentials").split()}
    excluded.update({"orca_per_rpc": ORCA, "orca_oob": ORCA})
    ca = f"--ca_file={TEST_CREDS / 'ca.pem'}"
    return Client("go", f"grpc-go {go_version()}, google.golang.org/grpc/interop/client",
                  cases, excluded, {
                      "unix": lambda a: b + [f"--server_host=unix://{a}", "--server_port=0"] + SOAK,
                      "tcp": lambda a: b + ["--server_host=127.0.0.1", f"--server_port={a}"] + SOAK,
                      "tls": lambda a: b + ["--server_host=localhost", f"--server_port={a}"] + tls_flags([ca]) + SOAK,
                  })


def java_client():
    b = ["java", "-cp", str(OUT / "java" / "lib") + "/*", "io.grpc.testing.integration.TestServiceClient"]
    cases = ("empty_unary large_unary client_compressed_unary "
             "client_compressed_unary_noprobe server_compressed_unary client_streaming "
             "client_compressed_streaming client_compressed_streaming_noprobe server_streaming "
             "server_compressed_streaming ping_pong empty_stream custom_metadata "
             "status_code_and_message special_status_message unimplemented_method "
             "unimplemented_service cancel_after_begin cancel_after_first_response "
             "timeout_on_sleeping_server pick_first_unary rpc_soak channel_soak").split()
    excluded = {c: CREDS for c in ("compute_engine_creds compute_engine_channel_credentials "
                                   "service_account_creds jwt_token_creds oauth2_auth_token "
                                   "per_rpc_creds google_default_credentials").split()}
    excluded.update({"orca_per_rpc": ORCA, "orca_oob": ORCA})
    excluded["cacheable_unary"] = ("sends GET and expects a caching proxy in front of the server "
                                   "(TestServiceClient.java says so); no proxy here")
    excluded["very_large_request"] = ("a grpc-java-only case outside the cross-language spec "
                                      "(interop-test-descriptions.md): a 10 MB request that only "
                                      "grpc-java's server, which raises its limit to 16 MiB, accepts; "
                                      "gRPC's default limit is 4 MiB")
    return Client("java", f"grpc-java {java_version()}, io.grpc:grpc-interop-testing TestServiceClient",
                  cases, excluded, {
                      "tcp": lambda a: b + ["--server_host=127.0.0.1", f"--server_port={a}", "--use_tls=false"] + SOAK,
                      "tls": lambda a: b + ["--server_host=localhost", f"--server_port={a}"] + tls_flags() + SOAK,
                  }, unreachable={
                      "unix": "TestServiceClient builds a NettyChannelBuilder (NIO) or OkHttp "
                              "channel and has no flag for netty's epoll domain-socket channel, "
                              "so a unix: target fails: \"Address types of NameResolver 'unix' "
                              "... not supported by transport\"",
                  })


def python_client():
    b = [str(OUT / "py" / "bin" / "python"), "-m", "tests.interop.client"]
    cases = ("empty_unary large_unary server_streaming client_streaming ping_pong "
             "cancel_after_begin cancel_after_first_response empty_stream "
             "status_code_and_message unimplemented_method unimplemented_service "
             "custom_metadata timeout_on_sleeping_server special_status_message").split()
    excluded = {c: CREDS for c in ("compute_engine_creds oauth2_auth_token jwt_token_creds "
                                   "per_rpc_creds").split()}
    # The client formats its target as HOST:PORT; '#' turns ':0' into a URI fragment.
    return Client("python", f"grpcio {pip_version('grpcio')}, tests/interop/client.py of grpc 1.51.1 (Debian)",
                  cases, excluded, {
                      "unix": lambda a: b + [f"--server_host=unix://{a}#", "--server_port=0"],
                      "tcp": lambda a: b + ["--server_host=127.0.0.1", f"--server_port={a}"],
                      "tls": lambda a: b + ["--server_host=localhost", f"--server_port={a}"] + tls_flags(),
                  })


def piperpc_client():
    b = [str(PIPERPC_BIN), "client"]
    cases = ("empty_unary large_unary client_compressed_unary server_compressed_unary "
             "client_streaming client_compressed_streaming server_streaming "
             "server_compressed_streaming ping_pong empty_stream cancel_after_begin "
             "cancel_after_first_response timeout_on_sleeping_server status_code_and_message "
             "special_status_message custom_metadata unimplemented_method "
             "unimplemented_service rpc_soak channel_soak").split()
    return Client("piperpc", "piperpc-interop client (this repository)", cases, {}, {
        "unix": lambda a: b + [f"--server_uri=unix:{a}"] + SOAK,
        "tcp": lambda a: b + ["--server_host=127.0.0.1", f"--server_port={a}"] + SOAK,
        "tls": lambda a: b + ["--server_host=localhost", f"--server_port={a}"] + tls_flags() + SOAK,
    })


CLIENTS = {"cpp": cpp_client, "go": go_client, "java": java_client,
           "python": python_client, "piperpc": piperpc_client}


class ServerKind:
    def __init__(self, name, describe, transports, unreachable, lacks=None, ready_line=None):
        self.name = name
        self.describe = describe
        self.transports = transports  # transport -> callable(addr) -> argv
        self.unreachable = unreachable  # transport -> reason
        # (client or "*", case) -> reason: a feature an official server lacks,
        # so that case says nothing of the client. piperpc's server has none.
        self.lacks = lacks or {}
        self.ready_line = ready_line

    def lacking(self, client, case):
        return self.lacks.get((client, case)) or self.lacks.get(("*", case))


# What the official servers lack, as grpc's own matrix
# (tools/run_tests/run_interop_tests.py, unimplemented_test_cases_server) says.
NO_COMPRESSED_REQUEST = ("the server does not check expect_compressed (no CompressedRequest "
                         "feature), as tools/run_tests/run_interop_tests.py says")
NO_COMPRESSED_RESPONSE = ("the server does not compress responses on request (no "
                          "CompressedResponse feature), as tools/run_tests/run_interop_tests.py says")
NO_GZIP = ("the server registers no gzip decompressor: a gzip request fails UNIMPLEMENTED "
           "(\"Decompressor is not installed for grpc-encoding gzip\")")
NO_SERVER_ID = ("the server does not fill SimpleResponse.server_id, which grpc-go's "
                "pick_first_unary asserts (it fails against grpc-go's own server too)")


def servers():
    cpp = [str(OUT / "cpp" / "interop_server")]
    go = [str(OUT / "go" / "interop_server")]
    java = ["java", "-cp", str(OUT / "java" / "lib") + "/*", "io.grpc.testing.integration.TestServiceServer"]
    pip = [str(PIPERPC_BIN), "server"]
    return {
        "cpp": ServerKind("cpp", "grpc C++ 1.51.1 (Debian), test/cpp/interop/interop_server", {
            "tcp": lambda p: cpp + [f"--port={p}"],
            "tls": lambda p: cpp + [f"--port={p}", "--use_tls=true"],
        }, {"unix": "interop_server listens on 0.0.0.0:PORT only (interop_server.cc)"},
            {("go", "pick_first_unary"): NO_SERVER_ID}),
        "go": ServerKind("go", f"grpc-go {go_version()}, google.golang.org/grpc/interop/server", {
            "tcp": lambda p: go + [f"--port={p}"],
            "tls": lambda p: go + [f"--port={p}", "--use_tls",
                                   f"--tls_cert_file={TEST_CREDS / 'server1.pem'}",
                                   f"--tls_key_file={TEST_CREDS / 'server1.key'}"],
        }, {"unix": "the server listens with net.Listen(\"tcp\", \":PORT\") only (interop/server/server.go)"},
            {("*", "client_compressed_unary"): NO_COMPRESSED_REQUEST,
             ("*", "client_compressed_streaming"): NO_COMPRESSED_REQUEST,
             ("*", "server_compressed_unary"): NO_COMPRESSED_RESPONSE,
             ("*", "server_compressed_streaming"): NO_COMPRESSED_RESPONSE,
             ("*", "client_compressed_unary_noprobe"): NO_GZIP,
             ("*", "client_compressed_streaming_noprobe"): NO_GZIP,
             ("go", "pick_first_unary"): NO_SERVER_ID}),
        "java": ServerKind("java", f"grpc-java {java_version()}, TestServiceServer", {
            "tcp": lambda p: java + [f"--port={p}", "--use_tls=false"],
            "tls": lambda p: java + [f"--port={p}", "--use_tls=true"],
        }, {"unix": "TestServiceServer has --port and --address_type (IPv4/IPv6) only"},
            {("*", "client_compressed_unary"): NO_COMPRESSED_REQUEST,
             ("*", "client_compressed_streaming"): NO_COMPRESSED_REQUEST,
             ("*", "server_compressed_streaming"): "the server compresses unary responses only, "
                                                   "as tools/run_tests/run_interop_tests.py says",
             ("go", "pick_first_unary"): NO_SERVER_ID}),
        "piperpc": ServerKind("piperpc", "piperpc-interop server (this repository)", {
            "unix": lambda a: pip + [f"--listen=unix:{a}"],
            "tcp": lambda p: pip + [f"--listen=127.0.0.1:{p}"],
            "tls": lambda p: pip + [f"--port={p}", "--use_tls=true"],
        }, {}, ready_line="listening on"),
    }


def go_version():
    for line in (SCRIPTS / "go" / "go.mod").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "google.golang.org/grpc":
            return parts[1]
    return "?"


def java_version():
    m = re.search(r"<grpc.version>([^<]+)<", (SCRIPTS / "java" / "pom.xml").read_text())
    return m.group(1) if m else "?"


def pip_version(name):
    for line in (SCRIPTS / "python" / "requirements.txt").read_text().splitlines():
        if line.startswith(name + "=="):
            return line.split("==", 1)[1]
    return "?"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(transport, addr):
    try:
        if transport == "unix":
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(1)
                s.connect(addr)
        else:
            with socket.create_connection(("127.0.0.1", addr), timeout=1):
                pass
        return True
    except OSError:
        return False


class RunningServer:
    """A server under test, started on one transport; stopped on exit."""

    def __init__(self, kind, transport, tmp):
        self.kind = kind
        self.transport = transport
        if transport == "unix":
            self.addr = str(Path(tmp) / f"{kind.name}.sock")
        else:
            self.addr = free_port()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = LOGS / f"server-{kind.name}-{transport}.log"
        self.argv = kind.transports[transport](self.addr)
        self.proc = None

    def start(self):
        """Starts the server; returns None when it serves, else the reason."""
        logf = open(self.log, "wb")
        try:
            self.proc = subprocess.Popen(self.argv, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(OUT))
        except OSError as e:
            return f"server did not start: {e}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"server exited with status {self.proc.returncode}: {tail(self.log)}"
            ready = True
            if self.kind.ready_line:
                ready = self.kind.ready_line in self.log.read_text(errors="replace")
            if ready and reachable(self.transport, self.addr):
                return None
            time.sleep(0.1)
        return f"server not reachable after {SERVER_START_TIMEOUT:.0f} s: {tail(self.log)}"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


NOISE = re.compile(r"^\s*(at |\.\.\. \d+ more|Caused by: \S+$|Traceback|File \"|\^)")
TELLING = re.compile(r"error|exception|fail|assert|expected|mismatch|status|code|unavailable|"
                     r"deadline|refused|panic|unknown|invalid|timed out|abort", re.I)


def tail(path_or_text, limit=400):
    """The telling part of a program's output: its error lines, short."""
    text = path_or_text.read_text(errors="replace") if isinstance(path_or_text, Path) else path_or_text
    lines = [line.strip() for line in text.splitlines() if line.strip() and not NOISE.match(line)]
    telling = [line for line in lines if TELLING.search(line)]
    picked = (telling or lines)[-3:]
    out = " | ".join(picked)
    return (out[:limit] + "...") if len(out) > limit else (out or "(no output)")


def save_log(name, argv, out):
    """Keeps a failed case's whole output; returns where."""
    LOGS.mkdir(parents=True, exist_ok=True)
    path = LOGS / (name + ".log")
    path.write_text("$ " + " ".join(argv) + "\n" + out)
    return path


def run_case(client, transport, addr, case, log_name):
    status, reason, secs = run_case_once(client, transport, addr, case, log_name)
    known = KNOWN_CLIENT_HANGS.get((client.name, case))
    if known and status == "failed" and reason.startswith("timed out"):
        print(f"RETRY   {client.name:>7} {transport:<4} {case}: the client hung ({known}); once more",
              flush=True)
        status, again, more = run_case_once(client, transport, addr, case, log_name)
        secs += more
        reason = again if status != "passed" else f"passed on the second try: the first hung ({known})"
    return status, reason, secs


def run_case_once(client, transport, addr, case, log_name):
    argv = client.argv(transport, addr, case)
    cwd = OUT / "python" if client.name == "python" else OUT
    limit = max(CASE_TIMEOUT, SLOW_CASES.get(case, 0))
    start = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=str(cwd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=limit)
    except subprocess.TimeoutExpired as e:
        out = (e.output or b"").decode(errors="replace")
        save_log(log_name, argv, out)
        return "failed", f"timed out after {limit:.0f} s: {tail(out)}", time.monotonic() - start
    except OSError as e:
        return "not run", f"client did not start: {e}", time.monotonic() - start
    secs = time.monotonic() - start
    out = p.stdout.decode(errors="replace")
    if p.returncode == 0:
        return "passed", "", secs
    save_log(log_name, argv, out)
    return "failed", f"exit status {p.returncode}: {tail(out)}", secs


def parse_matrix(spec):
    try:
        server, transports, clients = spec.split("/")
    except ValueError:
        raise SystemExit(f"--matrix {spec!r}: expected SERVER/TRANSPORTS/CLIENTS")
    transports = transports.split(",")
    clients = clients.split(",")
    for t in transports:
        if t not in ("unix", "tcp", "tls"):
            raise SystemExit(f"unknown transport {t!r} (unix, tcp, tls)")
    for c in clients:
        if c not in CLIENTS:
            raise SystemExit(f"unknown client {c!r} ({', '.join(CLIENTS)})")
    if server not in servers():
        raise SystemExit(f"unknown server {server!r} ({', '.join(servers())})")
    return server, transports, clients


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--matrix", action="append", required=True, metavar="SERVER/TRANSPORTS/CLIENTS")
    ap.add_argument("--out", default=str(OUT), help="where results.md and results.json go")
    ap.add_argument("--cases", help="only these cases (comma-separated), for a quick check")
    args = ap.parse_args()
    only = set(args.cases.split(",")) if args.cases else None

    kinds = servers()
    global LOGS
    LOGS = Path(args.out) / "logs"
    if LOGS.is_dir():
        for old in LOGS.glob("*.log"):
            old.unlink()
    results = []
    inapplicable = []
    used_clients = {}
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="piperpc-interop-") as tmp:
        for spec in args.matrix:
            server_name, transports, client_names = parse_matrix(spec)
            kind = kinds[server_name]
            for transport in transports:
                clients = [CLIENTS[c]() for c in client_names]
                for c in clients:
                    used_clients[c.name] = c

                def record(client, case, status, reason, secs=0.0):
                    results.append(dict(client=client.name, server=server_name, transport=transport,
                                        case=case, status=status, reason=reason, seconds=round(secs, 2)))
                    mark = {"passed": "PASS", "failed": "FAIL", "not run": "NOT RUN"}[status]
                    line = f"{mark:7} {client.name:>7} -> {server_name:<7} {transport:<4} {case}"
                    print(line + (f"  ({reason})" if reason else ""), flush=True)

                def cases_of(client):
                    """The client's cases; those the server or the client lacks
                    here become n/a rows, with the reason."""
                    runs = []
                    for case in client.cases:
                        if only is not None and case not in only:
                            continue
                        why = kind.lacking(client.name, case)
                        if why:
                            why = f"the {server_name} server lacks it: {why}"
                        elif (transport, case) in client.broken:
                            why = f"the {client.name} client's own bug: {client.broken[transport, case]}"
                        if why:
                            inapplicable.append(dict(client=client.name, server=server_name,
                                                     transport=transport, case=case, reason=why))
                            print(f"N/A     {client.name:>7} -> {server_name:<7} {transport:<4} {case}  ({why})",
                                  flush=True)
                        else:
                            runs.append(case)
                    return runs

                # A transport the server cannot serve or the client cannot
                # reach is not a case that failed: its row says n/a and why.
                runnable = []
                for client in clients:
                    why = None
                    if transport in kind.unreachable:
                        why = f"the {server_name} server cannot serve {transport}: {kind.unreachable[transport]}"
                    elif transport in client.unreachable:
                        why = f"the {client.name} client cannot reach {transport}: {client.unreachable[transport]}"
                    if why:
                        inapplicable.append(dict(client=client.name, server=server_name,
                                                 transport=transport, reason=why))
                        print(f"N/A     {client.name:>7} -> {server_name:<7} {transport:<4} ({why})", flush=True)
                    else:
                        runnable.append(client)
                if not runnable:
                    continue
                server = RunningServer(kind, transport, tmp)
                why = server.start()
                try:
                    for client in runnable:
                        for case in cases_of(client):
                            if why:
                                record(client, case, "not run", why)
                            elif not server.alive():
                                why = f"server died (status {server.proc.returncode}): {tail(server.log)}"
                                record(client, case, "not run", why)
                            else:
                                log_name = f"{client.name}-{server_name}-{transport}-{case}"
                                record(client, case, *run_case(client, transport, server.addr, case, log_name))
                finally:
                    server.stop()
    elapsed = time.monotonic() - began
    write_results(Path(args.out), results, inapplicable, used_clients, kinds, elapsed)
    failed = [r for r in results if r["status"] != "passed"]
    print(f"\n{len(results) - len(failed)}/{len(results)} cases passed in {elapsed:.0f} s; "
          f"results: {Path(args.out) / 'results.md'}")
    return 1 if failed or not results else 0


def install_times():
    times = {}
    d = OUT / "times"
    if d.is_dir():
        for f in sorted(d.iterdir()):
            times[f.name] = f.read_text().strip()
    return times


def write_results(out, results, inapplicable, clients, kinds, elapsed):
    out.mkdir(parents=True, exist_ok=True)
    groups = {}
    for r in results + inapplicable:
        groups.setdefault((r["client"], r["server"], r["transport"]), ([], []))
    for r in results:
        groups[r["client"], r["server"], r["transport"]][0].append(r)
    for r in inapplicable:
        groups[r["client"], r["server"], r["transport"]][1].append(r)
    md = ["# gRPC interop results", "",
          f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed:.0f} s. "
          "One process per case; \"not run\" counts as a failure; n/a marks a case or "
          "transport that the official program on the other side lacks, with the reason "
          "(not counted). A failed case's whole output is in "
          "logs/CLIENT-SERVER-TRANSPORT-CASE.log beside this file; the servers' in "
          "logs/server-SERVER-TRANSPORT.log.", "",
          "| client | server | transport | passed | failures, and n/a |",
          "|---|---|---|---|---|"]
    for (client, server, transport), (rs, nas) in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        passed = sum(r["status"] == "passed" for r in rs)
        bad = [r for r in rs if r["status"] != "passed"]
        reasons = set(r["reason"] for r in bad)
        notes = []
        if bad and len(bad) == len(rs) and len(reasons) == 1:
            notes.append(f"all {len(bad)} {bad[0]['status']}: {esc(bad[0]['reason'])}")
        else:
            notes += [f"`{r['case']}` {r['status']}: {esc(r['reason'])}" for r in bad]
        # Passes with a reason: a known client hang retried (KNOWN_CLIENT_HANGS).
        notes += [f"`{r['case']}` {esc(r['reason'])}" for r in rs
                  if r["status"] == "passed" and r["reason"]]
        by_reason = {}
        for r in nas:
            by_reason.setdefault(r["reason"], []).append(f"`{r['case']}`" if "case" in r else "all cases")
        for why, what in by_reason.items():
            notes.append(f"{', '.join(what)} n/a: {esc(why)}")
        score = f"{passed}/{len(rs)}" if rs else "n/a"
        md.append(f"| {client} | {server} | {transport} | {score} | {'<br>'.join(notes)} |")
    md += ["", "## Clients and the cases they run", ""]
    for c in clients.values():
        md.append(f"- **{c.name}**: {c.describe}. Runs ({len(c.cases)}): {', '.join(c.cases)}.")
        if c.excluded:
            by_reason = {}
            for case, why in c.excluded.items():
                by_reason.setdefault(why, []).append(case)
            for why, cases in by_reason.items():
                md.append(f"  Not run: {', '.join(cases)}: {why}.")
        for t, why in c.unreachable.items():
            md.append(f"  Cannot reach {t}: {why}.")
    md += ["", "## Servers", ""]
    for name in dict.fromkeys(r["server"] for r in results + inapplicable):
        k = kinds[name]
        line = f"- **{name}**: {k.describe}."
        for t, why in k.unreachable.items():
            line += f" Cannot serve {t}: {why}."
        md.append(line)
    times = install_times()
    if times:
        md += ["", "## Build times (s) of the cached pieces, when each was last built (a cached run builds nothing)", ""]
        md += [f"- {k}: {v}" for k, v in times.items()]
    (out / "results.md").write_text("\n".join(md) + "\n")
    (out / "results.json").write_text(json.dumps(dict(
        elapsed_seconds=round(elapsed, 1),
        passed=sum(r["status"] == "passed" for r in results),
        total=len(results),
        install_seconds=times,
        results=results,
        not_applicable=inapplicable), indent=1) + "\n")


def esc(s):
    return s.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    sys.exit(main())
