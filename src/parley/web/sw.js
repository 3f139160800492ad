// The web client's service worker: shows Web Push notifications (IRCv3 draft/webpush).
//
// Each push holds one IRC line (tags, source, PRIVMSG or NOTICE, target, text), sent
// by the server for a private message or a mention while no device of the account
// is connected. A click focuses an open client, or opens one.

const FORMATTING = /[\x02\x0f\x11\x16\x1d\x1e\x1f]|\x03(\d{1,2}(,\d{1,2})?)?|\x04([0-9a-fA-F]{6}(,[0-9a-fA-F]{6})?)?/g;
const BODY_LENGTH = 300; // characters of the text a notification shows

/** One IRC line's parts: tags, source nick, command and parameters. */
function parseLine(line) {
  let rest = line;
  const tags = {};
  if (rest.startsWith("@")) {
    const end = rest.indexOf(" ");
    for (const item of rest.slice(1, end < 0 ? undefined : end).split(";")) {
      const at = item.indexOf("=");
      tags[at < 0 ? item : item.slice(0, at)] = at < 0 ? "" : item.slice(at + 1);
    }
    rest = end < 0 ? "" : rest.slice(end + 1).trimStart();
  }
  let nick = "";
  if (rest.startsWith(":")) {
    const end = rest.indexOf(" ");
    const source = rest.slice(1, end < 0 ? undefined : end);
    nick = source.split("!")[0];
    rest = end < 0 ? "" : rest.slice(end + 1).trimStart();
  }
  const params = [];
  while (rest) {
    if (rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const end = rest.indexOf(" ");
    params.push(end < 0 ? rest : rest.slice(0, end));
    rest = end < 0 ? "" : rest.slice(end + 1).trimStart();
  }
  const command = (params.shift() || "").toUpperCase();
  return { tags, nick, command, params };
}

/** What a push's line shows: a title (the channel, or the sender) and "nick: text". */
function describePush(line) {
  const { tags, nick, command, params } = parseLine(line);
  if ((command !== "PRIVMSG" && command !== "NOTICE") || params.length < 2) return null;
  const [target, raw] = params;
  let text = raw.replace(FORMATTING, "");
  const action = /^\x01ACTION (.*?)\x01?$/.exec(text);
  if (action) text = `* ${nick} ${action[1]}`;
  else text = `${nick}: ${text.replace(/\x01/g, "")}`;
  const channel = /^[#&]/.test(target.replace(/^[~&@%+]+(?=[#&])/, ""));
  return {
    title: channel ? target : `${nick} (private)`,
    body: text.length > BODY_LENGTH ? text.slice(0, BODY_LENGTH - 1) + "…" : text,
    conversation: channel ? target : nick,
    msgid: tags.msgid || "",
  };
}

self.addEventListener("push", (event) => {
  const line = event.data ? event.data.text() : "";
  const shown = describePush(line);
  if (!shown) return;
  event.waitUntil(
    self.registration.showNotification(shown.title, {
      body: shown.body,
      tag: shown.msgid || undefined, // the same message pushed twice shows once
      data: { conversation: shown.conversation },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const conversation = (event.notification.data || {}).conversation || "";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((open) => {
      for (const client of open) {
        if ("focus" in client) {
          client.postMessage({ type: "open-conversation", conversation });
          return client.focus();
        }
      }
      const url = new URL("./", self.registration.scope);
      if (conversation) url.hash = encodeURIComponent(conversation);
      return self.clients.openWindow(url.href);
    }),
  );
});
