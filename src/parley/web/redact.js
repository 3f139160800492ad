// Deleting one's own messages (draft/message-redaction): a "Delete" action on the
// user's own lines, after a confirmation, sends REDACT. The server's REDACT (ours, from
// another device, or someone else's) turns the line into "message deleted", and a
// refusal (FAIL REDACT) is said in the conversation: both in state.js.

import { addMessageAction } from "./hooks.js";

const CAP = "draft/message-redaction";
const DELETABLE = new Set(["privmsg", "notice", "action"]);

addMessageAction({
  id: "delete",
  label: "Delete",
  icon: "🗑",
  available: (message, conv, ctx) =>
    message.self && Boolean(message.msgid) && DELETABLE.has(message.kind) && conv.kind !== "server" && Boolean(ctx.state?.caps.has(CAP)),
  run(message, conv, ctx) {
    if (!window.confirm("Delete this message for everyone?")) return;
    ctx.send("REDACT", [conv.name, message.msgid]);
  },
});
