// Pictures shared on this server shown under the message that links them: a small
// thumbnail (lazy, with the file's name as its text) for links to the server's own
// upload endpoint whose files are images. Nothing is fetched from other sites (the
// page's CSP forbids it too): other links stay links, for privacy.

import { addComposeItem, addMessageRenderer } from "./hooks.js";
import { linkPieces } from "./linkify.js";
import { stripFormatting } from "./irc.js";

const TOKEN = "soju.im/FILEHOST";
const PREVIEWABLE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
const MAX_KNOWN = 1000; // links whose type is remembered
const MAX_PER_MESSAGE = 4; // thumbnails under one message

/** url -> {type, name} once known, or a Promise while its HEAD is under way */
const known = new Map();
let context = null;

addComposeItem((container, ctx) => {
  context = ctx;
});

/** What we already know of a link (our own uploads: their type and name). */
export function remember(url, type, name) {
  known.set(url, { type, name });
  if (known.size > MAX_KNOWN) known.delete(known.keys().next().value);
}

/** Whether `href` is a file on this server's upload endpoint (never another origin). */
export function isOwnUpload(href, state = context?.state) {
  const value = state?.isupport?.[TOKEN];
  if (!value) return false;
  try {
    const base = new URL(value, window.location.href); // its path, on this page's origin (upload.js)
    const url = new URL(href);
    const prefix = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
    return url.origin === window.location.origin && url.pathname.startsWith(prefix) && url.pathname.length > prefix.length && !url.search;
  } catch {
    return false;
  }
}

/** The file name in a Content-Disposition (filename* first), or null. */
export function filenameOf(disposition) {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      /* the plain one below */
    }
  }
  const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(disposition);
  return plain ? plain[1].replace(/\\(.)/g, "$1") : null;
}

/** Learn a link's type with a HEAD (same origin only); the conversation is drawn again. */
function lookUp(url, conv) {
  const pending = fetch(url, { method: "HEAD", credentials: "omit", cache: "force-cache" })
    .then((answer) => {
      const type = answer.ok ? (answer.headers.get("Content-Type") ?? "").split(";")[0].trim() : "";
      remember(url, type, filenameOf(answer.headers.get("Content-Disposition")) ?? "");
    })
    .catch(() => remember(url, "", ""))
    .finally(() => {
      if (PREVIEWABLE.has(known.get(url)?.type)) context?.state?.redraw(conv);
    });
  known.set(url, pending);
}

addMessageRenderer((message, conv, container, ctx) => {
  if (message.redacted || !["privmsg", "notice", "action"].includes(message.kind)) return;
  let shown = 0;
  const row = document.createElement("div");
  row.className = "previews";
  for (const piece of linkPieces(stripFormatting(message.text))) {
    if (!piece.href || shown >= MAX_PER_MESSAGE || !isOwnUpload(piece.href, ctx.state)) continue;
    const url = new URL(piece.href).href;
    const info = known.get(url);
    if (info === undefined) lookUp(url, conv);
    if (!info || info instanceof Promise || !PREVIEWABLE.has(info.type)) continue;
    const link = document.createElement("a");
    link.className = "preview";
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    const image = document.createElement("img");
    image.loading = "lazy";
    image.decoding = "async";
    image.src = url;
    image.alt = info.name ? `Picture: ${info.name}` : "Shared picture";
    image.title = info.name || "";
    link.append(image);
    row.append(link);
    shown++;
  }
  if (shown) container.append(row);
});
