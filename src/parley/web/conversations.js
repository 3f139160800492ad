// The conversation list: the server's text, channels, then private conversations,
// each with its unread count, mentions highlighted. A button per conversation, so the
// keyboard and screen readers reach them like any other control.

/** How a conversation reads to a screen reader: its name and what is waiting in it. */
export function describe(conv) {
  const parts = [conv.kind === "query" ? `conversation with ${conv.name}` : conv.name];
  const unread = conv.kind === "server" ? 0 : conv.unread;
  if (unread) parts.push(`${unread}${conv.unreadMore ? " or more" : ""} unread`);
  const mentions = conv.kind === "server" ? 0 : conv.mentions;
  if (mentions) parts.push(`${mentions} ${mentions === 1 ? "mention" : "mentions"}`);
  return parts.join(", ");
}

/** Rebuild the list; `select(key)` is called when one is chosen. */
export function renderConversations(list, state, activeKey, select) {
  const items = [];
  let heading = null;
  for (const { key, conv } of state.ordered()) {
    const group = conv.kind === "query" ? "Private" : conv.kind === "channel" ? "Channels" : "";
    if (group && group !== heading) {
      const h = document.createElement("li");
      h.className = "group";
      h.setAttribute("role", "presentation");
      h.textContent = group;
      items.push(h);
      heading = group;
    }
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conversation";
    button.dataset.key = key;
    const unread = conv.kind === "server" ? 0 : conv.unread;
    const mentions = conv.kind === "server" ? 0 : conv.mentions;
    if (unread) button.classList.add("unread");
    if (mentions) button.classList.add("mentioned");
    if (key === activeKey) button.setAttribute("aria-current", "true");
    button.setAttribute("aria-label", describe(conv));
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = conv.name;
    button.append(name);
    if (unread) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = unread > 99 ? "99+" : `${unread}${conv.unreadMore ? "+" : ""}`;
      button.append(badge);
    }
    button.addEventListener("click", () => select(key));
    li.append(button);
    items.push(li);
  }
  list.replaceChildren(...items);
}
