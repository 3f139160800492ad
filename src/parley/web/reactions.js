// Reactions (the IRCv3 +draft/react client tag, on TAGMSG with +draft/reply naming
// the message): a "React" action opens a small emoji picker; reactions show under the
// message as chips with a count and who reacted; pressing a chip of one's own takes
// it back (+draft/unreact), pressing another's adds the same one.

import { addComposeItem, addMessageAction, addMessageRenderer, on } from "./hooks.js";
import { fold, isChannel, nickOf } from "./irc.js";
import { REACTIONS, emojiName, openPicker } from "./emoji.js";

const REACT = "+draft/react";
const UNREACT = "+draft/unreact";
const REPLY = "+draft/reply";
const MAX_REACTION_BYTES = 64; // a longer "reaction" is not shown (the tag's value is free text)
const MAX_KINDS = 20; // distinct reactions shown on one message
const MAX_MESSAGES = 5000; // messages whose reactions are kept, oldest forgotten first

/** "conversation msgid" -> Map(emoji -> Map(fold(nick) -> nick)), in the order they came.
 *  Keyed by conversation too: a reaction sent privately cannot dress a channel's line. */
const reactions = new Map();

function keyOf(conv, msgid) {
  return `${fold(conv.name)} ${msgid}`;
}
let context = null;

/** Apply a reaction (or its withdrawal) by `nick` to `key`; true when it changed anything. */
function applyReaction(key, nick, emoji, add) {
  if (!emoji || new TextEncoder().encode(emoji).length > MAX_REACTION_BYTES) return false;
  let kinds = reactions.get(key);
  if (!kinds) {
    if (!add) return false;
    kinds = new Map();
    reactions.set(key, kinds);
    if (reactions.size > MAX_MESSAGES) reactions.delete(reactions.keys().next().value);
  }
  let who = kinds.get(emoji);
  if (!who) {
    if (!add || kinds.size >= MAX_KINDS) return false;
    who = new Map();
    kinds.set(emoji, who);
  }
  const person = fold(nick);
  if (add === who.has(person)) return false;
  if (add) who.set(person, nick);
  else who.delete(person);
  if (!who.size) kinds.delete(emoji);
  if (!kinds.size) reactions.delete(key);
  return true;
}

/** The conversation a TAGMSG or PRIVMSG belongs to: the channel, or the other person. */
export function conversationOf(state, msg) {
  let target = msg.params[0] ?? "";
  const source = nickOf(msg.source);
  const statusmsg = state.isupport.STATUSMSG ?? "";
  while (target && statusmsg.includes(target[0]) && isChannel(target.slice(1))) target = target.slice(1);
  const name = isChannel(target) || state.isMe(source) ? target : source;
  return state.get(fold(name));
}

/** A reaction line from the server (or our own, sent without echo-message). */
function received(state, msg) {
  const tags = msg.tags;
  const msgid = tags[REPLY];
  if (!msgid || (tags[REACT] === undefined && tags[UNREACT] === undefined)) return;
  const conv = conversationOf(state, msg);
  if (!conv) return;
  const nick = nickOf(msg.source) || state.me;
  const add = tags[REACT] !== undefined;
  const changed = applyReaction(keyOf(conv, msgid), nick, add ? tags[REACT] : tags[UNREACT], add);
  if (changed && conv.byId.has(msgid)) state.redraw(conv);
}

function send(ctx, conv, message, emoji, add) {
  const tags = { [add ? REACT : UNREACT]: emoji, [REPLY]: message.msgid };
  ctx.send("TAGMSG", [conv.name], tags);
}

addComposeItem((container, ctx) => {
  context = ctx; // nothing to add there: this is how a module learns the context early
});

on("line", ({ msg }) => {
  if ((msg.command === "TAGMSG" || msg.command === "PRIVMSG") && context?.state) received(context.state, msg);
});

// Without echo-message our own TAGMSG does not come back: it counts when sent.
on("sent", ({ command, params, tags }) => {
  const state = context?.state;
  if (command !== "TAGMSG" || !tags || !state || state.caps.has("echo-message")) return;
  received(state, { tags, source: `${state.me}!me@web`, command, params });
});

let seenState = null;
on("welcome", () => {
  if (context?.state !== seenState) reactions.clear(); // another login: not its reactions
  seenState = context?.state ?? null;
});

addMessageAction({
  id: "react",
  label: "React",
  icon: "☺",
  available(message, conv, ctx) {
    return conv.kind !== "server" && ctx.state?.caps.has("message-tags") && ["privmsg", "notice", "action"].includes(message.kind);
  },
  run(message, conv, ctx) {
    const anchor = document.querySelector(`#messages .msg[data-msgid="${CSS.escape(message.msgid)}"] .action-react`);
    openPicker(anchor ?? document.getElementById("input"), REACTIONS, (emoji) => {
      const mine = reactions.get(keyOf(conv, message.msgid))?.get(emoji)?.has(fold(ctx.state.me));
      send(ctx, conv, message, emoji, !mine);
    }, { label: `React to ${message.nick}'s message`, returnTo: document.getElementById("input") });
  },
});

/** "alice, bob and carol" */
function names(list) {
  return list.length < 2 ? list.join("") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

addMessageRenderer((message, conv, container, ctx) => {
  const kinds = message.msgid && !message.redacted ? reactions.get(keyOf(conv, message.msgid)) : null;
  if (!kinds) return;
  const row = document.createElement("div");
  row.className = "reactions";
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", "Reactions");
  const me = fold(ctx.state?.me ?? "");
  for (const [emoji, who] of kinds) {
    const mine = who.has(me);
    const people = [...who.values()];
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = `reaction${mine ? " mine" : ""}`;
    chip.dataset.emoji = emoji;
    chip.setAttribute("aria-pressed", String(mine));
    const face = document.createElement("span");
    face.className = "reaction-emoji";
    face.textContent = emoji;
    const count = document.createElement("span");
    count.className = "reaction-count";
    count.textContent = String(who.size);
    chip.append(face, count);
    const label = `${emojiName(emoji)}: ${names(people)}`;
    chip.title = label;
    chip.setAttribute("aria-label", `${label} (${who.size}). ${mine ? "Press to take yours back" : "Press to react the same"}`);
    chip.addEventListener("click", () => send(ctx, conv, message, emoji, !mine));
    row.append(chip);
  }
  container.append(row);
});
