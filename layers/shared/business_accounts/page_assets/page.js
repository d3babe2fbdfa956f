// What every page shares: its data and words (data-page), screens, the status line, calls to the API beside the
// page, expiry times and countdowns. Text only ever reaches the page through textContent.
const pages = (() => {
  "use strict";

  const main = document.querySelector("main[data-page]");
  const data = JSON.parse(main.dataset.page);
  const texts = data.texts;
  const status = document.getElementById("status");
  // Same origin and stage as the page: https://host/{stage}/register -> https://host/{stage}/v1/...
  const here = window.location.pathname.replace(/\/+$/, "");
  const apiBase = here.endsWith(data.path) ? here.slice(0, here.length - data.path.length) : "";
  const IN_UTC = new Intl.DateTimeFormat(data.locale, { dateStyle: "long", timeStyle: "short", timeZone: "UTC" });
  const IN_LOCAL_TIME = new Intl.DateTimeFormat(data.locale, { dateStyle: "long", timeStyle: "short" });
  const busy = new WeakSet();

  // texts[key] with its {placeholders} filled from values; a placeholder without a value stays as it is.
  function text(key, values = {}) {
    const words = texts[key] ?? "";
    return words.replace(/\{(\w+)\}/g, (placeholder, name) => (name in values ? String(values[name]) : placeholder));
  }

  function say(words, isError = false) {
    status.textContent = words;
    status.classList.toggle("error", isError);
  }

  // Shows one screen (section[data-screen]), fills in its texts and values, names the tab after it, and moves
  // focus to its heading so that keyboard and screen-reader users start reading there.
  function show(screen, values = {}) {
    let shown = null;
    for (const section of main.querySelectorAll("section[data-screen]")) {
      section.hidden = section.dataset.screen !== screen;
      if (!section.hidden) shown = section;
    }
    for (const element of shown.querySelectorAll("[data-text]")) {
      element.textContent = text(element.dataset.text, values);
    }
    for (const element of shown.querySelectorAll("[data-field]")) {
      if (element.dataset.field in values) element.textContent = values[element.dataset.field];
      if (element.tagName === "TIME" && values.expires_at) element.setAttribute("datetime", values.expires_at);
    }
    document.title = text(`title_${screen}`, values);
    say("");
    shown.querySelector("h1").focus();
    return shown;
  }

  // The portal's links: to PORTAL_ORIGIN, or left out where the stack has none.
  function linkThePortal() {
    for (const link of main.querySelectorAll("a[data-portal]")) {
      if (data.portal) link.href = data.portal;
      else link.hidden = true;
    }
  }

  // POSTs JSON to the API beside the page. No answer at all (offline, blocked) comes back as status 0.
  async function post(path, body, headers = {}) {
    try {
      const response = await fetch(`${apiBase}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
        body: JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
        referrerPolicy: "no-referrer",
      });
      const answer = await response.json().catch(() => ({}));
      const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10);
      return { status: response.status, body: answer || {}, retryAfter: retryAfter > 0 ? retryAfter : 0 };
    } catch {
      return { status: 0, body: {}, retryAfter: 0 };
    }
  }

  function isEnabled(button) {
    return button.getAttribute("aria-disabled") !== "true";
  }

  // aria-disabled rather than disabled: the button keeps focus, and a screen reader still finds it.
  function enable(button, enabled) {
    if (enabled) button.removeAttribute("aria-disabled");
    else button.setAttribute("aria-disabled", "true");
  }

  // Runs request() once for a press of `button`: a second press (a double click) while it runs does nothing.
  async function press(button, progress, request) {
    if (busy.has(button) || !isEnabled(button)) return null;
    busy.add(button);
    enable(button, false);
    say(progress);
    try {
      return await request();
    } finally {
      busy.delete(button);
      enable(button, true);
    }
  }

  // Calls actions[name](button) for a click on button[data-action="name"] that is enabled.
  function onAction(actions) {
    main.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button && isEnabled(button) && actions[button.dataset.action]) actions[button.dataset.action](button);
    });
  }

  function expiry(isoInstant) {
    const instant = new Date(isoInstant);
    if (Number.isNaN(instant.getTime())) return { expires_at: isoInstant, expires_utc: isoInstant, expires_local: "" };
    const values = { utc: IN_UTC.format(instant), local: IN_LOCAL_TIME.format(instant) };
    // Where local time is UTC, saying the same time twice would only confuse.
    const inUtc = instant.getTimezoneOffset() === 0;
    return {
      expires_at: isoInstant,
      expires_utc: text("time_utc", values),
      expires_local: inUtc ? "" : text("time_local", values),
      until: text(inUtc ? "time_utc" : "time_both", values),
    };
  }

  function clock(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
  }

  const countdowns = new WeakMap();

  // Keeps `button` disabled for `seconds`, counting down in `line` (its [role=timer]); then enables it and
  // says so once. The timer itself is not a live region: a screen reader hears the start and the end only.
  // The line keeps its room while nothing counts (CSS), so nothing moves when a countdown starts or ends.
  function wait(button, seconds, line) {
    countdowns.get(button)?.();
    const timer = line.querySelector('[role="timer"]');
    const counting = (on) => {
      line.classList.toggle("counting", on);
      enable(button, !on);
    };
    if (seconds <= 0) {
      counting(false);
      return;
    }
    const end = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      timer.textContent = clock(left);
      if (left > 0) return;
      stop();
      counting(false);
      say(text("ready"));
    };
    const interval = window.setInterval(tick, 250);
    const stop = () => {
      window.clearInterval(interval);
      countdowns.delete(button);
    };
    countdowns.set(button, stop);
    counting(true);
    tick();
  }

  linkThePortal();
  return { data, texts, text, say, show, post, press, onAction, expiry, wait };
})();
