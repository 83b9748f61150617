// Protects the PII detectors against both kinds of error: a corpus of real-looking values
// each detector must find (with validators: Luhn, IBAN mod-97, SSN rules, E.164 country
// codes, IP validity) and a corpus of look-alikes it must not flag (timestamps, order ids,
// version numbers, UUIDs, hashes, failed checksums).
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS } from "../../src/policy/pii/detectors.js";
import { cachedScanner, scanText } from "../../src/policy/pii/scan.js";
import { cardValid, ibanValid, luhnValid, ssnValid } from "../../src/policy/pii/validators.js";
import { internationalValid, phoneValid } from "../../src/policy/pii/phone.js";

const found = (text: string): string[] => scanText(text, BUILTIN_DETECTORS).map((m) => `${m.detector.name}:${m.value}`);

// [text, what must be found (detector:value)]
const TRUE_CASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["write to jane.doe+news@example.co.uk today", ["email:jane.doe+news@example.co.uk"]],
  ["Contact: J.Smith@Mail-Server.example.org.", ["email:J.Smith@Mail-Server.example.org"]],
  ["mail bob_99@sub.domain.io, then call", ["email:bob_99@sub.domain.io"]],
  ["card 4111 1111 1111 1111 expires soon", ["credit_card:4111 1111 1111 1111"]],
  ["pay with 4111-1111-1111-1111", ["credit_card:4111-1111-1111-1111"]],
  ["amex 378282246310005 ok", ["credit_card:378282246310005"]],
  ["mastercard 5555 5555 5555 4444", ["credit_card:5555 5555 5555 4444"]],
  ["new mastercard range 2223003122003222", ["credit_card:2223003122003222"]],
  ["discover 6011 1111 1111 1117", ["credit_card:6011 1111 1111 1117"]],
  ["IBAN DE89 3704 0044 0532 0130 00 please", ["iban:DE89 3704 0044 0532 0130 00"]],
  ["to GB82WEST12345698765432 by friday", ["iban:GB82WEST12345698765432"]],
  ["FR1420041010050500013M02606", ["iban:FR1420041010050500013M02606"]],
  ["NL91ABNA0417164300", ["iban:NL91ABNA0417164300"]],
  ["my SSN is 123-45-6789", ["ssn:123-45-6789"]],
  ["ssn: 123456789", ["ssn:123456789"]],
  ["Social Security number 219 09 9998", ["ssn:219 09 9998"]],
  ["call me at +1 (415) 555-2671", ["phone:+1 (415) 555-2671"]],
  ["office: (415) 555-2671", ["phone:(415) 555-2671"]],
  ["reach us on 415-555-2671 or", ["phone:415-555-2671"]],
  ["US 415.555.2671 works", ["phone:415.555.2671"]],
  ["London +44 20 7946 0958", ["phone:+44 20 7946 0958"]],
  ["UK mobile 07700 900123", ["phone:07700 900123"]],
  ["Paris: +33 6 12 34 56 78", ["phone:+33 6 12 34 56 78"]],
  ["Berlin 0049 30 12345678", ["phone:0049 30 12345678"]],
  ["Tokyo +81-3-1234-5678", ["phone:+81-3-1234-5678"]],
  ["Mumbai +91 98765 43210", ["phone:+91 98765 43210"]],
  ["São Paulo +55 11 91234-5678", ["phone:+55 11 91234-5678"]],
  ["E.164 +14155552671", ["phone:+14155552671"]],
  ["phone: 4155552671", ["phone:4155552671"]],
  ["France 06 12 34 56 78", ["phone:06 12 34 56 78"]],
  ["server 192.168.1.20 is down", ["ipv4:192.168.1.20"]],
  ["from 8.8.8.8.", ["ipv4:8.8.8.8"]],
  ["v6 2001:db8:85a3::8a2e:370:7334 up", ["ipv6:2001:db8:85a3::8a2e:370:7334"]],
  ["link-local fe80::1%eth0 here", ["ipv6:fe80::1%eth0"]],
  ["loopback ::1 only", ["ipv6:::1"]],
  ["mapped ::ffff:192.0.2.128 too", ["ipv6:::ffff:192.0.2.128"]],
  ["key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdEFGH end", ["openai_key:sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdEFGH"]],
  ["legacy sk-T3BlbkFJabcdefghijklmnopqrstuvwxyz0123456789AB", ["openai_key:sk-T3BlbkFJabcdefghijklmnopqrstuvwxyz0123456789AB"]],
  ["ANTHROPIC_API_KEY=sk-ant-api03-AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKKK-_zz", ["anthropic_key:sk-ant-api03-AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKKK-_zz"]],
  ["aws AKIAIOSFODNN7EXAMPLE key", ["aws_access_key:AKIAIOSFODNN7EXAMPLE"]],
  ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["aws_secret_key:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]],
  ["token ghp_16C7e42F292c6912E7710c838347Ae178B4a ok", ["github_token:ghp_16C7e42F292c6912E7710c838347Ae178B4a"]],
  [
    "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ["jwt:eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
  ],
  ["-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----", ["private_key:-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----"]],
  ["Jane <jane@example.com>, +44 20 7946 0958, 4111111111111111", ["email:jane@example.com", "phone:+44 20 7946 0958", "credit_card:4111111111111111"]],
];

