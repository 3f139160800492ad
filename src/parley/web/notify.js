// Browser notifications for mentions and private messages while the tab is hidden.
// Permission is asked only from a button the user presses (browsers ignore, and people
// dislike, a request on page load); whether they are on is remembered here.

import { stripFormatting } from "./irc.js";

const KEY = "parley.notifications";

export function supported() {
  return "Notification" in window;
}

/** Whether notifications are on: allowed by the browser and not turned off here. */
export function enabled() {
  return supported() && Notification.permission === "granted" && localStorage.getItem(KEY) !== "off";
}

/** From the settings button: ask the browser (once), then remember the choice. */
export async function enable() {
  if (!supported()) return "unsupported";
  const answer = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
  if (answer === "granted") localStorage.setItem(KEY, "on");
  return answer;
}

export function disable() {
  localStorage.setItem(KEY, "off");
}

/** Tell the user about `message` in `conv` if they cannot see the page; a click
 *  brings the tab forward on that conversation. */
export function notifyMessage(conv, message, open) {
  if (!enabled() || document.visibilityState === "visible") return;
  if (message.self || !(message.mention || conv.kind === "query")) return;
  const title = conv.kind === "query" ? message.nick : `${message.nick} in ${conv.name}`;
  const note = new Notification(title, { body: stripFormatting(message.text).slice(0, 200), tag: `parley-${conv.name}` });
  note.addEventListener("click", () => {
    window.focus();
    open();
    note.close();
  });
}
