/* OCOP Market: the inspector's stamp checker (/inspect/), offline first.
 *
 * 1. Verify: parse the stamp URI exactly as the server does (traceability/digital_link.py
 *    parse_stamp_uri, which uses Python's urlsplit and biip), rebuild the signed message
 *    "/01/{gtin14}/10/{lot}/21/{serial}" from the decoded values, decode the signature as
 *    Python's base64.urlsafe_b64decode does (traceability/signing.py) and check it with
 *    WebCrypto Ed25519, or with the vendored @noble/ed25519 where WebCrypto lacks Ed25519.
 *    window.ocopVerify(uri) -> Promise<{verdict: "GENUINE"|"FORGED"|"INVALID", reason, kid}>.
 * 2. Online, ask the resolver (Accept: application/json) for recalls, voided stamps and scans.
 * 3. Record inspections in IndexedDB (photo as a Blob) and send them to the API when online.
 */

const CONFIG = JSON.parse(document.getElementById("inspect-config").textContent);
const MSG = CONFIG.messages;
const KEYS_STORAGE = "ocop-trace-keys";
const PROVINCE_STORAGE = "ocop-inspect-province";

function fmt(message, values = {}) {
  return message.replace(/%\((\w+)\)s/g, (_, name) => (name in values ? String(values[name]) : ""));
}

/* ------------------------------------------------------------------------------------------
 * Parsing, the server's way. Every rule below mirrors a line of Python; keep them in step.
 * ---------------------------------------------------------------------------------------- */

// str.isspace() characters: what Python's str.strip() removes (not the same set as JS trim).
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
  0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
  0x205f, 0x3000,
]);

function pyStrip(text) {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.has(text.charCodeAt(start))) start++;
  while (end > start && PY_SPACE.has(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

// The zero of every run of decimal digits Python's re \d and int() accept (Unicode 14).
const DIGIT_ZEROS = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6,
  0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50,
  0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0,
  0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0,
  0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce,
  0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

function digitValue(char) {
  const code = char.codePointAt(0);
  for (const zero of DIGIT_ZEROS) {
    if (code >= zero && code <= zero + 9) return code - zero;
  }
  return -1;
}

// biip's primary identifiers (a path prefix ends at the first of them) and the qualifiers
// GTIN (01) takes, in the only order allowed.
const PRIMARY_KEYS = new Set([
  "01", "8006", "8013", "8010", "414", "415", "417", "8017", "8018", "255", "00", "253", "401",
  "402", "8003", "8004",
]);
const GTIN_QUALIFIERS = ["22", "10", "21", "235"];
const CSET82 = "[!%-?A-Z_a-z\"]";
const AI_PATTERNS = {
  22: new RegExp(`^${CSET82}{1,20}$`),
  10: new RegExp(`^${CSET82}{1,20}$`),
  21: new RegExp(`^${CSET82}{1,20}$`),
  235: new RegExp(`^${CSET82}{1,28}$`),
};

const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true }); // Python keeps a BOM

function asciiBytes(text, out) {
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i));
}

// urllib.parse.unquote: %XX in runs of ASCII become bytes, decoded as UTF-8 with U+FFFD for
// errors; anything else (a lone '%', non-ASCII characters) stays as it is.
function pyUnquote(text) {
  if (!text.includes("%")) return text;
  return text.replace(/[\x00-\x7f]+/g, (run) => {
    const bits = run.split("%");
    const bytes = [];
    asciiBytes(bits[0], bytes);
    for (const item of bits.slice(1)) {
      if (/^[0-9A-Fa-f]{2}/.test(item)) {
        bytes.push(parseInt(item.slice(0, 2), 16));
        asciiBytes(item.slice(2), bytes);
      } else {
        bytes.push(0x25);
        asciiBytes(item, bytes);
      }
    }
    return UTF8.decode(Uint8Array.from(bytes));
  });
}

function pyZfill(text, width) {
  const chars = Array.from(text);
  if (chars.length >= width) return text;
  const fill = "0".repeat(width - chars.length);
  if (chars[0] === "+" || chars[0] === "-") return chars[0] + fill + chars.slice(1).join("");
  return fill + text;
}