// Look-alikes that must not be flagged.
const FALSE_CASES: readonly string[] = [
  "logged at 2026-11-27T10:30:00Z by the worker",
  "2026-11-27 10:30:00.123+01:00 retry",
  "meeting 27/11/2026 at 10:30",
  "compact timestamp 20261127T103000Z",
  "epoch 1764239400 and 1764239400123 ms",
  "Order #415-555-2671 shipped",
  "order number: 4111 1111 1111 1111 123",
  "invoice no. 07700 900123",
  "ticket 123-45-6789 closed",
  "tracking id 4111111111111111",
  "version 10.0.19041.1 installed",
  "upgrade to v1.2.3.4 now",
  "release 2.4.10 and 1.2.3",
  "request id 550e8400-e29b-41d4-a716-446655440000",
  "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  "card 4111 1111 1111 1112 fails Luhn",
  "filler 0000 0000 0000 0000",
  "IBAN DE89 3704 0044 0532 0130 01 bad checksum",
  "SSN-like 000-12-3456 and 666-12-3456 and 912-34-5678",
  "bare 123456789 without context",
  "ip 256.1.1.1 and 1.2.3 and 01.02.03.04",
  "time 12:30:45 and mac 00:1a:2b:3c:4d:5e",
  "C++ std::vector and dead::beef",
  "price 1,234,567.89 USD",
  "+999 1234 5678 is no country",
  "call 555-0100",
  "isbn 978-3-16-148410-0",
  "sk-learn and sk-test-0000 are fine",
  "phone: 123",
  "email me at user@localhost",
  "In 2024 there were 1500 visitors, 35 staff and 12 000 page views",
  "it costs $1299.99 or 1 299,99 EUR",
  "dial 911 or 112",
  "coordinates 48.8584, 2.2945",
  "room 101-202-3034", // NANP-shaped but area code 101 cannot exist
  "see https://example.com/path?id=4155552671x",
];

describe("built-in detectors: true cases", () => {
  it.each(TRUE_CASES)("finds PII in %j", (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
});

describe("built-in detectors: false cases", () => {
  it.each(FALSE_CASES.map((t) => [t]))("flags nothing in %j", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("validators", () => {
  it("Luhn and card issuers", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
    expect(cardValid("4012888888881881")).toBe(true);
    expect(cardValid("1234567812345670")).toBe(false); // Luhn-valid, no issuer starts with 1
    expect(cardValid("5105105105105100")).toBe(true);
  });

  it("IBAN mod-97 and per-country length", () => {
    expect(ibanValid("BE68539007547034")).toBe(true);
    expect(ibanValid("BE6853900754703")).toBe(false); // one digit short for Belgium
    expect(ibanValid("XX82WEST12345698765432")).toBe(false); // no such country
  });

  it("SSN area, group and serial rules", () => {
    expect(ssnValid("123", "45", "6789")).toBe(true);
    expect(ssnValid("000", "45", "6789")).toBe(false);
    expect(ssnValid("666", "45", "6789")).toBe(false);
    expect(ssnValid("900", "45", "6789")).toBe(false);
    expect(ssnValid("123", "00", "6789")).toBe(false);
    expect(ssnValid("123", "45", "0000")).toBe(false);
  });

  it("international phone numbers by E.164 country code and national length", () => {
    expect(internationalValid("4479460958123")).toBe(false); // UK national number too long
    expect(internationalValid("442079460958")).toBe(true);
    expect(internationalValid("8613812345678")).toBe(true); // China mobile
    expect(internationalValid("99912345678")).toBe(false); // 999 is unassigned
    expect(internationalValid("14155552671")).toBe(true);
    expect(internationalValid("11155552671")).toBe(false); // NANP area codes never start with 1
    expect(phoneValid("5552671", true)).toBe(false); // seven digits: too short to be sure
  });
});

describe("cachedScanner", () => {
  it("answers every text as scanText does, short or long, repeated, alternating or new", () => {
    const scan = cachedScanner(BUILTIN_DETECTORS);
    const short = ["mail jane@example.com", "call +44 20 7946 0958", "nothing here", "mail bob@example.org"];
    const long = short.map((t) => `${t} — and some more words so that the text is long enough to be remembered by the cache`);
    const sequence = [...short, short[0], short[0], short[1], short[0], ...long, long[1], short[3], long[1], short[3], short[2]] as string[];
    for (const text of sequence) expect(scan(text).map((m) => [m.detector.name, m.start, m.value])).toEqual(scanText(text, BUILTIN_DETECTORS).map((m) => [m.detector.name, m.start, m.value]));
  });
});
