// The feature modules app.js loads after the client starts (each registers itself
// through hooks.js). Add one line per module, as a path relative to this file.
export const EXTENSIONS = [
  "./emoji.js", "./reply.js", "./reactions.js", "./typing.js", "./redact.js", "./upload.js", "./previews.js", // modern chat
];