class Malformed extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

// ipaddress.ip_address() for what urlsplit finds between brackets: an IPv6 address
// (optionally with a %scope) or an IPvFuture "v1.x"; an IPv4 address there is an error.
function checkBracketedHost(host) {
  if (host.startsWith("v")) {
    if (!/^v[a-fA-F0-9]+\.[^\n]+$/u.test(host)) throw new Malformed("reason_not_link");
    return;
  }
  let address = host;
  const percent = host.indexOf("%");
  if (percent >= 0) {
    const scope = host.slice(percent + 1);
    if (!scope || scope.includes("%")) throw new Malformed("reason_not_link");
    address = host.slice(0, percent);
  }
  if (!isIPv6(address)) throw new Malformed("reason_not_link");
}

function isIPv4(text) {
  const octets = text.split(".");
  if (octets.length !== 4) return false;
  return octets.every(
    (octet) => /^[0-9]{1,3}$/.test(octet) && Number(octet) <= 255 && !(octet.length > 1 && octet[0] === "0")
  );
}

function isIPv6(text) {
  if (!text) return false;
  let parts = text.split(":");
  if (parts.length < 3) return false;
  const last = parts[parts.length - 1];
  if (last.includes(".")) {
    if (!isIPv4(last)) return false;
    parts = parts.slice(0, -1).concat(["0", "0"]);
  }
  if (parts.length > 9) return false;
  let skip = null;
  for (let i = 1; i < parts.length - 1; i++) {
    if (!parts[i]) {
      if (skip !== null) return false;
      skip = i;
    }
  }
  let before;
  let after;
  if (skip !== null) {
    before = skip;
    after = parts.length - skip - 1;
    if (!parts[0]) {
      before -= 1;
      if (before) return false;
    }
    if (!parts[parts.length - 1]) {
      after -= 1;
      if (after) return false;
    }
    if (before + after > 7) return false;
  } else {
    if (parts.length !== 8) return false;
    if (!parts[0] || !parts[parts.length - 1]) return false;
    before = parts.length;
    after = 0;
  }
  const hextets = parts.slice(0, before).concat(after ? parts.slice(-after) : []);
  return hextets.every((part) => /^[0-9A-Fa-f]{1,4}$/.test(part));
}

