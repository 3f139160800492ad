// Text made into DOM nodes with its web links clickable: text nodes and <a> elements
// only, never HTML from a message, so nothing anyone says can become markup or script.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/; // punctuation after a link is the sentence's, not the link's

/** The pieces of `text`: [{text}] and [{text, href}], in order. */
export function linkPieces(text) {
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trail = TRAILING.exec(url);
    if (trail && !(trail[0].startsWith(")") && url.includes("("))) url = url.slice(0, url.length - trail[0].length);
    if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
    pieces.push({ text: url, href: url });
    last = match.index + url.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

/** A fragment for `text`; links open in a new tab with no access back to this one. */
export function linkify(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const piece of linkPieces(text)) {
    if (!piece.href) {
      fragment.append(doc.createTextNode(piece.text));
      continue;
    }
    let href;
    try {
      href = new URL(piece.href);
    } catch {
      fragment.append(doc.createTextNode(piece.text));
      continue;
    }
    if (href.protocol !== "http:" && href.protocol !== "https:") {
      fragment.append(doc.createTextNode(piece.text));
      continue;
    }
    const a = doc.createElement("a");
    a.href = href.href;
    a.textContent = piece.text;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    fragment.append(a);
  }
  return fragment;
}
