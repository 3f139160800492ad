// The web client's entry point: wires the login screen, the connection, the chat state
// and the views together, and owns what is about the page rather than about IRC (which
// conversation is open, when the user has seen its bottom, keyboard shortcuts, the
// drawer on small screens). The state changes only through ChatState; the views only
// draw it.

import { Connection } from "./connection.js";
import { ChatState, SERVER } from "./state.js";
import { fold } from "./irc.js";
import { interpret } from "./commands.js";
import { linesFor } from "./multiline.js";
import { renderConversations } from "./conversations.js";
import { renderMessages, atBottom } from "./messages.js";
import { renderMembers } from "./members.js";
import { setupLogin, remembered, remember } from "./login.js";
import { setupSettings } from "./settings.js";
import { applyTheme, currentTheme, followSystem } from "./theme.js";
import { notifyMessage } from "./notify.js";
import { emit, mountCompose, on, outgoingTags } from "./hooks.js";
import { EXTENSIONS } from "./extensions.js";

const $ = (id) => document.getElementById(id);
const NARROW = window.matchMedia("(max-width: 700px)");

let connection = null;
let state = null;
let active = null; // the open conversation's key
let shownVersion = { key: null, version: -1 };
let welcomed = false; // the current login has reached the welcome once
let rememberLogin = false;
let awaitingCode = null; // the account whose mailed code we wait for
const switchTo = new Set(); // channels the user asked to join: opened when they are
let renderQueued = false;
let fullRender = false; // the next render rebuilds the message list

/** What feature modules get (hooks.js): the ways to act and to redraw. */
const ctx = {
  sendLine: (line) => connection?.sendLine(line) ?? false,
  send: (command, params = [], tags = null) => send(command, params, tags),
  get state() {
    return state;
  },
  get active() {
    return active;
  },
  rerender: () => queueRender(true),
  info: (text, error = false) => state?.info(text, error),
  get credentials() {
    return connection?.credentials ?? null; // for uploads (HTTP Basic), in memory only
  },
};

/** Send a command, telling the bus (features watch what is said). Without
 *  echo-message the server does not send our own messages back: they are shown here. */
function send(command, params = [], tags = null) {
  if (!connection) return false;
  tags = outgoingTags(command, params, tags);
  let sent;
  try {
    sent = connection.send(command, params, tags);
  } catch (error) {
    state?.info(`Not sent: ${error.message}.`, true); // a control character IRC cannot carry
    return false;
  }
  if (sent) emit("sent", { command, params, tags });
  const said = command === "PRIVMSG" || command === "NOTICE";
  if (sent && said && !state.caps.has("echo-message") && !tags?.batch) {
    state.apply({ tags: {}, source: `${state.me}!me@web`, command, params });
  }
  return sent;
}

const login = setupLogin({
  submit(credentials) {
    rememberLogin = credentials.remember;
    if (!rememberLogin) remember(null);
    start(credentials);
  },
  verify(code) {
    if (connection && awaitingCode) connection.verify(awaitingCode, code);
  },
});

/** A new login: a fresh state and connection. */
function start(credentials) {
  connection?.stop();
  welcomed = false;
  awaitingCode = null;
  active = null;
  shownVersion = { key: null, version: -1 };
  connection = new Connection();
  state = new ChatState((command, params, tags) => send(command, params, tags));
  state.addEventListener("change", () => queueRender());
  state.addEventListener("message", ({ detail }) => {
    const { conversation, message, live } = detail;
    if (live) notifyMessage(conversation, message, () => select(fold(conversation.name)));
  });
  state.addEventListener("history", () => queueRender());
  connection.addEventListener("status", ({ detail }) => showStatus(detail));
  connection.addEventListener("failure", ({ detail }) => failed(detail));
  connection.addEventListener("verify", ({ detail }) => {
    awaitingCode = detail.account;
    login.askCode(detail.account, detail.text);
  });
  connection.addEventListener("registered", ({ detail }) => {
    awaitingCode = null;
    credentials.register = false;
    credentials.account = detail.account;
    if (rememberLogin) remember(credentials);
    if (welcomed) enterChat();
  });
  connection.addEventListener("welcome", ({ detail }) => {
    const first = !welcomed;
    welcomed = true;
    state.welcome(detail, detail.time);
    if (first && rememberLogin && !credentials.register) remember(credentials);
    if (!awaitingCode) enterChat();
    emit("welcome", { nick: detail.nick });
  });
  connection.addEventListener("message", ({ detail }) => {
    const { msg } = detail;
    state.apply(msg);
    emit("line", { msg });
    if (msg.command === "JOIN" && state.isMe((msg.source.split("!")[0]))) joined(msg.params[0]);
  });
  connection.start(credentials);
}