// urllib.parse._checknetloc: refuse hosts that NFKC-normalise into URL delimiters.
function checkNetloc(netloc) {
  if (!netloc || /^[\x00-\x7f]*$/.test(netloc)) return;
  const stripped = netloc.replace(/[@:#?]/g, "");
  const normalized = stripped.normalize("NFKC");
  if (stripped === normalized) return;
  for (const char of "/?#@:") {
    if (normalized.includes(char)) throw new Malformed("reason_not_link");
  }
}

/**
 * parse_stamp_uri: {gtin, lot, serial, signature, path, query} or throws Malformed.
 * The server's urlsplit errors (a bad IPv6 host...) make it fail too; here they are INVALID.
 */
export function parseStampUri(input) {
  const text = pyStrip(String(input ?? ""));
  const lower = text.toLowerCase();
  if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
    throw new Malformed("reason_not_link");
  }
  // urlsplit: drop tabs and newlines anywhere, take the scheme, the netloc after "//".
  const url = text.replace(/[\t\r\n]/g, "");
  let rest = url.slice(url.indexOf(":") + 1);
  let delim = rest.length;
  for (const char of "/?#") {
    const at = rest.indexOf(char, 2);
    if (at >= 0) delim = Math.min(delim, at);
  }
  const netloc = rest.slice(2, delim);
  rest = rest.slice(delim);
  const open = netloc.includes("[");
  const close = netloc.includes("]");
  if (open !== close) throw new Malformed("reason_not_link");
  if (open) checkBracketedHost(netloc.split("[").slice(1).join("[").split("]")[0]);
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const question = rest.indexOf("?");
  const path = question >= 0 ? rest.slice(0, question) : rest;
  const query = question >= 0 ? rest.slice(question + 1) : "";
  checkNetloc(netloc);

  // The s parameter exactly as written, and none when there are several
  // (digital_link.signature_from_query).
  const signatures = query.split("&").filter((pair) => pair.startsWith("s="));
  const signature = signatures.length === 1 ? signatures[0].slice(2) : "";

  // biip GS1DigitalLinkURI.parse of the path: skip a prefix up to the first primary key.
  let parts = path.split("/");
  while (parts.length && !PRIMARY_KEYS.has(parts[0])) parts.shift();
  if (!parts.length || parts.length % 2 !== 0) throw new Malformed("reason_not_dl");
  // Another primary identifier cannot carry a GTIN: the server refuses it one way or another.
  if (parts[0] !== "01") throw new Malformed("reason_needs_ais");
  parts = parts.map(pyUnquote);
  const gtin = pyZfill(parts[1], 14);
  const gtinChars = Array.from(gtin);
  if (gtinChars.length !== 14 || gtinChars.some((char) => digitValue(char) < 0)) {
    throw new Malformed("reason_not_dl");
  }
  const expected = [...GTIN_QUALIFIERS];
  const values = {};
  for (let i = 2; i < parts.length; i += 2) {
    const key = parts[i];
    let found = false;
    while (expected.length) {
      if (expected.shift() === key) {
        found = true;
        break;
      }
    }
    if (!found) throw new Malformed("reason_not_dl");
    if (!AI_PATTERNS[key].test(parts[i + 1])) throw new Malformed("reason_not_dl");
    values[key] = parts[i + 1];
  }
  if (!("10" in values) || !("21" in values)) throw new Malformed("reason_needs_ais");
  // digital_link._check_serial: a "/" in the serial would let the signed path read two ways.
  if (values["21"].includes("/")) throw new Malformed("reason_not_dl");
  // GS1 mod-10 check digit over the 14 digits (leading zeros weigh nothing).
  const digits = gtinChars.map(digitValue);
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += digits[12 - i] * (i % 2 === 0 ? 3 : 1);
  if ((10 - (sum % 10)) % 10 !== digits[13]) throw new Malformed("reason_bad_gtin");
  return {
    // as_gtin_14(): the check digit comes back as an ASCII digit.
    gtin: gtinChars.slice(0, 13).join("") + String(digits[13]),
    lot: values["10"],
    serial: values["21"],
    signature,
    path,
    query,
  };
}

// base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)) with CPython's lenient decoder:
// '-_' and '+/' both count, other characters are skipped, padding ends the data early.
const B64 = new Int8Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  .split("")
  .forEach((char, index) => {
    B64[char.charCodeAt(0)] = index;
  });
B64["-".charCodeAt(0)] = 62;
B64["_".charCodeAt(0)] = 63;

export function pyB64UrlDecode(value) {
  if (!/^[\x00-\x7f]*$/.test(value)) return null; // str.encode("ascii") fails
  const text = value + "=".repeat((4 - (value.length % 4)) % 4);
  const out = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3d) {
      if (quad >= 2 && quad + ++pads >= 4) return Uint8Array.from(out);
      continue;
    }
    const bits = B64[code];
    if (bits < 0) continue;
    pads = 0;
    if (quad === 0) {
      left = bits;
      quad = 1;
    } else if (quad === 1) {
      out.push(((left << 2) | (bits >> 4)) & 0xff);
      left = bits & 0x0f;
      quad = 2;
    } else if (quad === 2) {
      out.push(((left << 4) | (bits >> 2)) & 0xff);
      left = bits & 0x03;
      quad = 3;
    } else {
      out.push(((left << 6) | bits) & 0xff);
      quad = 0;
    }
  }
  return quad === 0 ? Uint8Array.from(out) : null;
}

function strictB64Url(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = pyB64UrlDecode(text);
  return bytes;
}

/* ------------------------------------------------------------------------------------------
 * Keys and signature engines
 * ---------------------------------------------------------------------------------------- */

let keyring = new Map(); // kid -> Uint8Array(32)
let keysSource = "none";

