// Web Push for the web client (IRCv3 draft/webpush).
//
// enablePush subscribes this browser with its push service, using the server's VAPID
// key (ISUPPORT VAPID) as the application server key, and registers the subscription
// with the server: WEBPUSH REGISTER <endpoint> p256dh=<key>;auth=<secret>. The server
// then pushes private messages and mentions while no device of the account is
// connected; sw.js shows them. The user must be logged in to an account.

/** Bytes as URL-safe base64 without padding (RFC 4648 section 5). */
export function base64url(bytes) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  let binary = "";
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** URL-safe base64 (padded or not) as bytes. */
export function fromBase64url(text) {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(plain + "=".repeat((4 - (plain.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A PushSubscription's keys as WEBPUSH REGISTER takes them (message-tags form). */
export function formatKeys(subscription) {
  const p256dh = subscription.getKey("p256dh");
  const auth = subscription.getKey("auth");
  if (!p256dh || !auth) throw new Error("the subscription has no p256dh or auth key");
  return `p256dh=${base64url(p256dh)};auth=${base64url(auth)}`;
}

/** Whether this browser can receive push notifications at all. */
export function pushSupported() {
  return (
    typeof window !== "undefined" &&
    window.isSecureContext === true &&
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window
  );
}

function sameKey(a, b) {
  if (!a) return false;
  const left = new Uint8Array(a);
  return left.length === b.length && left.every((byte, i) => byte === b[i]);
}

/**
 * Subscribe this browser and register the subscription with the server.
 *
 * vapidKey: the server's ISUPPORT VAPID value (empty or undefined: not offered).
 * sendLine: sends one IRC line on the client's connection.
 * Resolves to a short status for the UI; it never rejects: when push cannot be had
 * (no support, permission refused, the push service unreachable) the status says why,
 * and starts with "Push notifications unavailable" or "Push notifications blocked".
 */
export async function enablePush(vapidKey, sendLine) {
  if (!vapidKey) return "Push notifications unavailable: this server does not offer them";
  if (!pushSupported()) {
    return "Push notifications unavailable: this browser cannot receive them here";
  }
  let permission = Notification.permission;
  if (permission === "default") permission = await Notification.requestPermission();
  if (permission !== "granted") {
    return "Push notifications blocked: allow notifications for this site in the browser";
  }
  try {
    const registration = await navigator.serviceWorker.register("./sw.js");
    await navigator.serviceWorker.ready;
    const key = fromBase64url(vapidKey);
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe(); // made for another key: pushes would be refused
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key,
      });
    }
    sendLine(`WEBPUSH REGISTER ${subscription.endpoint} ${formatKeys(subscription)}`);
    return "Push notifications on: mentions and private messages reach you while you are away";
  } catch (error) {
    return `Push notifications unavailable: ${error && error.message ? error.message : error}`;
  }
}

/** Stop pushes to this browser: unsubscribe, and tell the server. */
export async function disablePush(sendLine) {
  if (!pushSupported()) return "Push notifications were not on";
  const registration = await navigator.serviceWorker.getRegistration("./sw.js");
  const subscription = registration && (await registration.pushManager.getSubscription());
  if (!subscription) return "Push notifications were not on";
  sendLine(`WEBPUSH UNREGISTER ${subscription.endpoint}`);
  await subscription.unsubscribe();
  return "Push notifications off";
}
