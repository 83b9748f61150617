// Typed placeholders, stable within a call: the same value always becomes the same
// `[EMAIL_1]`, in the request, the response and the stream alike.
import { createHash } from "node:crypto";
import type { Detector } from "./detectors.js";

/** The placeholders (and hashes) of one call. */
export class Placeholders {
  readonly #byValue = new Map<string, { placeholder: string; sha256: string }>();
  readonly #counts = new Map<string, number>();
  readonly #salt: string;

  constructor(salt = "") {
    this.#salt = salt;
  }

  /** The placeholder and SHA-256 of a value (normalised, so two spellings of one value agree). */
  of(detector: Detector, value: string): { placeholder: string; sha256: string } {
    const normal = detector.normalize?.(value) ?? value;
    const key = `${detector.label}\u0000${normal}`;
    let entry = this.#byValue.get(key);
    if (entry === undefined) {
      const n = (this.#counts.get(detector.label) ?? 0) + 1;
      this.#counts.set(detector.label, n);
      entry = { placeholder: `[${detector.label}_${n}]`, sha256: createHash("sha256").update(this.#salt + normal).digest("hex") };
      this.#byValue.set(key, entry);
    }
    return entry;
  }
}