function setKeys(jwks, source) {
  const next = new Map();
  for (const key of (jwks && jwks.keys) || []) {
    if (!key || key.kty !== "OKP" || key.crv !== "Ed25519" || typeof key.kid !== "string") continue;
    const raw = strictB64Url(key.x);
    if (raw && raw.length === 32) next.set(key.kid, raw);
  }
  if (!next.size) return false;
  keyring = next;
  keysSource = source;
  document.documentElement.dataset.keys = source;
  return true;
}

function loadStoredKeys() {
  try {
    return setKeys(JSON.parse(localStorage.getItem(KEYS_STORAGE) || "null"), "stored");
  } catch (error) {
    return false;
  }
}

async function refreshKeys() {
  try {
    const response = await fetch(CONFIG.keysUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return false;
    const jwks = await response.json();
    if (!setKeys(jwks, "fetched")) return false;
    try {
      localStorage.setItem(KEYS_STORAGE, JSON.stringify(jwks));
    } catch (error) {
      // Storage full or disabled: the service worker still has its copy.
    }
    return true;
  } catch (error) {
    return false;
  }
}

const fetchedKeys = refreshKeys();
const keysReady = loadStoredKeys() ? Promise.resolve(true) : fetchedKeys;

// RFC 8032 test 1: an engine must accept it and refuse it with one bit changed.
const hex = (text) => Uint8Array.from(text.match(/../g), (byte) => parseInt(byte, 16));
const TEST_KEY = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
const TEST_SIG = hex(
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
);

const engineKeys = new Map(); // raw public key (hex) -> CryptoKey, for the WebCrypto engine
const toHex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

const webCryptoEngine = {
  name: "webcrypto",
  async verify(raw, signature, message) {
    const id = toHex(raw);
    let key = engineKeys.get(id);
    if (!key) {
      key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
      engineKeys.set(id, key);
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  },
};

let noblePromise = null;
function nobleEngine() {
  noblePromise ??= import(CONFIG.nobleUrl).then(
    (ed) => ({
      name: "noble",
      // zip215: false is RFC 8032 / FIPS 186-5 strict, like OpenSSL on the server.
      verify: (raw, signature, message) =>
        ed.verifyAsync(signature, message, raw, { zip215: false }),
    }),
    (error) => {
      noblePromise = null; // not cached yet (first visit offline?): try again next time
      throw error;
    }
  );
  return noblePromise;
}

async function selfTest(engine) {
  const bad = TEST_SIG.slice();
  bad[0] ^= 1;
  const empty = new Uint8Array(0);
  return (
    (await engine.verify(TEST_KEY, TEST_SIG, empty)) === true &&
    (await engine.verify(TEST_KEY, bad, empty)) === false
  );
}

let defaultEngine = null;
function chooseEngine() {
  defaultEngine ??= (async () => {
    try {
      if (globalThis.crypto?.subtle && (await selfTest(webCryptoEngine))) return webCryptoEngine;
    } catch (error) {
      // No Ed25519 in this browser's WebCrypto.
    }
    return nobleEngine();
  })().then(
    (engine) => {
      document.documentElement.dataset.engine = engine.name;
      return engine;
    },
    (error) => {
      defaultEngine = null;
      throw error;
    }
  );
  return defaultEngine;
}

async function engineFor(name) {
  if (name === "noble") return nobleEngine();
  if (name === "webcrypto") return webCryptoEngine;
  return chooseEngine();
}

const encoder = new TextEncoder();

/**
 * The offline verdict of a scanned or typed stamp URI, as the server's
 * parse_stamp_uri + signing.verify would give it: GENUINE, FORGED or INVALID.
 * options.engine: "webcrypto" or "noble" to force one (tests); default: the best available.
 */
export async function verifyStamp(uri, options = {}) {
  let code;
  try {
    code = parseStampUri(uri);
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    return { verdict: "INVALID", reason: error.reason, kid: "" };
  }
  const dot = code.signature.indexOf(".");
  const kid = dot >= 0 ? code.signature.slice(0, dot) : code.signature;
  const value = dot >= 0 ? code.signature.slice(dot + 1) : "";
  const result = (verdict, reason) => ({ verdict, reason, kid, code });
  if (!code.signature) return result("FORGED", "reason_no_signature");
  await keysReady;
  if (!keyring.size) {
    await fetchedKeys;
    if (!keyring.size) return result("UNKNOWN", "reason_no_keys");
  }
  const raw = keyring.get(kid);
  if (!raw) return result("FORGED", value ? "reason_unknown_key" : "reason_bad_signature");
  if (!value) return result("FORGED", "reason_bad_signature");
  // Only the exact printed text verifies (signing.SIGNATURE_PATTERN, KEY_ID_PATTERN).
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid) || !/^[A-Za-z0-9_-]{85}[AQgw]$/.test(value)) {
    return result("FORGED", "reason_bad_signature");
  }
  const signature = pyB64UrlDecode(value);
  if (!signature || signature.length !== 64) return result("FORGED", "reason_bad_signature");
  const message = encoder.encode(`/01/${code.gtin}/10/${code.lot}/21/${code.serial}`);
  const engine = await engineFor(options.engine);
  let valid = false;
  try {
    valid = await engine.verify(raw, signature, message);
  } catch (error) {
    valid = false;
  }
  return valid ? result("GENUINE", "reason_genuine") : result("FORGED", "reason_bad_signature");
}

