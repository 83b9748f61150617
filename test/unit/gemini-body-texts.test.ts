// Gemini bodies through the PII walk: the texts of contents, systemInstruction and candidates are
// scanned; ids, versions, reasons, mime types, media and thought signatures are not.
import { describe, expect, it } from "vitest";
import { mapBodyTexts } from "../../src/policy/pii/body-texts.js";

describe("Gemini bodies in the text walk", () => {
  it("maps only the texts", () => {
    const seen: string[] = [];
    mapBodyTexts(
      {
        contents: [{ role: "user", parts: [{ text: "a" }, { inlineData: { mimeType: "image/png", data: "iVBOR" } }] }],
        systemInstruction: { parts: [{ text: "b" }] },
        candidates: [{ content: { role: "model", parts: [{ text: "c", thoughtSignature: "CsQBAdHtim9" }] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: 3 },
        modelVersion: "gemini-2.5-flash",
        responseId: "rAbCdEfGhIjKlMnOpQrStU",
      },
      (text) => {
        seen.push(text);
        return text;
      },
    );
    expect(seen.sort()).toEqual(["a", "b", "c"]);
  });
});
