// A stock grpc-js server: piperpc.demo.v1.Echo implemented in Node, with
// server reflection (@grpc/reflection), for piperpc's clients to call.
//
// usage: node echo_server.js ADDRESS [STOP_FILE]
//   ADDRESS: unix:\\.\pipe\NAME on Windows (Node creates a byte-type
//            pipe), unix:/path/to.sock elsewhere
//   STOP_FILE: the server exits once this file exists (Wine gives a
//              Windows process no signal a script can send), and after
//              5 minutes in any case
//
// Prints "listening on ADDRESS" (without the unix: prefix) when it is
// ready, as piperpc's servers do.

"use strict";

const fs = require("node:fs");
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { ReflectionService } = require("@grpc/reflection");

const protoRoot = path.join(__dirname, "..", "..", "..", "proto");
const definition = protoLoader.loadSync("piperpc/demo/v1/echo.proto", {
  includeDirs: [protoRoot],
  longs: Number,
  defaults: true,
});
const { Echo } = grpc.loadPackageDefinition(definition).piperpc.demo.v1;

const echo = {
  Echo(call, callback) {
    const { message, payload, returnMetadata } = call.request;
    const metadata = {};
    if (returnMetadata) {
      for (const [key, value] of Object.entries(call.metadata.getMap())) {
        if (typeof value === "string") metadata[key] = value;
      }
    }
    callback(null, { message, payload, metadata, peerPid: 0 });
  },
  Count(call) {
    const { count, payloadSize } = call.request;
    for (let number = 1; number <= count; number++) {
      call.write({ number, payload: Buffer.alloc(payloadSize) });
    }
    call.end();
  },
  Collect(call, callback) {
    let count = 0;
    let totalBytes = 0;
    call.on("data", (r) => {
      count += 1;
      totalBytes += r.data.length;
    });
    call.on("end", () => callback(null, { count, totalBytes }));
  },
  Chat(call) {
    let sequence = 0;
    call.on("data", (r) => {
      sequence += 1;
      call.write({ sequence, text: `you said: ${r.text}` });
    });
    call.on("end", () => call.end());
  },
};

function main(address, stopFile) {
  if (!address) throw new Error("usage: node echo_server.js ADDRESS [STOP_FILE]");
  const server = new grpc.Server();
  server.addService(Echo.service, echo);
  new ReflectionService(definition).addToServer(server);
  server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) {
      console.error("FAILED to bind:", err);
      process.exit(1);
    }
    console.log(`listening on ${address.replace(/^unix:/, "")}`);
  });
  const stop = () => server.tryShutdown(() => process.exit(0));
  setTimeout(stop, 5 * 60_000).unref();
  if (stopFile) {
    setInterval(() => fs.existsSync(stopFile) && stop(), 200);
  }
}

main(process.argv[2], process.argv[3]);
