// A small, fixed set of common emoji with their names, and the picker that offers
// them (for reactions and for the compose box): a row of buttons reached with Tab
// and the arrow keys, closed with Escape, with each emoji's name for screen readers.
// The compose box gets an emoji button and `:shortcode:` completion.

import { addComposeItem } from "./hooks.js";

/** [emoji, name, shortcode] */
export const EMOJI = [
  ["👍", "thumbs up", "+1"], ["👎", "thumbs down", "-1"], ["😂", "tears of joy", "joy"],
  ["❤️", "red heart", "heart"], ["🎉", "party popper", "tada"], ["😮", "open mouth", "open_mouth"],
  ["😢", "crying face", "cry"], ["🙏", "folded hands", "pray"], ["😀", "grinning face", "grinning"],
  ["😊", "smiling face", "blush"], ["😉", "winking face", "wink"], ["😍", "heart eyes", "heart_eyes"],
  ["🤔", "thinking face", "thinking"], ["😅", "sweat smile", "sweat_smile"], ["🙂", "slightly smiling face", "slight_smile"],
  ["🙃", "upside-down face", "upside_down"], ["😎", "smiling face with sunglasses", "sunglasses"], ["😴", "sleeping face", "sleeping"],
  ["😡", "angry face", "angry"], ["🤯", "exploding head", "exploding_head"], ["👋", "waving hand", "wave"],
  ["👏", "clapping hands", "clap"], ["💪", "flexed biceps", "muscle"], ["👀", "eyes", "eyes"],
  ["🔥", "fire", "fire"], ["✨", "sparkles", "sparkles"], ["✅", "check mark", "white_check_mark"],
  ["❌", "cross mark", "x"], ["⚠️", "warning", "warning"], ["🚀", "rocket", "rocket"],
  ["☕", "hot beverage", "coffee"], ["🍵", "teacup", "tea"], ["🍕", "pizza", "pizza"],
  ["🐛", "bug", "bug"], ["💯", "hundred points", "100"], ["🤷", "person shrugging", "shrug"],
];

/** The first few: what the reaction picker offers. */
export const REACTIONS = EMOJI.slice(0, 8);

const byCode = new Map(EMOJI.map(([emoji, , code]) => [code, emoji]));

/** An emoji's name, for labels ("thumbs up"); the emoji itself when it is not ours. */
export function emojiName(emoji) {
  return EMOJI.find(([e]) => e === emoji)?.[1] ?? emoji;
}

let open = null; // {panel, close}

/**
 * Show a picker by `anchor` offering `choices`; `pick(emoji)` is called with the one
 * chosen. Focus moves into it and back to `returnTo` (or the anchor) when it closes.
 */
export function openPicker(anchor, choices, pick, { label = "Choose an emoji", returnTo = null } = {}) {
  open?.close(false);
  const panel = document.createElement("div");
  panel.className = "emoji-picker";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);
  const grid = document.createElement("div");
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", label);
  panel.append(grid);
  const buttons = choices.map(([emoji, name]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "emoji-choice";
    button.textContent = emoji;
    button.title = name;
    button.setAttribute("aria-label", name);
    button.addEventListener("click", () => {
      close(true);
      pick(emoji);
    });
    grid.append(button);
    return button;
  });
  const close = (refocus) => {
    if (open?.panel !== panel) return;
    open = null;
    panel.remove();
    document.removeEventListener("pointerdown", outside, true);
    if (refocus) (returnTo ?? anchor)?.focus?.();
  };
  const outside = (event) => {
    if (!panel.contains(event.target) && event.target !== anchor) close(false);
  };
  panel.addEventListener("keydown", (event) => {
    const at = buttons.indexOf(document.activeElement);
    const perRow = 8;
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow, Home: -at, End: buttons.length - 1 - at };
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key in moves && at >= 0) {
      event.preventDefault();
      buttons[Math.min(buttons.length - 1, Math.max(0, at + moves[event.key]))].focus();
    } else if (event.key === "Tab") {
      close(false); // leaving it closes it; focus goes on where Tab takes it
    }
  });
  document.body.append(panel);
  const box = anchor.getBoundingClientRect();
  const width = panel.offsetWidth;
  const height = panel.offsetHeight;
  const left = Math.max(4, Math.min(window.innerWidth - width - 4, box.right - width));
  const top = box.top - height - 4 >= 0 ? box.top - height - 4 : Math.min(window.innerHeight - height - 4, box.bottom + 4);
  panel.style.left = `${left}px`;
  panel.style.top = `${top}px`;
  document.addEventListener("pointerdown", outside, true);
  open = { panel, close };
  buttons[0]?.focus();
  return panel;
}

/** Put `text` at the cursor of `input` (replacing a selection), as typing would. */
export function insertAtCursor(input, text) {
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? start;
  input.setRangeText(text, start, end, "end");
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.focus();
}

/** `:code:` just typed before the cursor becomes its emoji. */
function completeShortcode(input) {
  const at = input.selectionStart;
  if (at !== input.selectionEnd) return;
  const before = input.value.slice(0, at);
  const match = /(^|\s):([a-z0-9_+-]{1,20}):$/.exec(before);
  const emoji = match && byCode.get(match[2]);
  if (!emoji) return;
  input.setRangeText(emoji, at - match[2].length - 2, at, "end");
}

addComposeItem((container) => {
  const input = document.getElementById("input");
  const button = document.createElement("button");
  button.type = "button";
  button.id = "emoji-button";
  button.className = "icon compose-item";
  button.textContent = "🙂";
  button.title = "Insert an emoji";
  button.setAttribute("aria-label", "Insert an emoji");
  button.setAttribute("aria-haspopup", "dialog");
  button.addEventListener("click", () => {
    if (open) {
      open.close(true);
      return;
    }
    openPicker(button, EMOJI, (emoji) => insertAtCursor(input, emoji), { label: "Insert an emoji", returnTo: input });
  });
  container.append(button);
  input.addEventListener("input", (event) => {
    if (event.inputType === "insertText" && event.data === ":") completeShortcode(input);
  });
});
