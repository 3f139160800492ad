// Sharing files (soju.im/FILEHOST): when the server names an upload endpoint on this
// page's own origin, a button picks a file, and a file dropped on the conversation or
// an image pasted into the compose box is sent too: POST with the file's bytes, its
// type and name, and the account's login (HTTP Basic, from memory). Progress shows
// under the compose box; on success the file's link goes into the box, to be sent.

import { addComposeItem, on } from "./hooks.js";
import { insertAtCursor } from "./emoji.js";
import { remember as rememberPreview } from "./previews.js";

const TOKEN = "soju.im/FILEHOST";
const OCTET = "application/octet-stream";

/** What an HTTP refusal means to the person who shared the file. */
const REFUSALS = {
  400: "The server could not read the upload.",
  401: "The server did not accept your login for sharing files (log in with an account).",
  403: "You may not share files on this server.",
  404: "This server does not take files (any more).",
  413: "That file is too large for this server.",
  415: "This kind of file cannot be shared here (pictures, PDF, text, audio, video and zip files can).",
  429: "Too many uploads in a short time: wait a minute and try again.",
  503: "The server is busy: try again in a moment.",
  507: "The server has no room left for files: try again later.",
};

let context = null;
let button = null;
let status = null;
let busy = 0;

/** The upload endpoint when the server names one: its path on this page's own origin.
 *  The page and its WebSocket come from the same server, which may name itself by
 *  another address (its server name when it listens on every interface); the CSP lets
 *  the page reach only its own origin anyway. */
export function endpoint(state = context?.state) {
  const value = state?.isupport?.[TOKEN];
  if (!value) return null;
  try {
    const named = new URL(value, window.location.href);
    if (named.protocol !== "https:" && named.protocol !== "http:") return null;
    return new URL(named.pathname, window.location.origin);
  } catch {
    return null;
  }
}

/** Base64 of UTF-8 text (btoa alone takes only Latin-1). */
function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Content-Disposition for `name` (RFC 6266): an ASCII fallback and the UTF-8 name. */
export function disposition(name) {
  const fallback = [...name].map((c) => (c >= " " && c <= "~" && !`"\\%`.includes(c) ? c : "_")).join("");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return fallback === name ? `attachment; filename="${name}"` : `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function refresh() {
  if (button) button.hidden = !endpoint();
}

function say(text, error = false) {
  if (error) context?.info(text, true);
  status.querySelector(".upload-text").textContent = text;
  status.querySelector("progress").hidden = true;
  status.hidden = !text;
  clearTimeout(say.timer);
  if (text) say.timer = setTimeout(() => !busy && (status.hidden = true), error ? 8000 : 4000);
}

function progress(name, loaded, total) {
  clearTimeout(say.timer);
  status.hidden = false;
  const bar = status.querySelector("progress");
  bar.hidden = false;
  bar.max = total || 1;
  bar.value = loaded;
  const percent = total ? Math.floor((100 * loaded) / total) : 0;
  status.querySelector(".upload-text").textContent = `Uploading ${name}… ${percent}%`;
}

/** A refusal in plain words: the server's own reason when it gives one ("413 Payload
 *  Too Large: Over your quota: ..."), else what the status means. */
function refusal(request) {
  const reason = /^\d{3} [^:\n]+: ([^\n]{1,200})/.exec(request.responseText ?? "");
  if (reason) return `${reason[1].replace(/\.?$/, ".")}`;
  return REFUSALS[request.status] ?? `the upload failed (${request.status} ${request.statusText}).`;
}

/** Send one file; its link goes into the compose box. */
export function upload(file) {
  const url = endpoint();
  const creds = context?.credentials;
  if (!url) return;
  if (!creds?.account || !creds.password || creds.register) {
    say("Log in with an account to share files.", true);
    return;
  }
  if (!file.size) {
    say(`${file.name || "That file"} is empty: nothing to share.`, true);
    return;
  }
  const name = file.name || "file";
  const type = file.type || OCTET;
  const request = new XMLHttpRequest();
  request.open("POST", url.href);
  request.setRequestHeader("Content-Type", type);
  request.setRequestHeader("Content-Disposition", disposition(name));
  request.setRequestHeader("Authorization", `Basic ${base64(`${creds.account}:${creds.password}`)}`);
  request.upload.addEventListener("progress", (event) => progress(name, event.loaded, event.lengthComputable ? event.total : file.size));
  request.addEventListener("load", () => {
    busy--;
    if (request.status === 201) {
      const location = request.getResponseHeader("Location") || request.responseText.trim();
      let link;
      try {
        link = new URL(location, url).href;
      } catch {
        say("The server's answer had no link to the file.", true);
        return;
      }
      rememberPreview(link, type, name);
      const input = document.getElementById("input");
      const before = input.value.slice(0, input.selectionStart ?? input.value.length);
      insertAtCursor(input, `${before && !/\s$/.test(before) ? " " : ""}${link} `);
      say(`${name} is uploaded: its link is in the message box.`);
    } else {
      say(`${name}: ${refusal(request)}`, true);
    }
  });
  for (const failure of ["error", "abort", "timeout"]) {
    request.addEventListener(failure, () => {
      busy--;
      say(`${name}: the upload did not reach the server (the connection failed).`, true);
    });
  }
  busy++;
  progress(name, 0, file.size);
  request.send(file);
}

addComposeItem((container, ctx) => {
  context = ctx;
  const picker = document.createElement("input");
  picker.type = "file";
  picker.id = "upload-file";
  picker.hidden = true;
  picker.tabIndex = -1;
  picker.setAttribute("aria-hidden", "true");
  picker.addEventListener("change", () => {
    for (const file of picker.files) upload(file);
    picker.value = "";
  });
  button = document.createElement("button");
  button.type = "button";
  button.id = "upload-button";
  button.className = "icon compose-item";
  button.textContent = "📎";
  button.title = "Share a file (or drop one here, or paste a picture)";
  button.setAttribute("aria-label", "Share a file");
  button.hidden = true;
  button.addEventListener("click", () => picker.click());
  container.append(button, picker);

  status = document.createElement("div");
  status.id = "upload-status";
  status.setAttribute("role", "status");
  status.hidden = true;
  const bar = document.createElement("progress");
  bar.setAttribute("aria-label", "Upload progress");
  const text = document.createElement("span");
  text.className = "upload-text";
  status.append(bar, text);
  const main = document.getElementById("main");
  main.insertBefore(status, document.getElementById("compose"));

  const hasFiles = (event) => endpoint() && [...(event.dataTransfer?.types ?? [])].includes("Files");
  main.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    main.classList.add("dropping");
  });
  main.addEventListener("dragleave", (event) => {
    if (!main.contains(event.relatedTarget)) main.classList.remove("dropping");
  });
  main.addEventListener("drop", (event) => {
    main.classList.remove("dropping");
    if (!hasFiles(event)) return;
    event.preventDefault();
    for (const file of event.dataTransfer.files) upload(file);
  });
  document.getElementById("input").addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
    if (!files.length || !endpoint()) return;
    event.preventDefault();
    for (const file of files) upload(file);
  });
});

on("welcome", refresh);
on("line", ({ msg }) => {
  if (msg.command === "005") refresh();
});
