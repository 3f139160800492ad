// The WebSocket to the server and everything before the welcome: CAP negotiation,
// SASL PLAIN or REGISTER (then VERIFY), and reconnecting with exponential back-off
// and jitter when the server goes away. The chat itself is state.js's business:
// this module only hands it parsed lines ("message" events).

import { parse, serialize } from "./irc.js";

/** The capabilities the web client uses when the server offers them. */
export const WANTED_CAPS = [
  "message-tags", "server-time", "echo-message", "batch", "draft/chathistory",
  "draft/read-marker", "away-notify", "account-tag", "account-notify", "extended-join",
  "multi-prefix", "draft/multiline", "standard-replies", "draft/message-redaction",
  "setname", "chghost", "invite-notify", "cap-notify",
];

const SUBPROTOCOLS = ["text.ircv3.net"];
const BACKOFF_FIRST = 1000; // ms before the first retry
const BACKOFF_MAX = 30000; // the longest pause between tries
const PING_EVERY = 60000; // ms of silence before we ask the server whether it is there
const PING_GRACE = 30000; // ms it has to answer before the socket counts as dead

/** The WebSocket address of the server that served this page: same host and port,
 *  wss: when the page came over https. */
export function defaultUrl(location = window.location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/`;
}

/** The pause before retry number `attempt` (0-based): doubling up to BACKOFF_MAX, each
 *  a random 50-100% of it so that many tabs do not all come back in the same second. */
export function backoff(attempt, random = Math.random) {
  const full = Math.min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** attempt);
  return Math.round(full * (0.5 + random() / 2));
}

/** Base64 of UTF-8 text (btoa alone takes only Latin-1). */
function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** What a refusal before the welcome means to the person at the keyboard. */
const LOGIN_ERRORS = {
  902: "That account is not available right now (it may be locked or suspended).",
  904: "Wrong account name or password.",
  905: "The login was too long for the server.",
  906: "The login was cancelled.",
  464: "The server needs a different server password.",
  465: "You are banned from this server",
};

/**
 * One connection to the server, reopened after it drops. Events:
 *  status  {state: "connecting"|"online"|"waiting"|"stopped", retryIn}
 *  welcome {nick, caps, offered, isupport}   after 001 (and after every reconnect)
 *  message {msg}                             every parsed line after the welcome starts
 *  failure {text, code, fatal}               a login or registration refused
 *  verify  {account, text}                   REGISTER wants the mailed code (VERIFY)
 *  registered {account}                      REGISTER SUCCESS: later logins use SASL
 */
export class Connection extends EventTarget {
  constructor(url = defaultUrl()) {
    super();
    this.url = url;
    this.socket = null;
    this.attempt = 0;
    this.stopped = true;
    this.timer = null;
    this.online = false;
    this.caps = new Set();
    this.offered = {};
    this.isupport = {};
    this.nick = "";
    this.credentials = null;
    this.lastHeard = 0;
  }

  /** Connect with {account, password, register, email}; retries until stop(). */
  start(credentials) {
    this.credentials = { ...credentials };
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  /** Close for good (log out, or a refusal that retrying would only repeat). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
    this.emit("status", { state: "stopped" });
  }

  /** Retry now rather than at the end of the back-off pause. */
  retryNow() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.open();
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Send one raw line (false when there is no open socket to take it). */
  sendLine(line) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(line);
    return true;
  }

  /** Send a command built by irc.serialize. */
  send(command, params = [], tags = null) {
    return this.sendLine(serialize(command, params, tags));
  }

  open() {
    this.online = false;
    this.caps = new Set();
    this.offered = {};
    this.isupport = {};
    this.lsBuffer = "";
    this.nickTries = 0;
    this.awaitingAccount = false;
    this.registerAfterWelcome = false;
    this.emit("status", { state: "connecting" });
    let socket;
    try {
      socket = new WebSocket(this.url, SUBPROTOCOLS);
    } catch (error) {
      this.fail(`Cannot connect to ${this.url}: ${error.message}`, "", true);
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => this.greet());
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.lastHeard = Date.now();
      const data = typeof event.data === "string" ? event.data : "";
      for (const line of data.split(/\r?\n/)) {
        const msg = parse(line);
        if (msg) this.receive(msg);
      }
    });
    socket.addEventListener("close", () => {
      if (socket !== this.socket) return;
      this.socket = null;
      clearInterval(this.pinger);
      this.online = false;
      this.scheduleRetry();
    });
  }

  scheduleRetry() {
    if (this.stopped) return;
    const wait = backoff(this.attempt++);
    this.emit("status", { state: "waiting", retryIn: wait });
    this.timer = setTimeout(() => this.open(), wait);
  }

  /** Refused: say why, and stop retrying when retrying cannot help. */
  fail(text, code, fatal) {
    if (fatal) this.stop();
    this.emit("failure", { text, code, fatal });
  }

  greet() {
    this.lastHeard = Date.now();
    const account = this.credentials.account;
    this.send("CAP", ["LS", "302"]);
    this.send("NICK", [account]);
    this.send("USER", [account.replace(/[^A-Za-z0-9]/g, "") || "web", "0", "*", account]);
    this.pinger = setInterval(() => this.checkAlive(), PING_GRACE / 2);
  }

  /** A socket that went quiet (a laptop asleep, a dead network) is closed and reopened. */
  checkAlive() {
    const quiet = Date.now() - this.lastHeard;
    if (quiet > PING_EVERY + PING_GRACE) this.socket?.close();
    else if (quiet > PING_EVERY && this.online) this.send("PING", ["alive"]);
  }

  receive(msg) {
    const { command, params } = msg;
    if (command === "PING") {
      this.send("PONG", params.slice(-1));
      return;
    }
    if (!this.online) {
      this.negotiate(msg);
      return;
    }
    if (command === "005") this.learnIsupport(params);
    if (command === "CAP") this.capChanged(params);
    if (command === "REGISTER" || command === "VERIFY" || (command === "FAIL" && ["REGISTER", "VERIFY"].includes(params[0]))) {
      this.registration(msg);
    }
    this.emit("message", { msg });
  }

  learnIsupport(params) {
    for (const token of params.slice(1, -1)) {
      const eq = token.indexOf("=");
      if (token.startsWith("-")) delete this.isupport[token.slice(1)];
      else if (eq < 0) this.isupport[token] = "";
      else this.isupport[token.slice(0, eq)] = token.slice(eq + 1);
    }
  }

  /** cap-notify after the welcome: a capability added or gone. */
  capChanged(params) {
    const sub = params[1];
    const items = (params[params.length - 1] || "").split(" ").filter(Boolean);
    if (sub === "ACK") items.forEach((c) => (c.startsWith("-") ? this.caps.delete(c.slice(1)) : this.caps.add(c)));
    if (sub === "DEL") items.forEach((c) => this.caps.delete(c));
    if (sub === "NEW") {
      const wanted = items.map((c) => c.split("=")[0]).filter((c) => WANTED_CAPS.includes(c) && !this.caps.has(c));
      if (wanted.length) this.send("CAP", ["REQ", wanted.join(" ")]);
    }
  }

  /** Before 001: CAP, SASL, REGISTER, and the refusals a person must be told about. */
  negotiate(msg) {
    const { command, params } = msg;
    const creds = this.credentials;
    const text = params[params.length - 1] || "";
    if (command === "CAP") {
      const sub = params[1];
      if (sub === "LS") {
        if (params[2] === "*") {
          this.lsBuffer += " " + params[3];
          return;
        }
        for (const item of (this.lsBuffer + " " + text).split(" ").filter(Boolean)) {
          const eq = item.indexOf("=");
          this.offered[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? "" : item.slice(eq + 1);
        }
        const wanted = WANTED_CAPS.filter((c) => c in this.offered);
        if (creds.register) {
          if (!("draft/account-registration" in this.offered)) {
            this.fail("This server does not let you create accounts here.", "UNAVAILABLE", true);
            return;
          }
          wanted.push("draft/account-registration");
          this.registerAfterWelcome = !this.offered["draft/account-registration"].split(",").includes("before-connect");
        } else if (creds.password) {
          if (!("sasl" in this.offered)) {
            this.fail("This server does not offer logging in (SASL).", "", true);
            return;
          }
          wanted.push("sasl");
        }
        if (wanted.length) this.send("CAP", ["REQ", wanted.join(" ")]);
        else this.send("CAP", ["END"]); // nothing of ours offered: a plain connection
      } else if (sub === "ACK") {
        text.split(" ").filter(Boolean).forEach((c) => this.caps.add(c));
        if (this.awaitingAccount) return;
        if (creds.register && !this.registerAfterWelcome) {
          this.awaitingAccount = true;
          this.send("REGISTER", ["*", creds.email || "*", creds.password]);
        } else if (!creds.register && creds.password && this.caps.has("sasl")) {
          this.awaitingAccount = true;
          this.send("AUTHENTICATE", ["PLAIN"]);
        } else {
          this.send("CAP", ["END"]);
        }
      } else if (sub === "NAK") {
        this.fail("The server refused the capabilities the web client needs.", "", true);
      }
      return;
    }
    if (command === "AUTHENTICATE" && params[0] === "+") {
      const blob = base64(`\0${creds.account}\0${creds.password}`);
      for (let i = 0; i < blob.length; i += 400) this.send("AUTHENTICATE", [blob.slice(i, i + 400)]);
      if (blob.length % 400 === 0) this.send("AUTHENTICATE", ["+"]);
      return;
    }
    if (command === "903") {
      this.awaitingAccount = false;
      this.send("CAP", ["END"]);
      return;
    }
    if (command in LOGIN_ERRORS && command !== "465") {
      const extra = command === "904" ? "" : ` (${text})`;
      this.fail(LOGIN_ERRORS[command] + (command === "904" ? "" : extra), command, true);
      return;
    }
    if (command === "465") {
      this.fail(`${LOGIN_ERRORS[465]}: ${text}`, command, true);
      return;
    }
    if (command === "433" || command === "432") {
      this.nickRefused(command, params[1] || creds.account);
      return;
    }
    if (command === "REGISTER" || command === "VERIFY" || (command === "FAIL" && ["REGISTER", "VERIFY"].includes(params[0]))) {
      this.registration(msg);
      return;
    }
    if (command === "ERROR") {
      this.emit("failure", { text: `The server closed the connection: ${text}`, code: "ERROR", fatal: false });
      return;
    }
    if (command === "001") {
      this.online = true;
      this.attempt = 0;
      this.nick = params[0];
      if (creds.register && this.registerAfterWelcome) {
        this.send("REGISTER", ["*", creds.email || "*", creds.password]);
      }
      this.emit("status", { state: "online" });
      this.emit("welcome", { nick: this.nick, caps: this.caps, offered: this.offered, isupport: this.isupport, time: msg.tags.time });
      this.emit("message", { msg });
    }
  }

  /** A nick taken or refused before the welcome. Logged in, another spelling will do
   *  (the account is what matters); creating an account, the nick is the account's name. */
  nickRefused(code, nick) {
    const creds = this.credentials;
    if (code === "432") {
      this.fail(`"${nick}" cannot be a nickname on this server: use letters, digits and - _ [ ] { } | ^ \` only, not starting with a digit.`, code, true);
    } else if (creds.register) {
      this.fail(`The nickname "${nick}" is in use: choose another account name.`, code, true);
    } else if (this.nickTries < 3) {
      this.nickTries++;
      this.send("NICK", [`${creds.account}${"_".repeat(this.nickTries)}`]);
    } else {
      this.fail(`The nickname "${nick}" is in use.`, code, true);
    }
  }

  /** REGISTER and VERIFY answers, before or after the welcome. */
  registration(msg) {
    const { command, params } = msg;
    const text = params[params.length - 1] || "";
    const creds = this.credentials;
    const finish = () => {
      if (this.awaitingAccount && !this.online) {
        this.awaitingAccount = false;
        this.send("CAP", ["END"]);
      }
    };
    if ((command === "REGISTER" || command === "VERIFY") && params[0] === "SUCCESS") {
      creds.register = false; // from now on (reconnects) the account logs in with SASL
      creds.account = params[1] || creds.account;
      this.emit("registered", { account: creds.account });
      finish();
    } else if (command === "REGISTER" && params[0] === "VERIFICATION_REQUIRED") {
      this.emit("verify", { account: params[1] || creds.account, text });
      finish(); // in as a guest meanwhile; VERIFY with the mailed code logs in
    } else if (command === "FAIL") {
      const code = params[1] || "";
      if (params[0] === "VERIFY" && code === "INVALID_CODE") {
        this.emit("failure", { text: `${text}. Check the code and try again.`, code, fatal: false });
        return;
      }
      const known = {
        ACCOUNT_EXISTS: "That account already exists: log in instead, or choose another name.",
        WEAK_PASSWORD: "That password is too weak.",
      };
      this.fail(known[code] ? `${known[code]} (${text})` : text || code, code, !this.online);
    }
  }

  /** The code the server mailed, for VERIFY. */
  verify(account, code) {
    this.send("VERIFY", [account, code.trim()]);
  }
}
