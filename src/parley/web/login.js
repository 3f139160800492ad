// The login screen: log in or create an account, the code a server may mail, and the
// reason for a refusal shown under the form with the fields as the user left them.
// Credentials are stored (localStorage) only when "remember me" is ticked.

const KEY = "parley.login";

/** The remembered login, if the user ticked "remember me" last time. */
export function remembered() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return saved && typeof saved.account === "string" && typeof saved.password === "string" ? saved : null;
  } catch {
    return null;
  }
}

/** Keep or forget the login in this browser. */
export function remember(credentials) {
  if (credentials) localStorage.setItem(KEY, JSON.stringify({ account: credentials.account, password: credentials.password }));
  else localStorage.removeItem(KEY);
}

const $ = (id) => document.getElementById(id);

/**
 * Wire the forms. `submit({account, password, email, register, remember})` connects;
 * `verify(code)` sends the mailed code. Returns the functions the app drives it with.
 */
export function setupLogin({ submit, verify }) {
  const form = $("login-form");
  const error = $("login-error");
  let registering = false;

  const mode = (register) => {
    registering = register;
    $("tab-login").setAttribute("aria-pressed", String(!register));
    $("tab-register").setAttribute("aria-pressed", String(register));
    $("email-row").hidden = !register;
    $("login-submit").textContent = register ? "Create account" : "Log in";
    $("password").autocomplete = register ? "new-password" : "current-password";
    error.textContent = "";
  };
  $("tab-login").addEventListener("click", () => mode(false));
  $("tab-register").addEventListener("click", () => mode(true));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const account = $("account").value.trim();
    const password = $("password").value;
    const email = $("email").value.trim();
    if (!account) return showError("Enter your account name (it is your nickname too).", "account");
    if (/[\s,:!@*?]/.test(account) || /^[0-9-]/.test(account)) {
      return showError("An account name has no spaces or , : ! @ * ? and does not start with a digit or -.", "account");
    }
    if (!password) return showError("Enter your password.", "password");
    if (registering && password.length < 8) return showError("Choose a password of at least 8 characters.", "password");
    error.textContent = "";
    $("login-submit").disabled = true;
    $("login-progress").textContent = registering ? "Creating your account…" : "Logging in…";
    submit({ account, password, email, register: registering, remember: $("remember").checked });
  });

  $("verify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = $("code").value.trim();
    if (!code) return showError("Enter the code from the e-mail.", "code");
    verify(code);
  });

  /** A refusal, shown under the form; the field it is about gets focus. */
  function showError(text, field = null) {
    error.textContent = text;
    $("login-submit").disabled = false;
    $("login-progress").textContent = "";
    const input = field ? $(field) : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  for (const id of ["account", "password", "email", "code"]) {
    $(id).addEventListener("input", () => $(id).removeAttribute("aria-invalid"));
  }

  return {
    showError,
    /** Back to the form (after logging out, or a refusal). */
    show(saved = null) {
      $("login").hidden = false;
      $("chat").hidden = true;
      $("verify-form").hidden = true;
      form.hidden = false;
      $("login-submit").disabled = false;
      $("login-progress").textContent = "";
      if (saved) {
        $("account").value = saved.account;
        $("remember").checked = true;
      }
      $(saved ? "password" : "account").focus();
    },
    /** The server mailed a code: ask for it. */
    askCode(account, text) {
      $("login").hidden = false;
      $("chat").hidden = true;
      form.hidden = true;
      $("verify-form").hidden = false;
      $("verify-text").textContent = `${text} Enter the code sent for ${account}.`;
      $("code").focus();
    },
    hide() {
      $("login").hidden = true;
      $("login-progress").textContent = "";
    },
  };
}
