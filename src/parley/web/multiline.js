// Text with line breaks, as IRC lines: one draft/multiline batch when the server takes
// it (and the text fits its announced limits), else one PRIVMSG per line, so a pasted
// block reads as one message where it can and still arrives where it cannot.

import { byteLength, splitText } from "./irc.js";
import { MAX_TEXT, say } from "./commands.js";

let batches = 0;

/** draft/multiline's limits from its CAP value ("max-bytes=4096,max-lines=24"). */
export function multilineLimits(value) {
  const limits = { maxBytes: 4096, maxLines: 24 };
  for (const item of (value ?? "").split(",")) {
    const [key, number] = item.split("=");
    if (key === "max-bytes" && Number(number) > 0) limits.maxBytes = Number(number);
    if (key === "max-lines" && Number(number) > 0) limits.maxLines = Number(number);
  }
  return limits;
}

/**
 * The lines that say `text` to `target`: [[command, params, tags]...].
 * `caps` is the set of enabled capabilities, `offered` the CAP LS values.
 */
export function linesFor(target, text, caps, offered) {
  const rows = text.replace(/\r\n?/g, "\n").split("\n");
  while (rows.length > 1 && rows[rows.length - 1] === "") rows.pop(); // a trailing newline
  if (rows.length === 1) return say(target, rows[0]).send.map(([c, p]) => [c, p, null]);
  const limits = multilineLimits(offered["draft/multiline"]);
  const pieces = [];
  for (const row of rows) {
    const parts = row === "" ? [""] : splitText(row, MAX_TEXT);
    parts.forEach((part, i) => pieces.push({ text: part, concat: i > 0 }));
  }
  const bytes = pieces.reduce((sum, p) => sum + byteLength(p.text) + 1, 0);
  const batchOk = caps.has("draft/multiline") && caps.has("batch") && pieces.length <= limits.maxLines && bytes <= limits.maxBytes;
  if (!batchOk) {
    return rows.filter((r) => r !== "").flatMap((row) => say(target, row).send.map(([c, p]) => [c, p, null]));
  }
  const ref = `ml${Date.now().toString(36)}${++batches}`;
  const lines = [["BATCH", [`+${ref}`, "draft/multiline", target], null]];
  for (const piece of pieces) {
    const tags = piece.concat ? { batch: ref, "draft/multiline-concat": "" } : { batch: ref };
    lines.push(["PRIVMSG", [target, piece.text], tags]);
  }
  lines.push(["BATCH", [`-${ref}`], null]);
  return lines;
}
