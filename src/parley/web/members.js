// The nick list of the open channel: ops first, then voiced, then everyone, with who
// is away (away-notify and WHO keep it current). A click opens a private conversation.

const RANK = "~&@%+";

function rank(member) {
  const i = RANK.indexOf(member.prefixes[0] ?? "");
  return i < 0 ? RANK.length : i;
}

/** Members sorted as the list shows them. */
export function sortedMembers(conv) {
  return [...conv.members.values()].sort(
    (a, b) => rank(a) - rank(b) || a.nick.toLowerCase().localeCompare(b.nick.toLowerCase()),
  );
}

/** Rebuild the list; `open(nick)` starts a private conversation. */
export function renderMembers(list, heading, conv, me, open) {
  if (!conv || conv.kind !== "channel") {
    heading.textContent = "";
    list.replaceChildren();
    return;
  }
  const members = sortedMembers(conv);
  const awayCount = members.filter((m) => m.away).length;
  heading.textContent = `${members.length} in ${conv.name}${awayCount ? `, ${awayCount} away` : ""}`;
  list.replaceChildren(
    ...members.map((member) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = `member${member.away ? " away" : ""}`;
      button.dataset.nick = member.nick;
      const prefix = document.createElement("span");
      prefix.className = "prefix";
      prefix.textContent = member.prefixes[0] ?? "";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = member.nick;
      button.append(prefix, name);
      if (member.away) {
        const away = document.createElement("span");
        away.className = "away-label";
        away.textContent = "away";
        button.append(away);
      }
      button.setAttribute("aria-label", `${member.nick}${member.away ? ", away" : ""}${member.nick === me ? " (you)" : ""}: open a private conversation`);
      button.addEventListener("click", () => open(member.nick));
      li.append(button);
      return li;
    }),
  );
}
