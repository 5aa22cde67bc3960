// Calls a piperpc server with Node's stock gRPC client (@grpc/grpc-js),
// default channel options, over a `unix:` target: every RPC kind of the
// Echo service, then 500 calls on one channel with metadata of their own so
// the HPACK dynamic table fills and evicts.
//
// usage: node grpc_js_client.js unix:/path/to.sock
// Prints one line per check; exits non-zero on the first failure.

"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const protoRoot = path.join(__dirname, "..", "..", "proto");
const definition = protoLoader.loadSync("piperpc/demo/v1/echo.proto", {
  includeDirs: [protoRoot],
  longs: Number,
});
const { Echo } = grpc.loadPackageDefinition(definition).piperpc.demo.v1;

function deadline() {
  return { deadline: Date.now() + 10_000 };
}

function unary(client, method, request, metadata = new grpc.Metadata()) {
  return new Promise((resolve, reject) =>
    client[method](request, metadata, deadline(), (err, reply) => (err ? reject(err) : resolve(reply))),
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
  const client = new Echo(target, grpc.credentials.createInsecure());

  const echoed = await unary(client, "Echo", { message: "from grpc-js" });
  assert.equal(echoed.message, "from grpc-js");
  console.log("echo: from grpc-js");

  const counted = await collectStream(client.Count({ count: 3 }, deadline()));
  assert.deepEqual(counted.map((r) => r.number), [1, 2, 3]);
  console.log("count: 1 2 3");

  const collected = await new Promise((resolve, reject) => {
    const call = client.Collect(deadline(), (err, reply) => (err ? reject(err) : resolve(reply)));
    for (const data of ["alpha", "beta", "gamma"]) call.write({ data: Buffer.from(data) });
    call.end();
  });
  assert.equal(collected.count, 3);
  assert.equal(collected.totalBytes, 14);
  console.log("collect: 3 messages, 14 bytes");

  const chat = client.Chat(deadline());
  const answers = collectStream(chat);
  chat.write({ text: "hi" });
  chat.write({ text: "bye" });
  chat.end();
  assert.deepEqual((await answers).map((r) => r.text), ["you said: hi", "you said: bye"]);
  console.log("chat: you said: hi / you said: bye");

  for (let i = 0; i < 500; i++) {
    const metadata = new grpc.Metadata();
    metadata.set("x-call", String(i));
    metadata.set(`x-tag-${i % 37}`, "v".repeat(i % 200) + i);
    const reply = await unary(client, "Echo", { message: "m", returnMetadata: true }, metadata);
    assert.equal(reply.metadata["x-call"], String(i));
    assert.equal(reply.metadata[`x-tag-${i % 37}`], "v".repeat(i % 200) + i);
  }
  console.log("500 calls with varied metadata: all intact");
  client.close();
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(1);
});
