// What a line typed into the compose box means: text to say, or a /command. The same
// commands as the desktop client (src/parley/client/commands.py), so people find the
// ones they know. No DOM and no socket: it returns actions for app.js to carry out.

import { isChannel, splitText } from "./irc.js";

export const MAX_TEXT = 400; // bytes of text per line, leaving room for the prefix the server adds

export const HELP = `Commands:
/join #channel [key]   /part [reason]   /msg nick text   /query nick   /close
/me action   /nick newnick   /topic [text]   /away [reason]   /back
/whois nick   /names   /list   /quit [reason]   /help
Start a line with // to send text that begins with /.`;

/** PRIVMSG lines saying `text` to `target`, cut to fit; an action is wrapped in CTCP. */
export function say(target, text, action = false) {
  let pieces = splitText(text, MAX_TEXT - (action ? 9 : 0));
  if (action) pieces = pieces.map((p) => `\x01ACTION ${p}\x01`);
  return { send: pieces.map((p) => ["PRIVMSG", [target, p]]) };
}

/**
 * The action for one typed line. `current` is the open conversation's name and kind
 * ({name, kind}, or null). Actions: {send: [[command, params]...]}, {say: text},
 * {open: nick}, {close: true}, {show: text, error}, {quit: reason}.
 */
export function interpret(line, current) {
  const inChat = current && current.kind !== "server";
  if (!line.startsWith("/") || line.startsWith("//")) {
    const text = line.startsWith("//") ? line.slice(1) : line;
    if (!inChat) return { show: "Join a channel or open a conversation first (/join #lobby).", error: true };
    return { say: text };
  }
  const space = line.indexOf(" ");
  const command = (space < 0 ? line.slice(1) : line.slice(1, space)).toLowerCase();
  const rest = space < 0 ? "" : line.slice(space + 1).trim();
  const words = rest.split(/\s+/).filter(Boolean);
  const afterFirst = words.length ? rest.slice(rest.indexOf(words[0]) + words[0].length).trim() : "";
  switch (command) {
    case "join":
      if (!words.length) break;
      return { send: [["JOIN", [isChannel(words[0]) ? words[0] : `#${words[0]}`, ...words.slice(1, 2)]]] };
    case "part": {
      const named = words.length && isChannel(words[0]);
      const target = named ? words[0] : current?.kind === "channel" ? current.name : null;
      if (!target) return { show: "Usage: /part [#channel] [reason]", error: true };
      const reason = named ? afterFirst : rest;
      return { send: [["PART", reason ? [target, reason] : [target]]] };
    }
    case "msg":
    case "query":
      if (!words.length) break;
      if (command === "query" && !afterFirst) return { open: words[0] };
      if (!afterFirst) return { show: "Usage: /msg nick text", error: true };
      return { ...say(words[0], afterFirst), open: command === "query" ? words[0] : undefined };
    case "me":
      if (!inChat || !rest) break;
      return say(current.name, rest, true);
    case "nick":
      if (words.length !== 1) break;
      return { send: [["NICK", [words[0]]]] };
    case "topic":
      if (current?.kind !== "channel") return { show: "Usage, in a channel: /topic [new topic]", error: true };
      return { send: [["TOPIC", rest ? [current.name, rest] : [current.name]]] };
    case "away":
      return { send: [["AWAY", [rest || "Away"]]] };
    case "back":
      return { send: [["AWAY", []]] };
    case "whois":
      if (!words.length) break;
      return { send: [["WHOIS", [words[0]]]] };
    case "names":
      if (!words.length && current?.kind !== "channel") break;
      return { send: [["NAMES", [words[0] ?? current.name]]] };
    case "list":
      return { send: [["LIST", []]] };
    case "close":
      if (!inChat) break;
      return { close: true };
    case "quit":
      return { quit: rest || "Leaving" };
    case "help":
      return { show: HELP };
    default:
      return { show: `Unknown command /${command}. Type /help for the list.`, error: true };
  }
  return { show: `/${command} needs more words.\n${HELP}`, error: true };
}
