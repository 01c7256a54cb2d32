// Machi's service worker (written into the static site as sw.js by app/webbuild.py, which fills
// in VERSION and PRECACHE, and registers it from index.html).
//  * install: store the app shell (Flutter client, Pyodide, the app archive with the city data,
//    wheels, fonts, icons) in one cache per build; activate: drop older builds' caches.
//  * fetch: the site's files from the cache first (the network for anything not stored, kept
//    for next time); page navigations from the network first, the stored page when offline;
//    the backend's city bundle from the network first, the last stored copy when offline.
//  * push: a Web Push message (JSON {title, body, tag, url, lang}, see docs/backend.md) is shown
//    as a notification whose tag is the occurrence key, so a repeat replaces rather than stacks;
//    notificationclick focuses an open window of the app or opens one at the message's url.
"use strict";

const VERSION = "dev";
const PRECACHE = [];
const SHELL = "machi-shell-" + VERSION;
const DATA = "machi-data";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(PRECACHE);
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("machi-shell-") && name !== SHELL) await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

function isCityData(url) {
  return /\/v1\/cities\/[^/]+\/bundle$/.test(url.pathname);
}

async function networkFirst(request, cacheName, fallbackUrl) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(fallbackUrl || request, response.clone());
    return response;
  } catch (error) {
    const stored = (await cache.match(fallbackUrl || request)) || (await caches.match(fallbackUrl || request));
    if (stored) return stored;
    throw error;
  }
}

async function cacheFirst(request) {
  const stored = await caches.match(request, { ignoreSearch: true });
  if (stored) return stored;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(SHELL);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // every route of the app is the same page (path routing): store it under "./"
    event.respondWith(networkFirst(request, SHELL, new URL("./", self.registration.scope).href));
  } else if (isCityData(url)) {
    event.respondWith(networkFirst(request, DATA));
  } else if (url.pathname.startsWith(new URL("./v1/", self.registration.scope).pathname)) {
    return; // the rest of the backend's API: always the network
  } else {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "Machi";
  const options = {
    body: data.body || "",
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    lang: data.lang || undefined,
    icon: "icons/icon-192.png",
    badge: "icons/icon-192.png",
    data: { url: data.url || "./" },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "./", self.registration.scope);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin === target.origin && "focus" in client) {
          if (client.url !== target.href && "navigate" in client) await client.navigate(target.href);
          return client.focus();
        }
      }
      return self.clients.openWindow(target.href);
    })()
  );
});