/** A refusal: before the first welcome, or one that ends the session, goes back to
 *  the form with the reason under it; later ones are said in the open conversation. */
function failed({ text, code }) {
  if (awaitingCode && (code === "INVALID_CODE" || (connection && !connection.stopped))) {
    login.showError(text, "code"); // still on the code form: said there
    return;
  }
  if (welcomed && connection && !connection.stopped) {
    state?.info(text, true);
    return;
  }
  login.show();
  awaitingCode = null;
  if (code === "904") remember(null); // a remembered password that no longer works is forgotten
  const field = ["904", "WEAK_PASSWORD"].includes(code) ? "password" : ["INVALID_EMAIL", "NEED_EMAIL"].includes(code) ? "email" : "account";
  login.showError(text, field);
}

/** Logged in: from the login screen to the chat. */
function enterChat() {
  login.hide();
  $("chat").hidden = false;
  if (!active) select(SERVER);
  $("input").focus();
  queueRender(true);
}

/** We joined a channel: open it if the user asked for it, or if nothing is open yet. */
function joined(name) {
  if (switchTo.delete(fold(name)) || active === null || active === SERVER) select(fold(name));
}

/** The connection's state in the top bar (and the pause before the next try). */
function showStatus({ state: phase, retryIn }) {
  const status = $("status");
  const retry = $("retry");
  retry.hidden = phase !== "waiting";
  clearInterval(showStatus.timer);
  if (phase === "connecting") status.textContent = welcomed ? "Reconnecting…" : "Connecting…";
  else if (phase === "online") status.textContent = "";
  else if (phase === "stopped") status.textContent = "Disconnected.";
  else if (phase === "waiting") {
    const until = Date.now() + retryIn;
    const tick = () => {
      status.textContent = `Disconnected. Trying again in ${Math.max(0, Math.ceil((until - Date.now()) / 1000))} s.`;
    };
    tick();
    showStatus.timer = setInterval(tick, 1000);
  }
  document.body.classList.toggle("offline", phase !== "online");
  if (!welcomed && phase !== "stopped") {
    // Still on the login screen: say there that the server cannot be reached yet.
    const progress = $("login-progress");
    if (phase === "waiting") progress.textContent = `Cannot reach the server. Trying again in ${Math.ceil(retryIn / 1000)} s…`;
    else if (phase === "connecting" && progress.textContent.startsWith("Cannot")) progress.textContent = "Connecting…";
  }
}

/** Open a conversation. */
function select(key) {
  if (!state?.get(key)) return;
  const previous = state.get(active);
  if (previous && active !== key) previous.divider = undefined;
  active = key;
  state.active = key;
  const conv = state.get(key);
  conv.divider = conv.loaded ? (conv.unread ? conv.readUpTo : null) : undefined;
  const fromDrawer = document.body.classList.contains("drawer-open");
  closeDrawer();
  if (fromDrawer) $("input").focus(); // the list it was chosen from is gone from view
  emit("open", { conversation: conv });
  queueRender(true);
}

/** Move to the conversation `step` places up or down the list. */
function selectNext(step) {
  if (!state) return;
  const keys = state.ordered().map((item) => item.key);
  const at = keys.indexOf(active);
  const next = keys[(at + step + keys.length) % keys.length];
  if (next) select(next);
}