// For tests and the console: {verdict, reason (the message shown), reasonKey, kid}.
window.ocopVerify = async (uri, options) => {
  const { verdict, reason, kid } = await verifyStamp(uri, options);
  return { verdict, reason: fmt(MSG[reason] || reason, { kid }), reasonKey: reason, kid };
};
window.ocopInspect = {
  parseStampUri,
  pyB64UrlDecode: (text) => {
    const bytes = pyB64UrlDecode(text);
    return bytes && Array.from(bytes);
  },
  keysReady: () => keysReady.then(() => keyring.size),
  keysSource: () => keysSource,
  engine: () => chooseEngine().then((engine) => engine.name),
};

/* ------------------------------------------------------------------------------------------
 * The page
 * ---------------------------------------------------------------------------------------- */

const $ = (id) => document.getElementById(id);
const ui = {
  net: $("net-status"),
  pending: $("pending-count"),
  form: $("check-form"),
  code: $("code"),
  checkMessage: $("check-message"),
  scanButton: $("scan-button"),
  scanner: $("scanner"),
  video: $("scanner-video"),
  scanHint: $("scanner-hint"),
  scanStop: $("scan-stop"),
  result: $("result"),
  verdict: $("verdict"),
  verdictLabel: $("verdict-label"),
  verdictReasons: $("verdict-reasons"),
  phoneCheck: $("phone-check"),
  serverStatus: $("server-status"),
  warnings: $("warnings"),
  product: $("product"),
  codeParts: $("code-parts"),
  record: $("inspection-form"),
  note: $("note"),
  photo: $("photo"),
  photoPreview: $("photo-preview"),
  syncMessage: $("sync-message"),
  signIn: $("sign-in"),
  syncButton: $("sync-button"),
  province: $("province"),
};

function show(element, visible = true) {
  element.hidden = !visible;
}

function say(element, text) {
  element.textContent = text || "";
  show(element, Boolean(text));
}

function verdictLabel(verdict) {
  return MSG[`verdict_${verdict}`] || MSG.verdict_unknown;
}

function setVerdict(verdict, reasons) {
  ui.verdict.className = `verdict verdict--${verdict}`;
  ui.verdict.dataset.verdict = verdict;
  ui.verdictLabel.textContent = verdictLabel(verdict);
  ui.verdictReasons.replaceChildren(
    ...reasons.filter(Boolean).map((reason) => {
      const p = document.createElement("p");
      p.className = "verdict__reason";
      p.textContent = reason;
      return p;
    })
  );
}

function updateNetStatus() {
  const online = navigator.onLine;
  ui.net.dataset.online = online ? "1" : "0";
  ui.net.textContent = online ? MSG.online : MSG.offline;
  ui.net.classList.toggle("inspect-pill--offline", !online);
}

function province() {
  return localStorage.getItem(PROVINCE_STORAGE) || "";
}

let current = null; // {uri, offline: verdict, server: json|null}
let checkSerial = 0;

