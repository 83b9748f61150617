// Protects agreement between the two codecs on generated values (not only the checked-in vectors):
// values the Python shim's fuzz generator makes, encoded by Python, decode in TypeScript to the same
// value and re-encode to the same bytes; values fast-check makes, encoded by TypeScript, are read by
// Python and written back byte for byte. One Python process each way.
import { execa } from "execa";
import fc from "fast-check";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decode, encode } from "../../src/protocol/codec.js";
import { FIXTURES, REPO } from "../helpers/iron.js";
import { expandValue } from "../helpers/vectors.js";
import { wireValue } from "../helpers/wire-values.js";

const SCRIPT = join(FIXTURES, "codec_agreement.py");
const env = { PYTHONPATH: join(REPO, "python"), PYTHONDONTWRITEBYTECODE: "1" };
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** True when the tagged value holds a float with an integral value (TypeScript writes those as ints). */
function hasIntegralFloat(tagged: unknown): boolean {
  if (Array.isArray(tagged)) return tagged.some(hasIntegralFloat);
  if (tagged === null || typeof tagged !== "object") return false;
  if ("$float" in tagged && Object.keys(tagged).length === 1) return true;
  return Object.values(tagged).some(hasIntegralFloat);
}

describe("the TypeScript and Python codecs agree on generated values", () => {
  it("decodes what Python encoded, and encodes it back to the same bytes", async () => {
    const { stdout } = await execa("python3", [SCRIPT, "gen", "500", "20261128"], { env });
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { hex: string; value: unknown });
    expect(lines).toHaveLength(500);
    for (const line of lines) {
      const value = expandValue(line.value);
      expect(decode(Uint8Array.from(Buffer.from(line.hex, "hex")))).toEqual(value);
      if (!hasIntegralFloat(line.value)) expect(hex(encode(value))).toBe(line.hex);
      else expect(decode(encode(value))).toEqual(value);
    }
  });

  it("Python reads what TypeScript encoded and writes back the same bytes", async () => {
    const values = fc.sample(wireValue, { numRuns: 500, seed: 20261128 });
    const sent = values.map((value) => hex(encode(value)));
    const { stdout } = await execa("python3", [SCRIPT, "check"], { env, input: `${sent.join("\n")}\n` });
    const answers = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { hex: string; value: unknown });
    expect(answers).toHaveLength(values.length);
    answers.forEach((answer, i) => {
      expect(answer.hex).toBe(sent[i]);
      expect(expandValue(answer.value)).toEqual(values[i]);
    });
  });
});
