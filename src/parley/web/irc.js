// IRC lines in and out, with IRCv3 message tags. Sans-IO: strings in, objects out,
// so the rest of the client never splits a line by hand and every outgoing line is
// built (and escaped) in one place.

const TAG_ESCAPES = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

/** A tag value as sent on the wire: the spec's escapes undone (a lone trailing `\` dropped). */
export function unescapeTag(value) {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== "\\") { out += c; continue; }
    i++;
    if (i >= value.length) break;
    out += TAG_ESCAPES[value[i]] ?? value[i];
  }
  return out;
}

/** A tag value made safe for the wire: `;`, space, `\`, CR and LF escaped. */
export function escapeTag(value) {
  return String(value).replace(/[\\; \r\n]/g, (c) =>
    ({ "\\": "\\\\", ";": "\\:", " ": "\\s", "\r": "\\r", "\n": "\\n" })[c]);
}

/** One line from the server as {tags, source, command, params}; null for an empty line. */
export function parse(line) {
  let rest = line.replace(/[\r\n]+$/, "");
  const tags = {};
  if (rest.startsWith("@")) {
    const end = rest.indexOf(" ");
    if (end < 0) return null;
    for (const item of rest.slice(1, end).split(";")) {
      if (!item) continue;
      const eq = item.indexOf("=");
      if (eq < 0) tags[item] = "";
      else tags[item.slice(0, eq)] = unescapeTag(item.slice(eq + 1));
    }
    rest = rest.slice(end + 1).replace(/^ +/, "");
  }
  let source = "";
  if (rest.startsWith(":")) {
    const end = rest.indexOf(" ");
    if (end < 0) return null;
    source = rest.slice(1, end);
    rest = rest.slice(end + 1).replace(/^ +/, "");
  }
  const params = [];
  while (rest) {
    if (rest.startsWith(":")) { params.push(rest.slice(1)); break; }
    const end = rest.indexOf(" ");
    if (end < 0) { params.push(rest); break; }
    params.push(rest.slice(0, end));
    rest = rest.slice(end + 1).replace(/^ +/, "");
  }
  const command = (params.shift() || "").toUpperCase();
  if (!command) return null;
  return { tags, source, command, params };
}

/** A line to send: the last parameter gets a `:` when it needs one; CR, LF and NUL
 *  are refused rather than let a message smuggle a second command. */
export function serialize(command, params = [], tags = null) {
  const parts = [];
  if (tags && Object.keys(tags).length) {
    const items = Object.entries(tags).map(([k, v]) => (v === "" || v === true ? k : `${k}=${escapeTag(v)}`));
    parts.push("@" + items.join(";"));
  }
  parts.push(command);
  params.forEach((param, i) => {
    const p = String(param);
    if (/[\r\n\0]/.test(p)) throw new Error("a parameter cannot hold a line break");
    const last = i === params.length - 1;
    if (last && (p === "" || p.includes(" ") || p.startsWith(":"))) parts.push(":" + p);
    else if (p === "" || p.includes(" ") || p.startsWith(":")) throw new Error(`bad middle parameter ${p}`);
    else parts.push(p);
  });
  return parts.join(" ");
}

/** The nick in a `nick!user@host` source. */
export function nickOf(source) {
  const bang = source.indexOf("!");
  return bang < 0 ? source : source.slice(0, bang);
}

/** CASEMAPPING=rfc1459: the key every name is looked up by. */
export function fold(name) {
  return name.toLowerCase().replace(/[[\]\\~]/g, (c) => ({ "[": "{", "]": "}", "\\": "|", "~": "^" })[c]);
}

/** Whether a target names a channel (CHANTYPES=#). */
export function isChannel(name, chantypes = "#") {
  return name.length > 0 && chantypes.includes(name[0]);
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string: what the server's line limits count. */
export function byteLength(text) {
  return encoder.encode(text).length;
}

/** Long text cut into pieces that fit a line, at spaces where possible and never
 *  inside a character, as the desktop client does. */
export function splitText(text, limit = 400) {
  const pieces = [];
  let rest = text;
  while (byteLength(rest) > limit) {
    let cut = 0;
    let bytes = 0;
    for (const ch of rest) {
      const size = byteLength(ch);
      if (bytes + size > limit) break;
      bytes += size;
      cut += ch.length;
    }
    const space = rest.lastIndexOf(" ", cut);
    if (space > cut / 2) cut = space;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ +/, "");
  }
  if (rest) pieces.push(rest);
  return pieces;
}

/** An ISO server-time for now, in the server's format (milliseconds, Z). */
export function nowTime() {
  return new Date().toISOString();
}

/** Text without IRC formatting codes (bold, colours, italics...): shown plain. */
export function stripFormatting(text) {
  return text.replace(/\x03(\d{1,2}(,\d{1,2})?)?|\x04([0-9a-fA-F]{6}(,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g, "");
}
