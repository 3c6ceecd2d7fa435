/* OCOP Market: the cooperative's packing screen (orders/admin/suborder_packing.html).
 *
 * Without this script every form posts and the page comes back with a message. With it:
 * - the scan field sends each code as it is entered (a USB scanner types the stamp's link and
 *   presses Enter; scans are sent one after another, never two at once), clears itself for the
 *   next one, and the answer (JSON) is announced (aria-live), with a short sound: a high beep
 *   for a unit ticked, a low double buzz for a refusal; the line that changed is re-drawn
 *   from the HTML the server sends (the units already shown stay), the progress follows, and
 *   "Mark as packed" is enabled once no unit is missing;
 * - the camera button reads QR codes with static/traceability/qr-camera.js (shared with the
 *   inspector's page) and sends each new code the same way.
 */

const form = document.getElementById("pack-scan-form");
const input = document.getElementById("pack-code");
const result = document.getElementById("pack-result");
const lines = document.getElementById("pack-lines");
const strings = document.getElementById("pack-strings")?.dataset || {};
const doneButton = document.getElementById("pack-done");
const missingText = document.getElementById("pack-missing");
const progress = document.getElementById("pack-progress");
const progressText = document.getElementById("pack-progress-text");
const cameraButton = document.getElementById("pack-camera");
const cameraStop = document.getElementById("pack-camera-stop");
const scanner = document.getElementById("pack-scanner");
const video = document.getElementById("pack-video");

function fmt(message, values) {
  return String(message || "").replace(/%\((\w+)\)s/g, (_, name) =>
    name in values ? String(values[name]) : ""
  );
}

/* Sounds (Web Audio: no files) ---------------------------------------------------------- */

let audio = null;

function audioContext() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  audio ??= new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
  return audio;
}

function tone(context, { at, frequency, duration, type }) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = type;
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + duration);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(at);
  oscillator.stop(at + duration + 0.02);
}

function beep(ok) {
  const context = audioContext();
  if (!context) return;
  const now = context.currentTime;
  if (ok) {
    tone(context, { at: now, frequency: 1320, duration: 0.09, type: "sine" });
  } else {
    tone(context, { at: now, frequency: 220, duration: 0.16, type: "square" });
    tone(context, { at: now + 0.22, frequency: 180, duration: 0.22, type: "square" });
  }
  document.documentElement.dataset.lastSound = ok ? "ok" : "error";
}

/* Answers -------------------------------------------------------------------------------- */

function announce(text, state) {
  // Emptied first, so the same refusal twice in a row is announced twice.
  result.textContent = "";
  result.dataset.state = state;
  requestAnimationFrame(() => {
    result.textContent = text;
  });
}

function showCounts(data) {
  if (typeof data.missing !== "number") return;
  if (progress) {
    progress.max = Math.max(data.units, 1);
    progress.value = data.packed;
    progress.textContent = `${data.packed}/${data.units}`;
  }
  if (progressText) {
    progressText.dataset.packed = String(data.packed);
    progressText.textContent = fmt(strings.progress, { packed: data.packed, units: data.units });
  }
  if (doneButton) {
    doneButton.disabled = data.missing > 0;
    if (data.missing > 0) doneButton.setAttribute("aria-describedby", "pack-missing");
    else doneButton.removeAttribute("aria-describedby");
  }
  if (missingText) {
    missingText.textContent = fmt(strings.missing, { n: data.missing });
    missingText.hidden = data.missing === 0;
  }
}

/* A unit packed: the answer draws its line (counts, batches to choose, the units recorded by
 * batch) with the unit just scanned as its only scanned unit; the scanned units already on
 * the page move into it, so an answer stays as small at the 400th unit as at the first. */
function showLine(line) {
  const shown = lines.querySelector(`.pack-line[data-line="${line.id}"]`);
  const drawn = document.createElement("template");
  drawn.innerHTML = line.html;
  const fresh = drawn.content.querySelector(".pack-line");
  if (!fresh) return;
  if (!shown) {
    lines.append(fresh);
    return;
  }
  const added = fresh.querySelector(`.pack-unit[data-stamp="${line.stamp}"]`);
  if (added) {
    for (const unit of shown.querySelectorAll(".pack-unit[data-stamp]")) {
      if (unit.dataset.stamp !== String(line.stamp)) added.before(unit);
    }
  }
  shown.replaceWith(fresh);
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

function csrfToken() {
  return form.querySelector("input[name=csrfmiddlewaretoken]")?.value || cookie("csrftoken");
}

async function send(code) {
  const body = new FormData();
  body.append("code", code);
  let data = null;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "XMLHttpRequest",
      },
    });
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!data) {
    beep(false);
    announce(strings.networkError, "refused");
    return;
  }
  // The control-character check answers {error} before the view: the same refusal.
  const message = data.message || data.error || "";
  beep(Boolean(data.ok));
  announce(message, data.ok ? "ok" : "refused");
  result.dataset.reason = data.reason || "";
  if (data.ok && data.line && typeof data.line.html === "string") showLine(data.line);
  else if (data.ok && typeof data.html === "string") lines.innerHTML = data.html;
  showCounts(data);
}

// One scan at a time, in the order they came: a scanner may type the next code at once.
// data-pending and data-sent on the form tell what is on its way and what was answered.
let queue = Promise.resolve();
let pending = 0;
let sent = 0;

function submitCode(code) {
  const text = code.trim();
  if (!text) return;
  pending += 1;
  form.dataset.pending = String(pending);
  queue = queue
    .then(() => send(text))
    .finally(() => {
      pending -= 1;
      sent += 1;
      form.dataset.sent = String(sent);
      form.dataset.pending = String(pending);
    });
}

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    audioContext(); // a key press or a click: the browser lets the page play sounds now
    const code = input.value;
    input.value = "";
    input.focus();
    submitCode(code);
  });
  form.dataset.pending = "0";
  form.dataset.sent = "0";
  form.dataset.ready = "1";
}

/* Camera -------------------------------------------------------------------------------- */

let camera = null;
let lastCode = "";
let lastAt = 0;

function stopCamera() {
  camera?.stop();
  if (scanner) scanner.hidden = true;
  if (cameraButton) cameraButton.hidden = false;
}

async function startCamera() {
  audioContext();
  try {
    if (!camera) {
      const { QrCamera } = await import(form.dataset.cameraUrl);
      camera = new QrCamera(video, {
        jsqrUrl: form.dataset.jsqrUrl,
        onStream: () => {
          scanner.hidden = false;
          cameraButton.hidden = true;
        },
        onCode: (value) => {
          // The same stamp stays in front of the camera for a while: send it once.
          const now = Date.now();
          if (value === lastCode && now - lastAt < 3000) return;
          lastCode = value;
          lastAt = now;
          navigator.vibrate?.(60);
          submitCode(value);
        },
      });
    }
    await camera.start();
  } catch (error) {
    stopCamera();
    beep(false);
    announce(fmt(strings.cameraError, { error: error.name || error.message }), "refused");
  }
}

if (form && cameraButton && navigator.mediaDevices?.getUserMedia) {
  cameraButton.hidden = false;
  cameraButton.addEventListener("click", startCamera);
  cameraStop.addEventListener("click", stopCamera);
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stopCamera();
  });
}
