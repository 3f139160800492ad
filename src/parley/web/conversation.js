// One conversation's lines as the client holds them: sorted by server time, each line
// once (by msgid, or by time, sender and text for a line sent without one), and the
// unread and mention counts that follow from the account's read marker.

const MAX_MESSAGES = 5000; // per conversation, oldest dropped past it (memory, not history)

/** A message's kinds that count as unread when someone else sends them. */
const COUNTED = new Set(["privmsg", "notice", "action"]);

/** A conversation: a channel, a private conversation, or the server's own text. */
export class Conversation {
  constructor(name, kind, baseline) {
    this.name = name;
    this.kind = kind; // "channel" | "query" | "server"
    this.topic = "";
    this.members = new Map(); // fold(nick) -> {nick, prefixes, away}
    this.messages = []; // sorted by time
    this.byId = new Map(); // msgid -> message, for dedupe and redaction
    this.byContent = new Map(); // time, sender and text -> message: a line sent without a msgid
    this.marker = null; // the account's read marker (server time), or null
    this.baseline = baseline; // without a marker, lines from before we came count as read
    this.joined = kind !== "channel";
    this.loaded = false; // its latest history has come
    this.reachedStart = false; // scrolling up found nothing older
    this.loadingOlder = false;
    this.divider = undefined; // where "new since you left" goes while it is open
    this.version = 0; // bumped on every change: views re-render what moved
    this.reshaped = 0; // bumped when a change is more than lines added at the end
  }

  /** How far the user has read: the marker, else when this client first saw it. */
  get readUpTo() {
    return this.marker ?? this.baseline;
  }

  /** Lines from others after the read marker. */
  get unread() {
    let count = 0;
    const since = this.readUpTo;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i];
      if (m.time <= since) break;
      if (COUNTED.has(m.kind) && !m.self) count++;
    }
    return count;
  }

  /** Whether there may be more unread lines than are loaded: older history not yet
   *  fetched is all after the marker too. */
  get unreadMore() {
    const first = this.messages[0];
    return !this.reachedStart && first !== undefined && first.time > this.readUpTo && this.unread > 0;
  }

  /** Unread lines that name the user (or any unread line of a private conversation). */
  get mentions() {
    let count = 0;
    const since = this.readUpTo;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i];
      if (m.time <= since) break;
      if (COUNTED.has(m.kind) && !m.self && (m.mention || this.kind === "query")) count++;
    }
    return count;
  }

  /** The newest line with a server time and id: where a gap fill starts. */
  get lastStored() {
    for (let i = this.messages.length - 1; i >= 0; i--) if (this.messages[i].msgid) return this.messages[i];
    return null;
  }

  /** The oldest stored line: where loading older history starts. */
  get firstStored() {
    return this.messages.find((m) => m.msgid) ?? null;
  }

  /** Sorted insert, skipping a line already here (history and live lines overlap): by
   *  msgid, or for a line that came without one (a server's replay of missed private
   *  messages) by its time, sender and text. */
  add(message) {
    if (message.msgid && this.byId.has(message.msgid)) return false;
    const content = message.kind === "info" || message.kind === "error" ? null : `${message.time}\n${message.nick}\n${message.kind}\n${message.text}`;
    const twin = content ? this.byContent.get(content) : null;
    if (twin && (!twin.msgid || !message.msgid)) {
      if (message.msgid) {
        twin.msgid = message.msgid; // the same line, now with its id: keep that
        this.byId.set(message.msgid, twin);
        this.version++;
        this.reshaped++;
      }
      return false;
    }
    if (content) this.byContent.set(content, message);
    const list = this.messages;
    let at = list.length;
    while (at > 0 && list[at - 1].time > message.time) at--;
    if (at < list.length) this.reshaped++;
    list.splice(at, 0, message);
    if (message.msgid) this.byId.set(message.msgid, message);
    if (list.length > MAX_MESSAGES) {
      const dropped = list.shift();
      this.reshaped++;
      if (dropped.msgid) this.byId.delete(dropped.msgid);
      this.byContent.delete(`${dropped.time}\n${dropped.nick}\n${dropped.kind}\n${dropped.text}`);
      this.reachedStart = false;
    }
    this.version++;
    return true;
  }
}
