// The chat as the client knows it: conversations, their members and messages, read
// markers and the unread counts that follow from them. Every IRC line is applied in
// one place (ChatState.apply), so views only read this state and listen for
// "change" events; nothing here touches the DOM.

import { fold, isChannel, nickOf, nowTime } from "./irc.js";
import { History } from "./history.js";
import { Conversation } from "./conversation.js";

export { Conversation };
export const SERVER = "*server"; // the key of the conversation holding the server's text

const MAX_OPEN_BATCHES = 100; // batches the server may leave open before we stop tracking

/** Numerics that are errors for the person who typed the command. */
const ERRORS = new Set([
  "400", "401", "402", "403", "404", "405", "406", "407", "411", "412", "416", "417", "421",
  "431", "432", "433", "436", "437", "441", "442", "443", "461", "471", "472", "473", "474",
  "475", "476", "477", "478", "481", "482", "483", "491", "501", "502", "525", "723",
]);
/** Numerics with nothing to show (their content lands elsewhere). */
const SILENT = new Set([
  "001", "002", "003", "004", "005", "305", "306", "315", "329", "331", "332", "333", "352",
  "353", "354", "366", "900", "901", "903", "908",
]);
/** Numerics that answer a command typed in a conversation (WHOIS...): shown there. */
const ANSWERS = new Set([
  "301", "307", "311", "312", "313", "317", "318", "319", "320", "330", "338", "378", "379",
  "671", "276", "314", "369", "321", "322", "323", "324", "341", "346", "347", "348", "349",
  "367", "368", "704", "705", "706",
]);

let localIds = 0;

/**
 * Everything the client knows, changed only by apply() (lines from the server) and a
 * few user actions (open, close, markRead). Events: "change" {name} (a conversation,
 * or null for the list), "message" {conversation, message, live}, "history" {name, count}.
 */
export class ChatState extends EventTarget {
  constructor(sendLine) {
    super();
    this.sendLine = sendLine; // (command, params, tags) => bool
    this.conversations = new Map();
    this.me = "";
    this.account = null;
    this.caps = new Set();
    this.isupport = {};
    this.prefixes = { o: "@", v: "+" };
    this.away = false;
    this.active = null; // the open conversation's key: answers to commands go there
    this.batches = new Map();
    this.markers = new Map(); // read markers told before their conversation was open
    this.closed = new Map(); // private conversations the user closed -> their last line's time
    this.history = new History(this);
    this.connectedAt = null;
    this.server = this.conversation("Server", "server");
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  changed(conversation) {
    if (conversation) conversation.version++;
    this.emit("change", { name: conversation ? fold(conversation.name) : null });
  }

  /** Lines already shown changed (a reaction, a preview): the list is drawn anew, not
   *  only appended to. */
  redraw(conversation) {
    conversation.reshaped++;
    this.changed(conversation);
  }

  /** A conversation by name, made when `kind` is given and it is not there yet. */
  conversation(name, kind = null) {
    const key = name === "Server" && kind === "server" ? SERVER : fold(name);
    let conv = this.conversations.get(key);
    if (!conv && kind) {
      // A channel's lines from before we came are not news; a private conversation
      // never marked read is unread from its start.
      const baseline = kind === "query" ? "" : this.connectedAt ?? nowTime();
      conv = new Conversation(name, kind, baseline);
      if (this.markers.has(key)) conv.marker = this.markers.get(key);
      this.conversations.set(key, conv);
      this.changed(null);
    }
    return conv ?? null;
  }

  get(key) {
    return this.conversations.get(key) ?? null;
  }

  /** The conversations in the order of the list: server, channels, private ones. */
  ordered() {
    const rank = { server: 0, channel: 1, query: 2 };
    return [...this.conversations.entries()]
      .sort(([, a], [, b]) => rank[a.kind] - rank[b.kind] || fold(a.name).localeCompare(fold(b.name)))
      .map(([key, conv]) => ({ key, conv }));
  }

  isMe(nick) {
    return fold(nick) === fold(this.me);
  }

  /** After each welcome: who we are now, and the conversations brought up to date. */
  welcome({ nick, caps, isupport }, serverTime) {
    const first = this.connectedAt === null;
    this.me = nick;
    this.caps = caps;
    this.isupport = isupport;
    this.connectedAt ??= serverTime ?? nowTime();
    this.batches.clear();
    this.history.reset();
    const prefix = /^\(([^)]*)\)(.*)$/.exec(isupport.PREFIX ?? "");
    if (prefix) this.prefixes = Object.fromEntries([...prefix[1]].map((m, i) => [m, prefix[2][i]]));
    for (const conv of this.conversations.values()) {
      if (conv.kind === "channel") {
        if (conv.joined) this.sendLine("JOIN", [conv.name]); // back where we were
        conv.joined = false;
        conv.members.clear();
      } else if (conv.kind === "query" && !first) {
        this.history.catchUp(conv);
      }
    }
    if (this.caps.has("draft/chathistory")) {
      // Private conversations of the last 30 days; the end is a day ahead, so a clock
      // here behind the server's does not leave out the latest.
      const day = 86400e3;
      const since = new Date(Date.now() - 30 * day).toISOString();
      const until = new Date(Date.now() + day).toISOString();
      this.sendLine("CHATHISTORY", ["TARGETS", `timestamp=${since}`, `timestamp=${until}`, "50"]);
    }
    this.changed(null);
  }

