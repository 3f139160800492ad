// Typing indicators (the IRCv3 +typing client tag on TAGMSG): while the user types in
// a conversation, "active" at most every 3 s, "paused" after a while without
// keystrokes, "done" when the box is cleared or the text sent. Others' notices show
// as "nick is typing…" under that conversation's messages, each gone when renewed
// no more (6 s after "active", 30 s after "paused"), on "done", or with their message.
// Settings has a box to stop telling others (kept in this browser).

import { addComposeItem, on } from "./hooks.js";
import { fold, nickOf } from "./irc.js";
import { conversationOf } from "./reactions.js";

const TAG = "+typing";
const THROTTLE_MS = 3000; // the spec's least pause between two "active"
const PAUSE_AFTER_MS = 6000; // no keystroke for this long: "paused"
const ACTIVE_EXPIRES_MS = 6000;
const PAUSED_EXPIRES_MS = 30000;
const MAX_SHOWN = 3; // names spelled out; more are "several people"
const KEY = "parley.typing"; // "off": others are not told

let context = null;
let indicator = null;
/** fold(conversation) -> Map(fold(nick) -> {nick, timer}) */
const typists = new Map();
/** What we told the conversation we are typing in: {name, state, at} */
let mine = null;
let pauseTimer = null;

/** Whether the user lets others see them typing (Settings). */
function sharing() {
  return localStorage.getItem(KEY) !== "off";
}

/** Whether typing is told: the user allows it and the server lets the tag through
 *  (CLIENTTAGDENY may refuse it). */
export function typingAllowed(state) {
  if (!sharing() || !state?.caps.has("message-tags")) return false;
  const deny = (state.isupport.CLIENTTAGDENY ?? "").split(",").filter(Boolean);
  if (deny.includes("typing") || deny.includes("+typing")) return false;
  return !deny.includes("*") || deny.includes("-typing") || deny.includes("-+typing");
}

function tell(name, value) {
  context.send("TAGMSG", [name], { [TAG]: value });
  mine = value === "done" ? null : { name, state: value, at: Date.now() };
}

/** The user's compose box changed. */
function typed(input) {
  const state = context?.state;
  clearTimeout(pauseTimer);
  const conv = state?.get(context.active);
  const text = input.value;
  if (!conv || conv.kind === "server" || !typingAllowed(state) || (conv.kind === "channel" && !conv.joined)) return;
  if (mine && fold(mine.name) !== fold(conv.name)) tell(mine.name, "done");
  if (!text || text.startsWith("/")) {
    if (mine) tell(mine.name, "done");
    return;
  }
  if (!mine || mine.state !== "active" || Date.now() - mine.at >= THROTTLE_MS) tell(conv.name, "active");
  pauseTimer = setTimeout(() => {
    if (mine?.state === "active" && input.value) tell(mine.name, "paused");
  }, PAUSE_AFTER_MS);
}

function setTypist(convKey, nick, value) {
  let who = typists.get(convKey);
  const key = fold(nick);
  const old = who?.get(key);
  if (old) clearTimeout(old.timer);
  if (value === "active" || value === "paused") {
    if (!who) {
      who = new Map();
      typists.set(convKey, who);
    }
    const timer = setTimeout(() => setTypist(convKey, nick, "done"), value === "active" ? ACTIVE_EXPIRES_MS : PAUSED_EXPIRES_MS);
    who.set(key, { nick, value, timer });
  } else if (old) {
    who.delete(key);
    if (!who.size) typists.delete(convKey);
  } else {
    return;
  }
  if (convKey === context?.active) show();
}

/** "alice is typing…", "alice and bob are typing…", "Several people are typing…" */
export function sentence(nicks) {
  if (!nicks.length) return "";
  if (nicks.length > MAX_SHOWN) return "Several people are typing…";
  if (nicks.length === 1) return `${nicks[0]} is typing…`;
  return `${nicks.slice(0, -1).join(", ")} and ${nicks[nicks.length - 1]} are typing…`;
}

function show() {
  if (!indicator) return;
  const who = typists.get(context?.active);
  const nicks = who ? [...who.values()].filter((t) => t.value === "active").map((t) => t.nick) : [];
  const text = sentence(nicks);
  if (indicator.textContent !== text) indicator.textContent = text;
}

addComposeItem((container, ctx) => {
  context = ctx;
  indicator = document.createElement("div");
  indicator.id = "typing";
  indicator.setAttribute("role", "status");
  indicator.setAttribute("aria-live", "polite");
  const main = document.getElementById("main");
  main.insertBefore(indicator, document.getElementById("messages").nextSibling);
  const input = document.getElementById("input");
  input.addEventListener("input", () => typed(input));
  settingsRow();
});

/** The Settings box: tell others when I am typing (on unless turned off here). */
function settingsRow() {
  const logout = document.getElementById("logout")?.closest("section");
  if (!logout) return;
  const section = document.createElement("section");
  const heading = document.createElement("h3");
  heading.textContent = "Typing";
  const label = document.createElement("label");
  label.className = "check";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = "typing-share";
  box.checked = sharing();
  box.addEventListener("change", () => {
    localStorage.setItem(KEY, box.checked ? "on" : "off");
    if (!box.checked && mine) {
      clearTimeout(pauseTimer);
      tell(mine.name, "done");
    }
  });
  label.append(box, " Let others see when I am typing");
  section.append(heading, label);
  logout.before(section);
}

on("line", ({ msg }) => {
  const state = context?.state;
  if (!state || !["TAGMSG", "PRIVMSG", "NOTICE"].includes(msg.command)) return;
  const nick = nickOf(msg.source);
  if (!nick || !msg.source.includes("!") || state.isMe(nick)) return;
  const conv = conversationOf(state, msg);
  if (!conv) return;
  if (msg.command !== "TAGMSG") setTypist(fold(conv.name), nick, "done"); // their message came
  else if (msg.tags[TAG] !== undefined) setTypist(fold(conv.name), nick, msg.tags[TAG]);
});

on("line", ({ msg }) => {
  // Gone from the channel or the server: not typing there any more.
  const state = context?.state;
  if (!state || !["PART", "QUIT", "KICK"].includes(msg.command)) return;
  const nick = msg.command === "KICK" ? msg.params[1] ?? "" : nickOf(msg.source);
  for (const key of [...typists.keys()]) {
    if (msg.command === "QUIT" || key === fold(msg.params[0] ?? "")) setTypist(key, nick, "done");
  }
});

on("sent", ({ command, params, tags }) => {
  if (!mine) return;
  const said = (command === "PRIVMSG" || command === "NOTICE") && !tags?.batch && fold(params[0] ?? "") === fold(mine.name);
  const batchEnd = command === "BATCH" && String(params[0]).startsWith("-"); // nothing may come inside one
  if (!said && !batchEnd) return;
  clearTimeout(pauseTimer);
  tell(mine.name, "done");
});

on("open", () => {
  if (mine && context) {
    clearTimeout(pauseTimer);
    tell(mine.name, "done");
  }
  show();
});
