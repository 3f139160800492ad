// The feature modules app.js loads after the client starts (each registers itself
// through hooks.js). Add one line per module, as a path relative to this file.
export const EXTENSIONS = [];