/** Draw once per frame however many lines came in it; `force` redraws the messages. */
function queueRender(force = false) {
  if (force) {
    shownVersion.version = -1;
    fullRender = true;
  }
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

/** Draw what changed, then mark read what the user can now see. */
function render() {
  if (!state) return;
  if (!state.get(active)) active = state.get(SERVER) ? SERVER : null;
  state.active = active;
  const conv = state.get(active);
  renderConversations($("conversations"), state, active, select);
  updateTitle();
  if (!conv) return;
  const list = $("messages");
  const switched = shownVersion.key !== active;
  // New lines the user is watching arrive read: the divider is for lines they miss.
  const seeing = !switched && document.visibilityState === "visible" && document.hasFocus() && atBottom(list);
  if (conv.divider === undefined && conv.loaded) conv.divider = conv.unread ? conv.readUpTo : null;
  else if (conv.divider === null && conv.unread && !seeing) conv.divider = conv.readUpTo;
  $("conv-title").textContent = conv.kind === "query" ? `${conv.name}` : conv.name;
  $("topic").textContent = conv.kind === "channel" ? conv.topic || "No topic" : conv.kind === "query" ? "Private conversation" : "Messages from the server";
  $("close-conversation").hidden = conv.kind === "server";
  $("close-conversation").setAttribute("aria-label", conv.kind === "channel" ? `Leave ${conv.name}` : `Close the conversation with ${conv.name}`);
  $("members-toggle").hidden = conv.kind !== "channel";
  document.body.classList.toggle("no-members", conv.kind !== "channel");
  if (switched || shownVersion.version !== conv.version) {
    renderMessages(list, conv, ctx, { switched, full: fullRender });
    fullRender = false;
    shownVersion = { key: active, version: conv.version };
  }
  renderMembers($("member-list"), $("members-heading"), conv, state.me, openQuery);
  $("input").placeholder = conv.kind === "server" ? "Type /join #channel or /help" : `Message ${conv.name}`;
  maybeMarkRead();
  maybeLoadOlder();
}

/** The page title says how much is waiting, for a tab in the background. */
function updateTitle() {
  let unread = 0;
  let mentions = 0;
  for (const { conv } of state.ordered()) {
    if (conv.kind === "server") continue;
    unread += conv.unread;
    mentions += conv.mentions;
  }
  document.title = mentions ? `(${mentions}!) Parley` : unread ? `(${unread}) Parley` : "Parley";
  // On a phone the list is out of sight: its button says that something is waiting.
  const elsewhere = state.ordered().some(({ key, conv }) => key !== active && conv.kind !== "server" && conv.unread > 0);
  const toggle = $("drawer-toggle");
  toggle.classList.toggle("has-unread", elsewhere);
  toggle.setAttribute("aria-label", elsewhere ? "Conversations (unread messages)" : "Conversations");
}

/** The user has seen the bottom of the open conversation: its read marker moves. */
function maybeMarkRead() {
  const conv = state?.get(active);
  if (!conv || conv.kind === "server" || !conv.loaded) return;
  if (document.visibilityState !== "visible" || !document.hasFocus() || $("chat").hidden) return;
  if (!atBottom($("messages"))) return;
  state.markRead(conv);
}

/** Scrolled to the top (or the page is not yet full): older lines. */
function maybeLoadOlder() {
  const conv = state?.get(active);
  const list = $("messages");
  if (!conv || conv.kind === "server" || !conv.loaded || conv.reachedStart || conv.loadingOlder) return;
  if (list.scrollTop < 40) {
    state.history.older(conv);
    queueRender(true);
  }
}

/** Open (or make) the private conversation with `nick`. */
function openQuery(nick) {
  if (!state || state.isMe(nick)) return;
  const conv = state.openQuery(nick);
  select(fold(conv.name));
  $("input").focus();
}

/** What the user typed: text for the open conversation, or a /command. */
function submitCompose() {
  const input = $("input");
  const text = input.value;
  if (!text.trim() || !state) return;
  const conv = state.get(active);
  const current = conv ? { name: conv.name, kind: conv.kind } : null;
  const command = text.startsWith("/") && !text.startsWith("//");
  const offline = () => {
    state.info("Not connected: your message was not sent (it is still in the box).", true);
  };
  if (text.includes("\n") && !command && conv && conv.kind !== "server") {
    if (!connection?.online) return offline();
    for (const [verb, params, tags] of linesFor(conv.name, text, state.caps, connection.offered)) send(verb, params, tags);
    input.value = "";
    resizeInput();
    return;
  }
  const action = interpret(text.split("\n")[0], current);
  if (!connection?.online && (action.send || action.say !== undefined)) return offline();
  if (action.say !== undefined) {
    for (const [verb, params, tags] of linesFor(conv.name, action.say, state.caps, connection.offered)) send(verb, params, tags);
  }
  if (action.send) {
    for (const [verb, params] of action.send) {
      const there = verb === "JOIN" ? state.get(fold(params[0])) : null;
      if (there?.joined) {
        select(fold(there.name)); // in it already: just open it
        continue;
      }
      if (verb === "JOIN") switchTo.add(fold(params[0]));
      send(verb, params);
    }
  }
  if (action.open) openQuery(action.open);
  if (action.close) closeConversation();
  if (action.show) state.info(action.show, Boolean(action.error));
  if (action.quit) {
    send("QUIT", [action.quit]);
    connection.stop();
    login.show(remembered());
  }
  input.value = "";
  resizeInput();
}

/** /close or the top bar's button: leave the channel, or forget the private conversation. */
function closeConversation() {
  if (!state || !active || active === SERVER) return;
  state.close(active);
  if (state.get(active)?.kind === "channel") return; // leaves when the PART comes back
  select(SERVER);
}

/** The compose box grows with its text, up to a limit (CSS max-height). */
function resizeInput() {
  const input = $("input");
  input.style.height = "auto";
  input.style.height = `${input.scrollHeight}px`;
}

/** Phones: the conversation list slides in, with focus on the open conversation. */
function openDrawer() {
  document.body.classList.add("drawer-open");
  $("drawer-toggle").setAttribute("aria-expanded", "true");
  $("conversations").querySelector("[aria-current]")?.focus();
}

/** Phones: the conversation list slides out. */
function closeDrawer() {
  if (!document.body.classList.contains("drawer-open")) return;
  document.body.classList.remove("drawer-open");
  $("drawer-toggle").setAttribute("aria-expanded", "false");
}

/** Log out: disconnect, forget the remembered login, back to the form. */
function logout() {
  connection?.stop();
  connection = null;
  state = null;
  active = null;
  remember(null);
  $("messages").replaceChildren();
  $("conversations").replaceChildren();
  $("member-list").replaceChildren();
  $("password").value = "";
  login.show();
}

/** The page's own controls and keys, wired once. */
function wire() {
  const input = $("input");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitCompose();
    }
  });
  input.addEventListener("input", resizeInput);
  $("compose").addEventListener("submit", (event) => {
    event.preventDefault();
    submitCompose();
    input.focus();
  });
  $("messages").addEventListener("scroll", () => {
    maybeMarkRead();
    maybeLoadOlder();
  });
  document.addEventListener("visibilitychange", maybeMarkRead);
  window.addEventListener("focus", maybeMarkRead);
  $("retry").addEventListener("click", () => connection?.retryNow());
  $("drawer-toggle").addEventListener("click", () => (document.body.classList.contains("drawer-open") ? closeDrawer() : openDrawer()));
  $("scrim").addEventListener("click", closeDrawer);
  $("members-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("members-open");
    $("members-toggle").setAttribute("aria-expanded", String(open));
  });
  $("close-conversation").addEventListener("click", closeConversation);
  document.addEventListener("keydown", (event) => {
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      selectNext(event.key === "ArrowUp" ? -1 : 1);
      input.focus();
    } else if (event.key === "Escape" && !$("settings").open) {
      if (document.body.classList.contains("drawer-open")) closeDrawer();
      else document.body.classList.remove("members-open");
      if (!$("chat").hidden) input.focus();
    }
  });
  NARROW.addEventListener("change", closeDrawer);
  setupSettings({ sendLine: ctx.sendLine, isupport: () => connection?.isupport ?? {}, logout });
  mountCompose($("compose-items"), ctx);
  on("hooks-changed", () => queueRender(true));
}

/** Feature modules (extensions.js) register through hooks.js before the first render. */
async function loadExtensions() {
  for (const path of EXTENSIONS) {
    try {
      await import(path);
    } catch (error) {
      console.warn(`Parley: the feature ${path} did not load:`, error);
    }
  }
}

applyTheme(currentTheme());
followSystem();
await loadExtensions();
wire();
const saved = remembered();
if (saved) {
  rememberLogin = true;
  login.show(saved);
  $("password").value = saved.password;
  start({ ...saved, register: false });
} else {
  login.show();
}
// The forms are wired: what is typed from now on is this page's to handle (until
// then a quick submit would be the browser's own, reloading the page).
document.documentElement.dataset.ready = "true";