async function check(uri) {
  const serial = ++checkSerial;
  say(ui.checkMessage, "");
  ui.verdict.dataset.verdict = "";
  const started = performance.now();
  let outcome;
  try {
    outcome = await verifyStamp(uri);
  } catch (error) {
    outcome = { verdict: "UNKNOWN", reason: "reason_no_keys", kid: "" };
  }
  if (serial !== checkSerial) return;
  const verdict = outcome.verdict.toLowerCase();
  current = { uri: pyStrip(uri), offline: verdict, server: null };
  ui.result.dataset.ms = String(Math.round(performance.now() - started));
  setVerdict(verdict, [fmt(MSG[outcome.reason] || "", { kid: outcome.kid })]);
  ui.phoneCheck.dataset.verdict = verdict;
  ui.phoneCheck.textContent = "";
  show(ui.warnings, false);
  show(ui.product, false);
  showCodeParts(outcome.code);
  show(ui.result);
  show(ui.record);
  if (verdict !== "genuine") navigator.vibrate?.([120, 60, 120]);
  ui.result.scrollIntoView({ block: "start", behavior: "smooth" });
  if (outcome.code && navigator.onLine) {
    ui.serverStatus.textContent = MSG.server_checking;
    ui.serverStatus.dataset.state = "checking";
    askServer(uri, outcome, serial);
  } else if (outcome.code) {
    ui.serverStatus.textContent = MSG.server_offline;
    ui.serverStatus.dataset.state = "offline";
  } else {
    ui.serverStatus.textContent = "";
    ui.serverStatus.dataset.state = "";
  }
}

function showCodeParts(code) {
  show(ui.codeParts, Boolean(code));
  if (!code) return;
  for (const part of ["gtin", "lot", "serial"]) {
    ui.codeParts.querySelector(`[data-part="${part}"]`).textContent = code[part];
  }
}

function resolverUrl(code) {
  const where = province() ? `province=${encodeURIComponent(province())}` : "";
  const query = [code.query, where].filter(Boolean).join("&");
  return code.path + (query ? `?${query}` : "");
}

async function fetchJson(url) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!(response.headers.get("Content-Type") || "").includes("application/json")) return null;
  return response.json();
}

async function askServer(uri, outcome, serial) {
  let data = null;
  try {
    // The resolver itself (the stamp's path and query on this server), then the API, which
    // takes a whole URI for links the resolver's path does not match (a path prefix...).
    if (outcome.code.path.startsWith("/01/")) data = await fetchJson(resolverUrl(outcome.code));
    if (!data || !data.verdict) {
      const params = new URLSearchParams({ uri: pyStrip(uri) });
      if (province()) params.set("province", province());
      data = await fetchJson(`${CONFIG.verifyApiUrl}?${params}`);
    }
  } catch (error) {
    data = null;
  }
  if (serial !== checkSerial) return;
  if (!data || !data.verdict) {
    ui.serverStatus.textContent = MSG.server_error;
    ui.serverStatus.dataset.state = "error";
    return;
  }
  current.server = data.verdict;
  showServerVerdict(data, outcome);
}

function showServerVerdict(data, outcome) {
  const phone = outcome.verdict.toLowerCase();
  setVerdict(data.verdict, data.reasons || []);
  ui.serverStatus.textContent = "";
  ui.serverStatus.dataset.state = "done";
  ui.phoneCheck.textContent = fmt(MSG.phone_check, { verdict: verdictLabel(phone) });
  const warnings = data.warnings || [];
  ui.warnings.replaceChildren(
    ...warnings.map((warning) => {
      const li = document.createElement("li");
      li.dataset.rule = warning.rule;
      li.textContent = `⚠ ${warning.message}`;
      return li;
    })
  );
  show(ui.warnings, warnings.length > 0);
  if (!data.product) {
    show(ui.product, false);
    return;
  }
  $("product-name").textContent = data.product.name || "";
  const stars = data.product.ocop_stars ? ` · OCOP ${"★".repeat(data.product.ocop_stars)}` : "";
  $("product-variant").textContent = (data.product.variant || "") + stars;
  const fields = {
    cooperative: data.cooperative?.name,
    place: data.cooperative?.place,
    lot: data.batch?.lot,
    stamp: data.stamp?.number,
    production_date: data.batch?.production_date,
    best_before: data.batch?.best_before,
    certificate: data.product?.certificate,
  };
  for (const [name, value] of Object.entries(fields)) {
    const dd = ui.product.querySelector(`[data-field="${name}"]`);
    dd.textContent = value ?? "";
    show(dd, value != null && value !== "");
    show(dd.previousElementSibling, value != null && value !== "");
  }
  const scans = data.scans || {};
  let scanText = scans.count
    ? fmt(MSG.scans_count, { n: scans.count, first: (scans.first_at || "").slice(0, 10) })
    : "";
  if (scans.first_province) scanText += ` ${fmt(MSG.scans_place, { place: scans.first_province })}`;
  $("scans").textContent = scanText;
  $("scans").dataset.count = String(scans.count || 0);
  show(ui.product);
}

