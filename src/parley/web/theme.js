// Light or dark: the system's choice (prefers-color-scheme) until the user picks one,
// which is remembered in this browser. The stylesheet reads html[data-theme].

const KEY = "parley.theme";

/** The theme to show: the remembered choice, else the system's. */
export function currentTheme() {
  const chosen = localStorage.getItem(KEY);
  if (chosen === "light" || chosen === "dark") return chosen;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Show a theme; `remember` keeps the choice for the next visit. */
export function applyTheme(theme, remember = false) {
  document.documentElement.dataset.theme = theme;
  if (remember) localStorage.setItem(KEY, theme);
}

/** Switch between light and dark and remember it. */
export function toggleTheme() {
  const next = currentTheme() === "dark" ? "light" : "dark";
  applyTheme(next, true);
  return next;
}

/** Follow the system's changes while the user has not chosen. */
export function followSystem() {
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (!localStorage.getItem(KEY)) applyTheme(currentTheme());
  });
}
