/* OCOP Market: reading a stamp's QR code with the phone's camera (an ES module).
 *
 * Shared by the inspector's page (static/traceability/inspect.js) and the cooperative's
 * packing screen (static/orders/packing.js). BarcodeDetector where the browser has it for QR
 * codes, else the vendored jsQR (static/vendor/jsqr), loaded on first use from `jsqrUrl`.
 *
 *   const camera = new QrCamera(video, {jsqrUrl, onCode(value) {...}, onStream() {...}});
 *   await camera.start();   // throws the getUserMedia error (error.name) or a jsQR load error
 *   camera.stop();
 *
 * `onCode` is called for every code read (about 6 frames a second) until `stop()`: a page
 * that wants one code stops the camera in it; one that scans on (packing) ignores repeats.
 */

function loadScript(src) {
  return new Promise((resolve, reject) => {
    if (window.jsQR) return resolve();
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

export async function makeDetector(jsqrUrl) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async (video) => {
          const codes = await detector.detect(video);
          return codes.length ? codes[0].rawValue : null;
        };
      }
    } catch (error) {
      // Fall back to jsQR below.
    }
  }
  await loadScript(jsqrUrl);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    const scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    if (!canvas.width || !canvas.height) return null;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = window.jsQR(image.data, image.width, image.height, {
      inversionAttempts: "attemptBoth",
    });
    return found ? found.data : null;
  };
}

export class QrCamera {
  constructor(video, { jsqrUrl, onCode, onStream = () => {}, interval = 150 }) {
    this.video = video;
    this.jsqrUrl = jsqrUrl;
    this.onCode = onCode;
    this.onStream = onStream;
    this.interval = interval;
    this.session = null;
  }

  get active() {
    return this.session !== null;
  }

  async start() {
    if (this.session) return;
    if (!navigator.mediaDevices?.getUserMedia) throw new Error("getUserMedia");
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } },
      audio: false,
    });
    const session = { stream, stopped: false };
    this.session = session;
    this.onStream();
    this.video.srcObject = stream;
    try {
      await this.video.play();
    } catch (error) {
      // Autoplay refused: frames still arrive for drawing.
    }
    let detect;
    try {
      detect = await makeDetector(this.jsqrUrl);
    } catch (error) {
      this.stop();
      throw error;
    }
    const tick = async () => {
      if (session.stopped) return;
      let value = null;
      if (this.video.readyState >= 2) {
        try {
          value = await detect(this.video);
        } catch (error) {
          value = null;
        }
      }
      if (session.stopped) return;
      if (value) this.onCode(value);
      if (!session.stopped) setTimeout(tick, this.interval);
    };
    tick();
  }

  stop() {
    const session = this.session;
    if (!session) return;
    session.stopped = true;
    for (const track of session.stream.getTracks()) track.stop();
    this.video.srcObject = null;
    this.session = null;
  }
}