/* Camera (static/traceability/qr-camera.js, shared with the cooperative's packing screen) */

let camera = null; // a QrCamera, once its module is loaded (the first scan)
let cameraStarting = false;

function stopScan() {
  camera?.stop();
  show(ui.scanner, false);
  show(ui.scanButton);
}

async function startScan() {
  if (camera?.active || cameraStarting) return;
  cameraStarting = true;
  say(ui.checkMessage, "");
  try {
    if (!camera) {
      const { QrCamera } = await import(CONFIG.cameraUrl);
      camera = new QrCamera(ui.video, {
        jsqrUrl: CONFIG.jsqrUrl,
        onStream: () => {
          show(ui.scanner);
          show(ui.scanButton, false);
          ui.scanHint.textContent = MSG.camera_looking;
        },
        onCode: (value) => {
          stopScan();
          navigator.vibrate?.(80);
          ui.code.value = value;
          check(value);
        },
      });
    }
    await camera.start();
  } catch (error) {
    stopScan();
    say(ui.checkMessage, fmt(MSG.camera_error, { error: error.name || error.message }));
  } finally {
    cameraStarting = false;
  }
}

/* Inspection queue (IndexedDB) --------------------------------------------------------------- */

const DB_NAME = "ocop-inspect";
const STORE = "inspections";
let dbPromise = null;

function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: "client_id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return dbPromise;
}

async function store(mode, action) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(STORE, mode);
    const request = action(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request?.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

const queue = {
  add: (item) => store("readwrite", (s) => s.put(item)),
  all: () => store("readonly", (s) => s.getAll()),
  remove: (id) => store("readwrite", (s) => s.delete(id)),
  count: () => store("readonly", (s) => s.count()),
};

async function updatePending() {
  let count = 0;
  try {
    count = await queue.count();
  } catch (error) {
    count = 0;
  }
  ui.pending.textContent = String(count);
  ui.pending.dataset.count = String(count);
  show(ui.syncButton, count > 0);
  return count;
}

// A phone photo is often 4-12 MB; the server takes 8 MB. Send at most 1600 px as JPEG.
async function shrinkPhoto(file) {
  if (!file) return null;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close?.();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    if (blob) return { blob, name: "inspection.jpg" };
  } catch (error) {
    // An image the browser cannot decode: send it as it is, the server decides.
  }
  const name = /\.(jpe?g|png|gif|webp|heic|heif)$/i.test(file.name) ? file.name : "inspection.jpg";
  return { blob: file, name };
}

