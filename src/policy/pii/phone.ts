// Phone numbers: international numbers (+CC or 00CC) are checked against the ITU-T E.164
// country codes and each country's national number length; national numbers are the North
// American plan (NXX-NXX-XXXX) or trunk-prefixed (0…) numbers written in groups.

// National significant number lengths [min, max] of common countries (ITU-T E.164 / national plans).
const NSN_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  "1": [10, 10],
  "7": [10, 10],
  "20": [8, 10],
  "27": [9, 9],
  "30": [10, 10],
  "31": [9, 9],
  "32": [8, 9],
  "33": [9, 9],
  "34": [9, 9],
  "36": [8, 9],
  "39": [6, 11],
  "40": [9, 9],
  "41": [9, 9],
  "43": [4, 13],
  "44": [7, 10],
  "45": [8, 8],
  "46": [7, 13],
  "47": [8, 8],
  "48": [9, 9],
  "49": [6, 13],
  "51": [8, 9],
  "52": [10, 10],
  "54": [10, 11],
  "55": [10, 11],
  "56": [9, 9],
  "57": [8, 10],
  "60": [7, 10],
  "61": [9, 9],
  "62": [8, 12],
  "63": [8, 10],
  "64": [8, 10],
  "65": [8, 8],
  "66": [8, 9],
  "81": [9, 10],
  "82": [8, 10],
  "84": [9, 10],
  "86": [10, 11],
  "90": [10, 10],
  "91": [10, 10],
  "92": [9, 10],
  "234": [8, 10],
  "254": [9, 9],
  "351": [9, 9],
  "352": [4, 11],
  "353": [7, 9],
  "358": [5, 12],
  "380": [9, 9],
  "420": [9, 9],
  "852": [8, 8],
  "886": [8, 9],
  "966": [9, 9],
  "971": [8, 9],
  "972": [8, 9],
};

// Every other assigned country code (E.164 codes are prefix-free, so a number has exactly one).
const OTHER_CODES = new Set(
  (
    "53 58 93 94 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 235 236 237 238 239 240 " +
    "241 242 243 244 245 246 247 248 249 250 251 252 253 255 256 257 258 260 261 262 263 264 265 266 267 268 269 290 291 " +
    "297 298 299 350 354 355 356 357 359 370 371 372 373 374 375 376 377 378 379 381 382 383 385 386 387 389 421 423 500 " +
    "501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 " +
    "681 682 683 685 686 687 688 689 690 691 692 850 853 855 856 880 960 961 962 963 964 965 967 968 970 973 974 975 976 " +
    "977 992 993 994 995 996 998"
  ).split(" "),
);

/** The country code a string of international digits starts with, or null when none is assigned. */
export function countryCode(digits: string): string | null {
  for (const width of [1, 2, 3]) {
    const code = digits.slice(0, width);
    if (NSN_LENGTHS[code] !== undefined || OTHER_CODES.has(code)) return code;
  }
  return null;
}

/** An international number (the digits after + or 00): assigned country code, plausible national length. */
export function internationalValid(digits: string): boolean {
  if (digits.length < 8 || digits.length > 15) return false;
  const code = countryCode(digits);
  if (code === null) return false;
  const national = digits.length - code.length;
  const [min, max] = NSN_LENGTHS[code] ?? [6, 12];
  if (national < min || national > max) return false;
  if (code === "1") return nanpValid(digits.slice(1));
  return !/^0/.test(digits.slice(code.length)) || code === "39";
}

/** A North American number: area code and exchange start with 2–9, the area is not N11. */
export function nanpValid(ten: string): boolean {
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(ten) && !/^\d11/.test(ten);
}

/** How a candidate was written: the digits, the prefix, and the groups its separators made. */
export interface PhoneShape {
  readonly digits: string;
  readonly international: boolean;
  readonly groups: readonly string[];
  readonly separators: string;
}

/** Splits a candidate such as `+44 (0)20 7946 0958` or `(555) 123-4567` into its shape. */
export function phoneShape(candidate: string): PhoneShape {
  let text = candidate.trim();
  let international = false;
  if (text.startsWith("+")) {
    international = true;
    text = text.slice(1);
  } else if (text.startsWith("00")) {
    international = true;
    text = text.slice(2);
  }
  // "+44 (0)20 …": the bracketed trunk zero is not dialled from abroad.
  if (international) text = text.replace(/\(0\)\s*/, "");
  const groups = text.split(/[\s().-]+/).filter((g) => g !== "");
  const separators = text.replace(/[\d]/g, "");
  return { digits: groups.join(""), international, groups, separators };
}

/**
 * Whether a candidate is a phone number. `context` is true when words such as "phone" or
 * "call" stand just before it: then a bare run of digits counts too.
 */
export function phoneValid(candidate: string, context: boolean): boolean {
  const shape = phoneShape(candidate);
  const { digits, groups } = shape;
  if (shape.international) return internationalValid(digits);
  // Dots make versions and addresses; only the North American 3.3.4 form is a phone number.
  if (shape.separators.includes(".") && !/^\d{3}\.\d{3}\.\d{4}$/.test(candidate.trim().replace(/^1\./, ""))) return false;
  const grouped = groups.length >= 2;
  if (digits.length === 10 || (digits.length === 11 && digits.startsWith("1"))) {
    const ten = digits.length === 11 ? digits.slice(1) : digits;
    if (nanpValid(ten) && (context || nanpGrouping(groups))) return true;
  }
  // Trunk-prefixed national numbers: 020 7946 0958, 07700 900123, 06 12 34 56 78, 030 1234567.
  if (/^0[1-9]/.test(digits) && digits.length >= 10 && digits.length <= 11) return context || (grouped && groups.every((g) => g.length >= 2));
  return false;
}

// (555) 123-4567, 555-123-4567, 555 123 4567, 1-555-123-4567.
function nanpGrouping(groups: readonly string[]): boolean {
  const sizes = groups.map((g) => g.length).join(",");
  return sizes === "3,3,4" || sizes === "1,3,3,4";
}
