// The message list of the open conversation: nick, time and text of each line, the
// "new since you left" divider, and what feature modules add to a message (hooks.js).
// Text is only ever put in with textContent and text nodes (linkify.js), never as HTML.

import { linkify } from "./linkify.js";
import { stripFormatting } from "./irc.js";
import { messageActions, messageRenderers } from "./hooks.js";

const NICK_COLOURS = 8;

/** A stable colour class per nick, so a person is recognisable down the page. */
export function nickClass(nick) {
  let hash = 0;
  for (const ch of nick.toLowerCase()) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return `nick-c${hash % NICK_COLOURS}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One message's element, with the hooks' actions and extra content. */
export function messageElement(message, conv, ctx) {
  const row = el("div", `msg kind-${message.kind}${message.self ? " self" : ""}${message.mention ? " mention" : ""}`);
  row.dataset.id = message.id;
  if (message.msgid) row.dataset.msgid = message.msgid;
  const when = new Date(message.time);
  const time = el("time", "time", Number.isNaN(when.getTime()) ? "" : timeFormat.format(when));
  time.dateTime = message.time;
  time.title = Number.isNaN(when.getTime()) ? "" : fullFormat.format(when);
  row.append(time);
  const body = el("div", "body");
  if (message.kind === "privmsg" || message.kind === "notice") {
    const nick = el("span", `nick ${nickClass(message.nick)}`, message.kind === "notice" ? `-${message.nick}-` : message.nick);
    body.append(nick, " ");
  } else if (message.kind === "action") {
    body.append(el("span", `nick ${nickClass(message.nick)}`, `* ${message.nick}`), " ");
  }
  const text = el("span", "text");
  if (message.redacted) {
    text.textContent = "message deleted";
    text.classList.add("redacted");
  } else {
    text.append(linkify(stripFormatting(message.text)));
  }
  body.append(text);
  row.append(body);
  const actions = messageActions().filter((a) => !a.available || a.available(message, conv, ctx));
  if (actions.length && message.msgid && !message.redacted) {
    const bar = el("div", "actions");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Message actions");
    for (const action of actions) {
      const button = el("button", `action action-${action.id}`, action.icon ?? action.label);
      button.type = "button";
      button.title = action.label;
      button.setAttribute("aria-label", action.label);
      button.addEventListener("click", () => action.run(message, conv, ctx));
      bar.append(button);
    }
    row.append(bar);
  }
  const renderers = messageRenderers();
  if (renderers.length) {
    const extra = el("div", "extra");
    for (const render of renderers) render(message, conv, extra, ctx);
    if (extra.childNodes.length) row.append(extra);
  }
  return row;
}

/** Where the "new since you left" divider goes: before the first line from someone
 *  else after `since` (null: nowhere). */
function dividerIndex(conv) {
  if (!conv.divider) return -1;
  return conv.messages.findIndex((m) => m.time > conv.divider && !m.self && ["privmsg", "notice", "action"].includes(m.kind));
}

/** Whether the list is scrolled to (within a few pixels of) its end. */
export function atBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 8;
}

/** Rows for conv.messages[from...] (with day lines and the divider) into `into`. */
function addRows(into, conv, ctx, from) {
  const divider = dividerIndex(conv);
  let lastDay = from > 0 ? conv.messages[from - 1].time.slice(0, 10) : "";
  for (let i = from; i < conv.messages.length; i++) {
    const message = conv.messages[i];
    const day = message.time.slice(0, 10);
    if (day !== lastDay) {
      const when = new Date(message.time);
      if (!Number.isNaN(when.getTime())) into.append(el("div", "day", dayFormat.format(when)));
      lastDay = day;
    }
    if (i === divider) {
      const line = el("div", "divider", "New since you left");
      line.setAttribute("role", "separator");
      into.append(line);
    }
    into.append(messageElement(message, conv, ctx));
  }
}

function edgeText(conv) {
  if (conv.kind === "server") return null;
  if (conv.reachedStart) return "The beginning of this conversation.";
  return conv.loadingOlder ? "Loading older messages…" : "";
}

const shownLists = new WeakMap(); // list element -> what it shows, for appending only what is new

/**
 * Draw the list for `conv`, keeping the reader's place: at the bottom it follows new
 * lines; elsewhere the first line in view stays where it was (older lines loaded above
 * it do not move it). Lines added at the end are appended; anything else (older
 * lines, a deletion, another conversation, `full`) rebuilds the list.
 */
export function renderMessages(list, conv, ctx, { switched, full = false }) {
  const follow = switched || atBottom(list);
  const shown = shownLists.get(list);
  const edge = edgeText(conv);
  const count = conv.messages.length;
  const appendOnly = !switched && !full && shown !== undefined && shown.conv === conv
    && shown.reshaped === conv.reshaped && shown.divider === conv.divider && shown.edge === edge
    && shown.count <= count && (shown.count === 0 || conv.messages[shown.count - 1].id === shown.lastId);
  shownLists.set(list, {
    conv, reshaped: conv.reshaped, divider: conv.divider, edge, count, lastId: conv.messages[count - 1]?.id,
  });
  if (appendOnly) {
    const fragment = document.createDocumentFragment();
    addRows(fragment, conv, ctx, shown.count);
    list.append(fragment);
    if (follow) list.scrollTop = list.scrollHeight;
    return;
  }
  let anchor = null;
  if (!follow) {
    for (const row of list.querySelectorAll(".msg")) {
      if (row.offsetTop + row.offsetHeight > list.scrollTop) {
        anchor = { id: row.dataset.id, offset: row.offsetTop - list.scrollTop };
        break;
      }
    }
  }
  const fragment = document.createDocumentFragment();
  if (edge !== null) fragment.append(el("div", "history-edge", edge));
  addRows(fragment, conv, ctx, 0);
  list.replaceChildren(fragment);
  if (follow) {
    const mark = switched ? list.querySelector(".divider") : null;
    list.scrollTop = mark ? Math.max(0, mark.offsetTop - list.clientHeight / 3) : list.scrollHeight;
  } else if (anchor) {
    const row = list.querySelector(`.msg[data-id="${CSS.escape(anchor.id)}"]`);
    if (row) list.scrollTop = row.offsetTop - anchor.offset;
  }
}
