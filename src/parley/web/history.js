// CHATHISTORY requests and what their answers mean: the latest lines when a
// conversation opens, older ones when the user scrolls to the top, and after a
// reconnect the lines missed meanwhile (AFTER the last one seen, repeated while
// full pages come). Answers come back in order per target, so each batch is matched
// to the oldest request still waiting for that target.

import { fold } from "./irc.js";

export const PAGE = 50; // lines per LATEST or BEFORE
export const GAP_PAGE = 100; // lines per AFTER while filling a gap (the server's CHATHISTORY limit)

export class History {
  constructor(state) {
    this.state = state;
    this.pending = new Map(); // fold(target) -> [{kind, conv, limit, ref}]
  }

  /** A new connection: answers to the old one's requests will never come. */
  reset() {
    for (const list of this.pending.values()) for (const r of list) r.conv.loadingOlder = false;
    this.pending.clear();
  }

  /** Whether a request for `conv` is still unanswered. */
  waiting(conv) {
    return (this.pending.get(fold(conv.name))?.length ?? 0) > 0;
  }

  get enabled() {
    return this.state.caps.has("draft/chathistory");
  }

  /** The server's page size: ISUPPORT CHATHISTORY, when it gives one. */
  limit(wanted) {
    const most = Number(this.state.isupport.CHATHISTORY) || wanted;
    return Math.min(wanted, most);
  }

  ask(conv, kind, params, limit) {
    const key = fold(conv.name);
    if (!this.pending.has(key)) this.pending.set(key, []);
    this.pending.get(key).push({ kind, conv, limit, params });
    this.state.sendLine("CHATHISTORY", [kind === "gap" ? "AFTER" : kind, conv.name, ...params, String(limit)]);
  }

  /** The latest lines, when a conversation is first opened. */
  latest(conv) {
    if (!this.enabled) {
      conv.loaded = true;
      return;
    }
    this.ask(conv, "LATEST", ["*"], this.limit(PAGE));
  }

  /** Older lines than the first one here (the user scrolled to the top). */
  older(conv) {
    const first = conv.firstStored;
    if (!this.enabled || conv.loadingOlder || conv.reachedStart || !conv.loaded) return;
    if (!first) {
      conv.reachedStart = true;
      return;
    }
    conv.loadingOlder = true;
    this.ask(conv, "BEFORE", [`msgid=${first.msgid}`], this.limit(PAGE));
  }

  /** After a reconnect: what was said since the last line seen. */
  catchUp(conv, byTime = false) {
    if (!this.enabled) return;
    const last = conv.lastStored;
    if (!last) {
      this.latest(conv);
      return;
    }
    const ref = byTime ? `timestamp=${last.time}` : `msgid=${last.msgid}`;
    this.ask(conv, "gap", [ref], this.limit(GAP_PAGE));
  }

  /** A chathistory batch ended with `count` lines: what the request it answers needs next. */
  done(target, count) {
    const list = this.pending.get(fold(target));
    const request = list?.shift();
    if (!request) return;
    const conv = request.conv;
    if (request.kind === "LATEST") {
      conv.loaded = true;
      if (count < request.limit) conv.reachedStart = true;
    } else if (request.kind === "BEFORE") {
      conv.loadingOlder = false;
      if (count < request.limit) conv.reachedStart = true;
    } else if (request.kind === "gap" && count >= request.limit) {
      this.catchUp(conv); // a full page: there may be more
    }
    this.state.emit("history", { name: fold(conv.name), kind: request.kind, count });
    this.state.changed(conv);
  }

  /** FAIL CHATHISTORY: the request it answers is over; a gap fill by msgid is tried
   *  again by time (the message it named may have expired). */
  failed(params) {
    for (const [key, list] of this.pending) {
      if (!params.some((p) => fold(p) === key) || !list.length) continue;
      const request = list.shift();
      const conv = request.conv;
      if (request.kind === "gap" && request.params[0].startsWith("msgid=")) this.catchUp(conv, true);
      if (request.kind === "LATEST") conv.loaded = true;
      if (request.kind === "BEFORE") {
        conv.loadingOlder = false;
        conv.reachedStart = true;
      }
      this.state.changed(conv);
      return;
    }
  }
}
