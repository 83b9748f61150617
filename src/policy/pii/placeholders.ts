// Typed placeholders, stable within a call: the same value always becomes the same
// `[EMAIL_1]`, in the request, the response and the stream alike.
import { createHash, createHmac } from "node:crypto";
import type { Detector } from "./detectors.js";

/** The placeholders (and hashes) of one call. */
export class Placeholders {
  readonly #byValue = new Map<string, { placeholder: string; sha256: string }>();
  readonly #counts = new Map<string, number>();
  readonly #salt: string;
  readonly #key: Buffer | null;

  /** `key`: the install secret; hashes are then HMAC-SHA-256 under it (plain SHA-256 without one). */
  constructor(salt = "", key: Buffer | null = null) {
    this.#salt = salt;
    this.#key = key;
  }

  /** The placeholder and keyed hash of a value (normalised, so two spellings of one value agree). */
  of(detector: Detector, value: string): { placeholder: string; sha256: string } {
    const normal = detector.normalize?.(value) ?? value;
    const key = `${detector.label}\u0000${normal}`;
    let entry = this.#byValue.get(key);
    if (entry === undefined) {
      const n = (this.#counts.get(detector.label) ?? 0) + 1;
      this.#counts.set(detector.label, n);
      entry = { placeholder: `[${detector.label}_${n}]`, sha256: (this.#key === null ? createHash("sha256") : createHmac("sha256", this.#key)).update(this.#salt + normal).digest("hex") };
      this.#byValue.set(key, entry);
    }
    return entry;
  }
}
