// Calls a piperpc server on a Windows named pipe from Node (or Electron's
// main process) with stock grpc-js, which names a pipe unix:\\.\pipe\NAME.
//
//   node client.js [\\.\pipe\piperpc-demo] [C:\path\to\expected\server.exe]
//
// grpc-js does not check who serves the pipe, as piperpc's client does, and
// Node exposes no pipe handle to ask. So first open the pipe once with
// koffi (a C FFI with prebuilt binaries, no compiler needed) and ask
// Windows for the server's process (GetNamedPipeServerProcessId) and its
// executable; only then let grpc-js connect. A pipe name is first come,
// first served: any process of this user could have created it.
//
// The check runs on a connection of its own, so a server that exits and
// is replaced between the check and grpc-js's connect is not caught: check
// again on reconnect (grpc-js reconnects by itself), or have the server
// prove itself in-band.

"use strict";

const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const koffi = require("koffi");

const kernel32 = koffi.load("kernel32.dll");
const HANDLE = koffi.pointer("HANDLE", koffi.opaque());
const CreateFileW = kernel32.func(
  "HANDLE __stdcall CreateFileW(str16, uint32, uint32, void *, uint32, uint32, void *)",
);
const GetNamedPipeServerProcessId = kernel32.func(
  "bool __stdcall GetNamedPipeServerProcessId(HANDLE, _Out_ uint32 *)",
);
const OpenProcess = kernel32.func("HANDLE __stdcall OpenProcess(uint32, bool, uint32)");
const QueryFullProcessImageNameW = kernel32.func(
  "bool __stdcall QueryFullProcessImageNameW(HANDLE, uint32, _Out_ uint16 *, _Inout_ uint32 *)",
);
const CloseHandle = kernel32.func("bool __stdcall CloseHandle(HANDLE)");
const GetLastError = kernel32.func("uint32 __stdcall GetLastError()");

const GENERIC_READ_WRITE = 0xc0000000;
const OPEN_EXISTING = 3;
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const INVALID_HANDLE_VALUE = -1;

// The pipe's server: its process id and executable.
function pipeServer(pipe) {
  const handle = CreateFileW(pipe, GENERIC_READ_WRITE, 0, null, OPEN_EXISTING, 0, null);
  if (!handle || koffi.address(handle) === BigInt.asUintN(64, BigInt(INVALID_HANDLE_VALUE))) {
    throw new Error(`opening ${pipe}: Windows error ${GetLastError()}`);
  }
  try {
    const pid = [0];
    if (!GetNamedPipeServerProcessId(handle, pid)) {
      throw new Error(`GetNamedPipeServerProcessId: Windows error ${GetLastError()}`);
    }
    const process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid[0]);
    if (!process) throw new Error(`opening process ${pid[0]}: Windows error ${GetLastError()}`);
    try {
      const name = new Uint16Array(32768);
      const size = [name.length];
      if (!QueryFullProcessImageNameW(process, 0, name, size)) {
        throw new Error(`the executable of process ${pid[0]}: Windows error ${GetLastError()}`);
      }
      return { pid: pid[0], exe: String.fromCharCode(...name.subarray(0, size[0])) };
    } finally {
      CloseHandle(process);
    }
  } finally {
    CloseHandle(handle);
  }
}

async function main(pipe = String.raw`\\.\pipe\piperpc-demo`, expectedExe) {
  const server = pipeServer(pipe);
  console.log(`server: process ${server.pid}, ${server.exe}`);
  if (expectedExe && server.exe.toLowerCase() !== expectedExe.toLowerCase()) {
    throw new Error(`${pipe} is served by ${server.exe}, not ${expectedExe}`);
  }

  // Your own .proto here; this one is the demo's (the repository's proto/).
  const definition = protoLoader.loadSync("piperpc/demo/v1/echo.proto", {
    includeDirs: [path.join(__dirname, "..", "..", "..", "proto")],
  });
  const { Echo } = grpc.loadPackageDefinition(definition).piperpc.demo.v1;
  const client = new Echo(`unix:${pipe}`, grpc.credentials.createInsecure());
  const reply = await new Promise((resolve, reject) =>
    client.Echo({ message: "hello from Node" }, { deadline: Date.now() + 10_000 }, (err, r) =>
      err ? reject(err) : resolve(r),
    ),
  );
  console.log(`reply: ${reply.message}`);
  client.close();
}

main(...process.argv.slice(2)).catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