async function saveInspection(event) {
  event.preventDefault();
  if (!current) {
    say(ui.syncMessage, MSG.need_code);
    return;
  }
  const result = ui.record.querySelector('input[name="result"]:checked');
  if (!result) {
    say(ui.syncMessage, MSG.need_result);
    return;
  }
  const photo = await shrinkPhoto(ui.photo.files[0]);
  await queue.add({
    client_id: crypto.randomUUID(),
    code: current.uri,
    result: result.value,
    note: ui.note.value.trim(),
    photo: photo ? photo.blob : null,
    photo_name: photo ? photo.name : "",
    inspected_at: new Date().toISOString(),
    offline_verdict: current.offline,
    province: province(),
  });
  ui.record.reset();
  show(ui.photoPreview, false);
  show(ui.record, false);
  say(ui.syncMessage, MSG.saved);
  // Ask the browser not to evict the queue when the phone runs short of space.
  navigator.storage?.persist?.().catch(() => {});
  await updatePending();
  syncQueue();
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

let syncing = null;
let syncAgain = false;

function syncQueue() {
  if (syncing) {
    syncAgain = true;
    return syncing;
  }
  syncing = (async () => {
    do {
      syncAgain = false;
      await sendQueued();
    } while (syncAgain);
  })().finally(() => {
    syncing = null;
  });
  return syncing;
}

async function sendQueued() {
  if (!navigator.onLine) {
    await updatePending();
    return;
  }
  let items;
  try {
    items = await queue.all();
  } catch (error) {
    return;
  }
  items.sort((a, b) => a.inspected_at.localeCompare(b.inspected_at));
  let sent = 0;
  const refused = [];
  for (const item of items) {
    const body = new FormData();
    for (const field of ["client_id", "code", "result", "note", "inspected_at", "offline_verdict", "province"]) {
      body.append(field, item[field] ?? "");
    }
    if (item.photo) body.append("photo", item.photo, item.photo_name || "inspection.jpg");
    let response;
    try {
      response = await fetch(CONFIG.inspectionsUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": cookie(CONFIG.csrfCookieName), Accept: "application/json" },
      });
    } catch (error) {
      break; // offline again: keep the rest
    }
    if (response.status === 200 || response.status === 201) {
      await queue.remove(item.client_id);
      sent += 1;
      show(ui.signIn, false);
    } else if (response.status === 401 || response.status === 403) {
      show(ui.signIn); // keep it; it goes once the inspector signs in
      break;
    } else if (response.status === 400 || response.status === 413 || response.status === 422) {
      let error = "";
      try {
        error = (await response.json()).error || "";
      } catch (parseError) {
        error = response.statusText;
      }
      await queue.remove(item.client_id); // bad data would never go through: drop it
      const code = item.code.length > 60 ? `${item.code.slice(0, 60)}…` : item.code;
      refused.push(fmt(MSG.refused, { code, error }));
    } else {
      break; // server trouble: try again later
    }
  }
  const messages = [];
  if (sent) messages.push(fmt(MSG.sent, { n: sent }));
  messages.push(...refused);
  if (messages.length) say(ui.syncMessage, messages.join(" "));
  ui.syncMessage.dataset.sent = String(sent);
  ui.syncMessage.dataset.refused = String(refused.length);
  await updatePending();
}

/* Wiring ------------------------------------------------------------------------------------ */

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  stopScan();
  const value = ui.code.value;
  if (!pyStrip(value)) {
    ui.code.focus();
    return;
  }
  check(value);
});
ui.code.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.scanButton.addEventListener("click", startScan);
ui.scanStop.addEventListener("click", stopScan);
document.addEventListener("visibilitychange", () => {
  if (document.hidden) stopScan();
});
ui.record.addEventListener("submit", saveInspection);
ui.photo.addEventListener("change", () => {
  const file = ui.photo.files[0];
  if (ui.photoPreview.src) URL.revokeObjectURL(ui.photoPreview.src);
  if (file) ui.photoPreview.src = URL.createObjectURL(file);
  show(ui.photoPreview, Boolean(file));
});
ui.syncButton.addEventListener("click", () => syncQueue());
ui.province.value = province();
ui.province.addEventListener("change", () => {
  localStorage.setItem(PROVINCE_STORAGE, ui.province.value);
});
window.addEventListener("online", () => {
  updateNetStatus();
  refreshKeys();
  syncQueue();
});
window.addEventListener("offline", updateNetStatus);

updateNetStatus();
updatePending().then(() => syncQueue());
chooseEngine();
keysReady.then(() => {
  document.documentElement.dataset.ready = "1";
});
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(CONFIG.swUrl, { scope: CONFIG.scope }).catch(() => {
    // No service worker (private mode, http): the page still works while online.
  });
}