  /** Apply one line from the server. */
  apply(msg) {
    const batchRef = msg.tags.batch;
    const batch = batchRef ? this.batches.get(batchRef) : null;
    if (batch) batch.count++;
    if (batch?.type === "draft/multiline" && msg.command !== "BATCH") {
      batch.lines.push(msg);
      return;
    }
    const handler = HANDLERS[msg.command];
    if (handler) handler.call(this, msg, batch);
    else if (/^\d{3}$/.test(msg.command)) this.numeric(msg);
  }

  /** Whether a line belongs to a history batch (it is past, not news). */
  inHistory(batch) {
    for (let b = batch; b; b = this.batches.get(b.parent)) if (b.type === "chathistory") return true;
    return false;
  }

  /** A line of text for the user: in the open conversation (or the server's), not counted. */
  info(text, error = false, where = null) {
    const conv = where ?? this.get(this.active) ?? this.server;
    const message = {
      id: `local-${++localIds}`, msgid: null, time: nowTime(), nick: "", text,
      kind: error ? "error" : "info", self: false, mention: false, tags: {},
    };
    conv.add(message);
    this.emit("message", { conversation: conv, message, live: true });
    this.changed(conv);
  }

  /** PRIVMSG and NOTICE, live or from history. */
  chat(msg, batch, kind, text = msg.params[1] ?? "") {
    const source = nickOf(msg.source);
    let target = msg.params[0] ?? "";
    const statusmsg = this.isupport.STATUSMSG ?? "";
    while (target && statusmsg.includes(target[0]) && isChannel(target.slice(1))) target = target.slice(1);
    const fromServer = !msg.source.includes("!") || !source;
    if (fromServer || target === "*") {
      this.info(text, false, this.server);
      return;
    }
    let mine = this.isMe(source);
    if (text.startsWith("\x01")) {
      const body = text.replace(/^\x01|\x01$/g, "");
      if (!body.startsWith("ACTION ") && body !== "ACTION") return; // other CTCPs: not shown
      kind = "action";
      text = body.slice(7);
    }
    const name = isChannel(target) ? target : mine ? target : source;
    const live = !this.inHistory(batch);
    const conv = this.conversation(name, isChannel(name) ? "channel" : "query");
    if (conv.kind === "query" && !mine && conv.name !== source) conv.name = source;
    if (conv.kind === "query" && live && !conv.loaded) this.openQuery(conv.name); // its earlier lines
    const account = msg.tags.account;
    if (!mine && account && this.account && fold(account) === fold(this.account) && !live) mine = true;
    const message = {
      id: msg.tags.msgid ?? `local-${++localIds}`,
      msgid: msg.tags.msgid ?? null,
      time: msg.tags.time ?? nowTime(),
      nick: source,
      text,
      kind,
      self: mine,
      mention: !mine && this.mentions(text),
      tags: msg.tags,
    };
    if (!conv.add(message)) return;
    this.emit("message", { conversation: conv, message, live });
    this.changed(conv);
  }

