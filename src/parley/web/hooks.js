// Where features written in other files plug in without editing the views: actions
// on a message (reply, react, delete), content under a message (reactions, link
// previews), items in the compose area (an upload button), and a small event bus
// for every line from the server. A feature module imports this file, registers
// what it adds, and is listed in extensions.js so app.js loads it.

/** The bus: "line" {msg} for every line from the server, "open" {conversation},
 *  "sent" {command, params, tags}, "welcome" {nick}; "hooks-changed" when an action
 *  or renderer is added (the message list is drawn again). */
export const bus = new EventTarget();

/** Listen on the bus; returns a function that stops listening. */
export function on(type, handler) {
  const listener = (event) => handler(event.detail);
  bus.addEventListener(type, listener);
  return () => bus.removeEventListener(type, listener);
}

/** Tell the bus's listeners. */
export function emit(type, detail = {}) {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
}

const actions = [];
const renderers = [];
const composeItems = [];

/**
 * An action on a message, shown as a button beside it:
 * {id, label, icon?, available(message, conversation, ctx) -> bool, run(message, conversation, ctx)}.
 * ctx (see app.js) has sendLine(raw), send(command, params, tags), state, rerender().
 * An action with the id of one already there takes its place.
 */
export function addMessageAction(action) {
  const at = actions.findIndex((a) => a.id === action.id);
  if (at >= 0) actions[at] = action;
  else actions.push(action);
  emit("hooks-changed");
}

/** Content under a message: render(message, conversation, container, ctx) appends
 *  elements to `container` (it is emptied before each render). */
export function addMessageRenderer(render) {
  renderers.push(render);
  emit("hooks-changed");
}

let composeArea = null; // {container, ctx} once the page has its compose box

/** An item in the compose area: make(container, ctx) appends it (called once, when the
 *  compose box exists). */
export function addComposeItem(make) {
  composeItems.push(make);
  if (composeArea) make(composeArea.container, composeArea.ctx);
}

/** app.js: the compose box is there; items registered before now are made. */
export function mountCompose(container, ctx) {
  composeArea = { container, ctx };
  for (const make of composeItems) make(container, ctx);
}

const tagAdders = [];

/** Tags added to lines the user sends (a reply's +draft/reply): add(command, params,
 *  tags) returns the tags to send (or nothing to leave them). */
export function addOutgoingTags(add) {
  tagAdders.push(add);
}

/** app.js: the tags a line goes out with, after every registered adder. */
export function outgoingTags(command, params, tags) {
  for (const add of tagAdders) tags = add(command, params, tags) ?? tags;
  return tags;
}

export function messageActions() {
  return actions;
}

export function messageRenderers() {
  return renderers;
}

