// The settings panel: theme, browser notifications, push notifications on this device
// (when the server announces VAPID in ISUPPORT, through ./push.js, loaded only then),
// and logging out.

import { currentTheme, toggleTheme } from "./theme.js";
import * as notify from "./notify.js";

const $ = (id) => document.getElementById(id);

/** Wire the panel. `ctx` gives sendLine(raw), isupport() and logout(). */
export function setupSettings(ctx) {
  const dialog = $("settings");
  const opener = $("settings-toggle");
  const themeButton = $("theme-toggle");
  const notifyButton = $("notify-toggle");
  const notifyStatus = $("notify-status");
  const pushRow = $("push-row");
  const pushButton = $("push-enable");
  const pushStatus = $("push-status");

  const showTheme = () => {
    const dark = currentTheme() === "dark";
    themeButton.textContent = dark ? "Use the light theme" : "Use the dark theme";
    themeButton.setAttribute("aria-pressed", String(dark));
  };
  const showNotify = () => {
    if (!notify.supported()) {
      notifyButton.hidden = true;
      notifyStatus.textContent = "This browser cannot show notifications.";
    } else if (notify.enabled()) {
      notifyButton.textContent = "Turn off notifications";
      notifyStatus.textContent = "You are told of mentions and private messages while this tab is hidden.";
    } else {
      notifyButton.textContent = "Turn on notifications";
      notifyStatus.textContent = Notification.permission === "denied"
        ? "This browser blocks notifications from this site: allow them in its site settings."
        : "Off.";
    }
  };

  opener.addEventListener("click", () => {
    showTheme();
    showNotify();
    const vapid = ctx.isupport().VAPID;
    pushRow.hidden = !vapid;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    themeButton.focus();
  });
  $("settings-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener.focus());

  themeButton.addEventListener("click", () => {
    toggleTheme();
    showTheme();
  });

  notifyButton.addEventListener("click", async () => {
    if (notify.enabled()) notify.disable();
    else await notify.enable();
    showNotify();
  });

  pushButton.addEventListener("click", async () => {
    const vapid = ctx.isupport().VAPID;
    if (!vapid) return;
    pushButton.disabled = true;
    pushStatus.textContent = "Setting up…";
    try {
      const push = await import("./push.js");
      await push.enablePush(vapid, ctx.sendLine);
      pushStatus.textContent = "This device gets notifications even when Parley is closed.";
    } catch (error) {
      pushStatus.textContent = `Could not turn on notifications for this device: ${error.message}`;
      pushButton.disabled = false;
    }
  });

  $("logout").addEventListener("click", () => {
    dialog.close();
    ctx.logout();
  });
}
