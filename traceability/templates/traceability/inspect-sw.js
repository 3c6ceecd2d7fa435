{% autoescape off %}/* OCOP Market: service worker of the inspector's page (scope /inspect/).
 *
 * Cache version {{ version }}: it changes when an asset's URL or content changes, so the
 * browser installs this worker again and the old cache is dropped.
 *
 * - the page (/inspect/): network first (4 s), else the copy cached for that language;
 * - the published keys: network first, else the cached copy (the page keeps one too);
 * - the page's static files: cache first (their URLs are versioned in production);
 * - everything else (resolver, API, admin): straight to the network, never cached.
 */
"use strict";

const CONFIG = {{ config_json }};
const CACHE = "ocop-inspect-" + CONFIG.version;
const PAGE = CONFIG.page;
const KEYS = CONFIG.keys;
const ASSETS = new Set(CONFIG.assets);
const PAGE_TIMEOUT_MS = 4000;

function pageKey(lang) {
  return lang ? PAGE + "?" + CONFIG.languageParam + "=" + encodeURIComponent(lang) : PAGE;
}

async function putPage(cache, response) {
  const lang = response.headers.get("Content-Language");
  await cache.put(PAGE, response.clone());
  if (lang) await cache.put(pageKey(lang), response.clone());
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...ASSETS]);
      // The page and the keys as they are now; both refresh whenever the phone is online.
      for (const url of [PAGE, KEYS]) {
        try {
          const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
          if (!response.ok) continue;
          if (url === PAGE) await putPage(cache, response);
          else await cache.put(url, response);
        } catch (error) {
          // Installed while the network dropped: the next online visit fills these in.
        }
      }
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("ocop-inspect-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

async function cachedPage(cache, url) {
  const lang = url.searchParams.get(CONFIG.languageParam);
  return (
    (lang && (await cache.match(pageKey(lang), { ignoreVary: true }))) ||
    (await cache.match(PAGE, { ignoreVary: true }))
  );
}

async function page(request, url) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await putPage(cache, response);
    return response;
  });
  try {
    const response = await withTimeout(network, PAGE_TIMEOUT_MS);
    if (response.ok) return response;
    return (await cachedPage(cache, url)) || response;
  } catch (error) {
    const cached = await cachedPage(cache, url);
    if (cached) return cached;
    return network; // nothing cached: let the browser show its own error
  }
}

async function keys(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(KEYS, response.clone());
      return response;
    }
    return (await cache.match(KEYS, { ignoreVary: true })) || response;
  } catch (error) {
    const cached = await cache.match(KEYS, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

async function asset(request, url) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(url.pathname, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(url.pathname, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (url.pathname === KEYS) {
    event.respondWith(keys(request));
  } else if (ASSETS.has(url.pathname)) {
    event.respondWith(asset(request, url));
  }
});
{% endautoescape %}
