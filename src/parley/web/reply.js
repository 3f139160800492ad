// Replies (the IRCv3 +draft/reply client tag): a "Reply" action on a message sets it
// as the reply target, shown above the compose box until sent or cancelled (Escape,
// or the × button); what is sent then carries the tag. A message that replies to
// another shows a quote of it, which jumps to that line when it is loaded.

import { addComposeItem, addMessageAction, addMessageRenderer, addOutgoingTags, on } from "./hooks.js";
import { fold, stripFormatting } from "./irc.js";

export const REPLY_TAG = "+draft/reply";
const QUOTE_LENGTH = 120; // characters of the quoted line shown

let target = null; // {conversation: fold(name), name, msgid, nick, text}
let context = null;
let banner = null;

/** Whether the server relays client tags (message-tags): else replies cannot travel. */
function canTag(ctx) {
  return Boolean(ctx.state?.caps.has("message-tags"));
}

/** The first words of a line, for a quote. */
export function excerpt(message) {
  if (message.redacted) return "message deleted";
  const text = stripFormatting(message.text).replace(/\s+/g, " ").trim();
  return text.length > QUOTE_LENGTH ? `${text.slice(0, QUOTE_LENGTH)}…` : text;
}

function makeBanner() {
  const main = document.getElementById("main");
  const compose = document.getElementById("compose");
  banner = document.createElement("div");
  banner.id = "reply-banner";
  banner.hidden = true;
  const text = document.createElement("span");
  text.className = "reply-to";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "icon";
  cancel.id = "reply-cancel";
  cancel.textContent = "×";
  cancel.title = "Cancel the reply (Escape)";
  cancel.setAttribute("aria-label", "Cancel the reply");
  cancel.addEventListener("click", () => {
    setTarget(null);
    document.getElementById("input").focus();
  });
  banner.append(text, cancel);
  main.insertBefore(banner, compose);
  document.getElementById("input").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && target) {
      event.preventDefault();
      setTarget(null);
    }
  });
}

function setTarget(next) {
  target = next;
  if (!banner) makeBanner();
  banner.hidden = !target;
  const input = document.getElementById("input");
  if (target) {
    banner.querySelector(".reply-to").textContent = `Replying to ${target.nick}: ${target.text}`;
    input.setAttribute("aria-label", `Reply to ${target.nick}`);
  } else {
    input.removeAttribute("aria-label");
  }
}

/** The line `msgid` in the open list: scrolled into view and briefly marked. */
function jumpTo(msgid) {
  const row = document.querySelector(`#messages .msg[data-msgid="${CSS.escape(msgid)}"]`);
  if (!row) return;
  row.scrollIntoView({ block: "center" });
  row.classList.add("highlight");
  row.tabIndex = -1;
  row.focus({ preventScroll: true });
  setTimeout(() => row.classList.remove("highlight"), 1500);
}

addComposeItem((container, ctx) => {
  context = ctx;
});

addMessageAction({
  id: "reply",
  label: "Reply",
  icon: "↩",
  available: (message, conv, ctx) => conv.kind !== "server" && canTag(ctx) && ["privmsg", "notice", "action"].includes(message.kind),
  run(message, conv) {
    setTarget({ conversation: fold(conv.name), name: conv.name, msgid: message.msgid, nick: message.nick, text: excerpt(message) });
    document.getElementById("input").focus();
  },
});

// What the user sends to the conversation being replied in carries the tag: a single
// line, or a multi-line batch's opening (its lines inherit it).
addOutgoingTags((command, params, tags) => {
  if (!target) return tags;
  const here = fold(params[command === "BATCH" ? 2 : 0] ?? "") === target.conversation;
  const said = (command === "PRIVMSG" || command === "NOTICE") && !tags?.batch;
  const opens = command === "BATCH" && String(params[0]).startsWith("+") && params[1] === "draft/multiline";
  return here && (said || opens) ? { ...tags, [REPLY_TAG]: target.msgid } : tags;
});

// Sent: the reply is done (a reaction to the same line, a TAGMSG, is not the reply).
on("sent", ({ command, tags }) => {
  if (target && command !== "TAGMSG" && tags?.[REPLY_TAG] === target.msgid) setTarget(null);
});

on("open", ({ conversation }) => {
  if (target && fold(conversation.name) !== target.conversation) setTarget(null);
});

on("welcome", () => {
  if (target && !context?.state?.get(target.conversation)) setTarget(null);
});

addMessageRenderer((message, conv, container) => {
  const replyTo = message.tags?.[REPLY_TAG];
  if (!replyTo || message.tags?.["+draft/react"] !== undefined) return;
  const original = conv.byId.get(replyTo);
  const quote = document.createElement(original ? "button" : "div");
  quote.className = "reply-quote";
  if (original) {
    quote.type = "button";
    quote.textContent = `↪ ${original.nick}: ${excerpt(original)}`;
    quote.setAttribute("aria-label", `In reply to ${original.nick}: ${excerpt(original)}. Show that message`);
    quote.addEventListener("click", () => jumpTo(replyTo));
  } else {
    quote.textContent = "↪ In reply to an earlier message";
  }
  container.prepend(quote);
});