  /** Whether text names the user, as a word of its own. */
  mentions(text) {
    if (!this.me) return false;
    const nick = this.me.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(^|[^\\w\\[\\]\\\\^{}|\`-])${nick}($|[^\\w\\[\\]\\\\^{}|\`-])`, "i").test(text);
  }

  /** A member of a channel, made if new. */
  member(conv, nick) {
    const key = fold(nick);
    let m = conv.members.get(key);
    if (!m) {
      m = { nick, prefixes: "", away: false };
      conv.members.set(key, m);
    }
    return m;
  }

  /** Someone's away state, in every channel that has them. */
  setAway(nick, away) {
    for (const conv of this.conversations.values()) {
      const m = conv.members.get(fold(nick));
      if (m && m.away !== away) {
        m.away = away;
        this.changed(conv);
      }
    }
  }

  /** A membership line (join, part, quit...) in a channel's log. */
  event(conv, msg, kind, text) {
    const message = {
      id: msg.tags.msgid ?? `local-${++localIds}`, msgid: msg.tags.msgid ?? null,
      time: msg.tags.time ?? nowTime(), nick: nickOf(msg.source), text, kind,
      self: this.isMe(nickOf(msg.source)), mention: false, tags: msg.tags,
    };
    conv.add(message);
  }

  /** Someone left a channel (part, kick); we did: the conversation goes. */
  leave(msg, name, nick, kind, text) {
    const conv = this.conversation(name);
    if (!conv) return;
    if (this.isMe(nick)) {
      conv.joined = false;
      conv.members.clear();
      this.conversations.delete(fold(name));
      if (kind === "kick") this.info(`You were ${text.replace(/^removed/, "removed from " + conv.name)}.`, true, this.server);
      this.changed(null);
      return;
    }
    conv.members.delete(fold(nick));
    this.event(conv, msg, kind, `${nick} ${kind === "kick" ? "was " : ""}${text}`);
    this.changed(conv);
  }

  numeric(msg) {
    const { command: code, params } = msg;
    const text = params[params.length - 1] ?? "";
    if (code === "353" && params.length >= 4) {
      const conv = this.conversation(params[2]);
      if (!conv) return;
      const symbols = Object.values(this.prefixes).join("");
      for (const entry of params[3].split(" ").filter(Boolean)) {
        let i = 0;
        while (i < entry.length && symbols.includes(entry[i])) i++;
        this.member(conv, nickOf(entry.slice(i))).prefixes = entry.slice(0, i);
      }
      this.changed(conv);
    } else if (code === "352" && params.length >= 7) {
      const conv = this.conversation(params[1]);
      const m = conv?.members.get(fold(params[5]));
      if (m) {
        m.away = params[6].startsWith("G");
        this.changed(conv);
      }
    } else if (code === "332" && params.length >= 3) {
      const conv = this.conversation(params[1]);
      if (conv) {
        conv.topic = text;
        this.changed(conv);
      }
    } else if (code === "305" || code === "306") {
      this.away = code === "306";
      this.setAway(this.me, this.away);
      this.info(code === "306" ? "You are marked as away." : "You are back.");
    } else if (code === "900") {
      this.account = params[2] ?? null;
    } else if (code === "301" && params.length >= 3) {
      const conv = this.conversation(params[1]);
      if (conv?.kind === "query") conv.peerAway = true;
      this.info(`${params[1]} is away: ${text}`);
    } else if (ERRORS.has(code)) {
      this.info(params.slice(1).join(" "), true);
    } else if (ANSWERS.has(code)) {
      this.info(params.slice(1).join(" "));
    } else if (!SILENT.has(code)) {
      this.info(params.slice(1).join(" "), false, this.server);
    }
  }

  /** The user opened a private conversation (/query, a click on a nick). */
  openQuery(nick) {
    const conv = this.conversation(nick, "query");
    if (!conv.loaded && !conv.requested) {
      conv.requested = true;
      if (this.caps.has("draft/read-marker")) this.sendLine("MARKREAD", [nick]);
      this.history.latest(conv);
    }
    return conv;
  }

  /** The user closed a conversation: leave a channel, forget a private one. */
  close(key) {
    const conv = this.get(key);
    if (!conv || conv.kind === "server") return;
    if (conv.kind === "channel" && conv.joined) this.sendLine("PART", [conv.name]);
    else {
      this.conversations.delete(key);
      const last = conv.messages[conv.messages.length - 1];
      if (conv.kind === "query") this.closed.set(key, last?.time ?? nowTime());
      this.changed(null);
    }
  }

  /** The user has seen the bottom of `conv`: move the read marker to its last line. */
  markRead(conv) {
    const last = conv.lastStored;
    if (!last || (conv.marker && conv.marker >= last.time)) return;
    if (!conv.marker && conv.unread === 0 && conv.baseline >= last.time) return;
    conv.marker = last.time;
    if (this.caps.has("draft/read-marker")) this.sendLine("MARKREAD", [conv.name, `timestamp=${last.time}`]);
    this.changed(conv);
  }
}

const HANDLERS = {
  PRIVMSG(msg, batch) {
    this.chat(msg, batch, "privmsg");
  },
  NOTICE(msg, batch) {
    this.chat(msg, batch, "notice");
  },
  BATCH(msg) {
    const [ref = "", type = "", ...args] = msg.params;
    if (ref.startsWith("+")) {
      if (this.batches.size >= MAX_OPEN_BATCHES) return;
      this.batches.set(ref.slice(1), { type, args, tags: msg.tags, lines: [], count: 0, parent: msg.tags.batch });
      return;
    }
    const batch = this.batches.get(ref.slice(1));
    if (!batch) return;
    this.batches.delete(ref.slice(1));
    if (batch.type === "draft/multiline" && batch.lines.length) {
      const first = batch.lines[0];
      let text = "";
      batch.lines.forEach((line, i) => {
        if (i > 0 && !("draft/multiline-concat" in line.tags)) text += "\n";
        text += line.params[1] ?? "";
      });
      const tags = { ...first.tags, ...batch.tags };
      if (batch.tags.batch) tags.batch = batch.tags.batch;
      else delete tags.batch;
      const combined = { ...first, tags, params: [batch.args[0] ?? first.params[0], text] };
      this.chat(combined, this.batches.get(batch.tags.batch) ?? null, first.command === "NOTICE" ? "notice" : "privmsg");
    } else if (batch.type === "chathistory") {
      this.history.done(batch.args[0] ?? "", batch.count);
    }
  },
  CHATHISTORY(msg) {
    if (msg.params[0] !== "TARGETS" || msg.params.length < 2) return;
    const name = msg.params[1];
    if (isChannel(name) || this.isMe(name)) return;
    const conv = this.conversation(name);
    const latest = msg.params[2] ?? "";
    const closedAt = this.closed.get(fold(name));
    if (conv) {
      if (conv.loaded && !this.history.waiting(conv)) this.history.catchUp(conv);
    } else if (!closedAt || latest > closedAt) {
      this.openQuery(name); // (one the user closed comes back only with something new)
    }
  },
  JOIN(msg) {
    const nick = nickOf(msg.source);
    const name = msg.params[0];
    if (this.isMe(nick)) {
      const conv = this.conversation(name, "channel");
      conv.joined = true;
      conv.members.clear();
      if (conv.loaded) this.history.catchUp(conv);
      else this.history.latest(conv);
      this.sendLine("WHO", [conv.name]); // who is away (away-notify keeps it current)
      this.changed(conv);
      this.changed(null);
      return;
    }
    const conv = this.conversation(name);
    if (!conv) return;
    this.member(conv, nick);
    this.event(conv, msg, "join", `${nick} joined`);
    this.changed(conv);
  },
  PART(msg) {
    this.leave(msg, msg.params[0], nickOf(msg.source), "part", `left${msg.params[1] ? ` (${msg.params[1]})` : ""}`);
  },
  KICK(msg) {
    const by = nickOf(msg.source);
    this.leave(msg, msg.params[0], msg.params[1] ?? "", "kick", `removed by ${by}${msg.params[2] ? ` (${msg.params[2]})` : ""}`);
  },
  QUIT(msg) {
    const nick = nickOf(msg.source);
    for (const conv of this.conversations.values()) {
      if (conv.kind === "channel" && conv.members.delete(fold(nick))) {
        this.event(conv, msg, "quit", `${nick} quit${msg.params[0] ? ` (${msg.params[0]})` : ""}`);
        this.changed(conv);
      }
    }
  },
  NICK(msg) {
    const old = nickOf(msg.source);
    const now = msg.params[0];
    if (this.isMe(old)) {
      this.me = now;
      this.info(`You are now known as ${now}.`);
    }
    for (const [key, conv] of [...this.conversations.entries()]) {
      const m = conv.members.get(fold(old));
      if (m) {
        conv.members.delete(fold(old));
        m.nick = now;
        conv.members.set(fold(now), m);
        this.event(conv, msg, "nick", `${old} is now known as ${now}`);
        this.changed(conv);
      }
      if (conv.kind === "query" && key === fold(old) && !this.conversations.has(fold(now))) {
        this.conversations.delete(key);
        conv.name = now;
        this.conversations.set(fold(now), conv);
        if (this.active === key) this.active = fold(now);
        this.changed(null);
      }
    }
  },
  TOPIC(msg) {
    const conv = this.conversation(msg.params[0]);
    if (!conv) return;
    conv.topic = msg.params[1] ?? "";
    this.event(conv, msg, "topic", `${nickOf(msg.source)} set the topic: ${conv.topic}`);
    this.changed(conv);
  },
  AWAY(msg) {
    this.setAway(nickOf(msg.source), msg.params.length > 0 && msg.params[0] !== "");
  },
  MODE(msg) {
    const conv = this.conversation(msg.params[0]);
    if (!conv || conv.kind !== "channel") return;
    this.sendLine("NAMES", [conv.name]); // prefixes changed: the server's list is the truth
  },
  MARKREAD(msg) {
    const [target, value = "*"] = msg.params;
    if (!target) return;
    const when = value.startsWith("timestamp=") ? value.slice(10) : null;
    const conv = this.conversation(target);
    const known = conv ? conv.marker : this.markers.get(fold(target));
    if (when && known && when <= known) return; // markers only move forward
    if (!when) return;
    this.markers.set(fold(target), when);
    if (conv) {
      conv.marker = when;
      this.changed(conv);
    }
  },
  REDACT(msg) {
    const [target, msgid] = msg.params;
    for (const conv of this.conversations.values()) {
      const m = conv.byId.get(msgid);
      if (m && (fold(conv.name) === fold(target) || conv.kind === "query")) {
        m.redacted = true;
        m.text = "";
        conv.reshaped++;
        this.changed(conv);
      }
    }
  },
  FAIL(msg) {
    const [command = "", code = ""] = msg.params;
    if (command === "CHATHISTORY") this.history.failed(msg.params);
    if (command === "REGISTER" || command === "VERIFY") return; // said by the connection
    this.info(`${command} ${code}: ${msg.params[msg.params.length - 1]}`, true);
  },
  WARN(msg) {
    this.info(`${msg.params[0]}: ${msg.params[msg.params.length - 1]}`);
  },
  ERROR(msg) {
    this.info(`The server closed the connection: ${msg.params[0] ?? ""}`, true, this.server);
  },
  SETNAME() {},
  CHGHOST() {},
  INVITE(msg) {
    this.info(`${nickOf(msg.source)} invites you to ${msg.params[1]} (/join ${msg.params[1]})`);
  },
};
