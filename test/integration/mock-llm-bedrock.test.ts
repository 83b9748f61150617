// Bedrock's runtime wire in the mock, over real HTTP: Converse, ConverseStream as CRC-checked binary
// event-stream frames, InvokeModel and InvokeModelWithResponseStream with Anthropic and Llama bodies, errors with x-amzn-ErrorType,
// and SigV4: required with requireAuth, checked for the mock's own test key (botocore's valid
// signatures pass in test/e2e/providers-bedrock.test.ts; a wrong one is refused here).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFrames } from "../../src/mock-llm/event-stream.js";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/server.js";
import { countTokens } from "../../src/mock-llm/tokens.js";

let mock: MockLlm;
let strict: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ echo: true });
  strict = await startMockLlm({ requireAuth: true });
});
afterAll(async () => {
  await mock.close();
  await strict.close();
});

const MODEL = encodeURIComponent("anthropic.claude-3-5-sonnet-20240620-v1:0");
const messages = [{ role: "user", content: [{ text: "hello bedrock" }] }];
const post = (base: MockLlm, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
// Response.json() is typed unknown; tests read arbitrary JSON.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
const signed = (key: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261207/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
  "x-amz-date": "20261207T050000Z",
});

describe("Bedrock in the mock", () => {
  it("answers Converse and InvokeModel with exact usage", async () => {
    const converse = await json(post(mock, `/model/${MODEL}/converse`, { messages, inferenceConfig: { maxTokens: 50 } }));
    expect(converse.output.message.content[0].text).toBe("hello bedrock");
    expect(converse.usage).toEqual({ inputTokens: countTokens("hello bedrock"), outputTokens: countTokens("hello bedrock"), totalTokens: 2 * countTokens("hello bedrock") });
    const anthropic = await json(post(mock, `/model/${MODEL}/invoke`, { anthropic_version: "bedrock-2023-05-31", max_tokens: 9, messages: [{ role: "user", content: "hi" }] }));
    expect([anthropic.type, anthropic.content[0].text, anthropic.usage.output_tokens]).toEqual(["message", "hi", countTokens("hi")]);
    const llama = await json(post(mock, "/model/meta.llama3-1-70b-instruct-v1%3A0/invoke", { prompt: "yo there", max_gen_len: 9 }));
    expect([llama.generation, llama.generation_token_count]).toEqual(["yo there", countTokens("yo there")]);
  });

  it("streams ConverseStream as checksummed event-stream frames ending in metadata", async () => {
    const res = await post(mock, `/model/${MODEL}/converse-stream`, { messages });
    expect(res.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    const frames = decodeFrames(Buffer.from(await res.arrayBuffer()));
    const types = frames.map((f) => f.headers[":event-type"]);
    expect([types[0], ...types.slice(-3)]).toEqual(["messageStart", "contentBlockStop", "messageStop", "metadata"]);
    const text = frames.filter((f) => f.headers[":event-type"] === "contentBlockDelta").map((f) => JSON.parse(f.payload.toString()).delta.text);
    expect(text.join("")).toBe("hello bedrock");
    expect(JSON.parse(frames.at(-1)!.payload.toString()).usage.outputTokens).toBe(countTokens("hello bedrock"));
  });

  it("streams InvokeModelWithResponseStream as chunk frames of base64 Anthropic and Llama bodies, metrics last", async () => {
    const bodiesOf = async (res: Response) =>
      decodeFrames(Buffer.from(await res.arrayBuffer())).map((f) => {
        expect(f.headers[":event-type"]).toBe("chunk");
        return JSON.parse(Buffer.from(JSON.parse(f.payload.toString()).bytes, "base64").toString("utf8"));
      });
    const metrics = { inputTokenCount: countTokens("hello bedrock"), outputTokenCount: countTokens("hello bedrock"), invocationLatency: 1, firstByteLatency: 1 };
    const res = await post(mock, `/model/${MODEL}/invoke-with-response-stream`, { anthropic_version: "bedrock-2023-05-31", max_tokens: 50, messages: [{ role: "user", content: "hello bedrock" }] });
    expect([res.headers.get("content-type"), res.headers.get("x-amzn-bedrock-content-type")]).toEqual(["application/vnd.amazon.eventstream", "application/json"]);
    const claude = await bodiesOf(res);
    expect(claude.map((b) => b.type).filter((t) => t !== "content_block_delta")).toEqual(["message_start", "content_block_start", "content_block_stop", "message_delta", "message_stop"]);
    expect(
      claude
        .filter((b) => b.type === "content_block_delta")
        .map((b) => b.delta.text)
        .join(""),
    ).toBe("hello bedrock");
    expect(claude.at(-1)["amazon-bedrock-invocationMetrics"]).toEqual(metrics);
    const llama = await bodiesOf(await post(mock, "/model/meta.llama3-1-70b-instruct-v1%3A0/invoke-with-response-stream", { prompt: "hello bedrock", max_gen_len: 50 }));
    expect(llama.map((b) => b.generation).join("")).toBe("hello bedrock");
    expect([llama[0].prompt_token_count, llama.at(-1).stop_reason, llama.at(-1)["amazon-bedrock-invocationMetrics"]]).toEqual([countTokens("hello bedrock"), "stop", metrics]);
  });

  it("refuses in Bedrock's shape: the code in x-amzn-ErrorType, the message in the body", async () => {
    const res = await post(mock, `/model/${MODEL}/converse`, { messages: [] });
    expect([res.status, res.headers.get("x-amzn-errortype")?.split(":")[0], typeof (await json(res)).message]).toEqual([400, "ValidationException", "string"]);
    const throttled = await post(mock, `/model/${MODEL}/converse`, { messages }, { "x-mock-status": "429" });
    expect([throttled.status, throttled.headers.get("x-amzn-errortype")?.split(":")[0]]).toEqual([429, "ThrottlingException"]);
  });

  it("requires SigV4 with requireAuth and checks the mock key's signature", async () => {
    const missing = await post(strict, `/model/${MODEL}/converse`, { messages });
    expect([missing.status, (await json(missing)).message]).toEqual([403, "Missing Authentication Token"]);
    const wrong = await post(strict, `/model/${MODEL}/converse`, { messages }, signed("AKIAIRONMOCK"));
    expect([wrong.status, (await json(wrong)).message]).toEqual([403, "The request signature we calculated does not match the signature you provided."]);
    expect((await post(strict, `/model/${MODEL}/converse`, { messages }, signed("AKIAOTHERKEY"))).status).toBe(200);
  });
});
