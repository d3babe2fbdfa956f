// What every page shares: its data and words (data-page), its language and the switcher, screens, the status
// line, calls to the API beside the page, expiry times and countdowns. Text only ever reaches the page through
// textContent.
const pages = (() => {
  "use strict";

  const main = document.querySelector("main[data-page]");
  const data = JSON.parse(main.dataset.page);
  const status = document.getElementById("status");
  const switcher = document.getElementById("language");
  // Same origin and stage as the page: https://host/{stage}/register -> https://host/{stage}/v1/...
  const here = window.location.pathname.replace(/\/+$/, "");
  const apiBase = here.endsWith(data.path) ? here.slice(0, here.length - data.path.length) : "";
  const busy = new WeakSet();
  const onLocale = [];

  let locale = data.locale;
  let texts = data.texts[locale];
  // What the page shows now, so that another language can say it again: the screen, its values (a function of
  // nothing, called again in the new language) and the status line (a function too, when it can be said again).
  let current = { screen: data.opens_on, values: () => ({}) };
  let statusWords = null;

  // The supported locale for a browser's language tag: itself, else one of its language (de-CH -> de,
  // pt-PT -> pt-BR, zh-CN -> zh-Hans; Traditional Chinese is not Simplified). languages.closest says the same.
  function closest(tag) {
    const wanted = String(tag).trim().replace(/_/g, "-").toLowerCase();
    const exact = data.locales.find((supported) => supported.toLowerCase() === wanted);
    if (exact) return exact;
    if (/^zh-(hant|tw|hk|mo)(-|$)/.test(wanted)) return null;
    const language = wanted.split("-")[0];
    return data.locales.find((supported) => supported.split("-")[0].toLowerCase() === language) || null;
  }

  // The browser's first language that the page speaks, else the one the server chose (from Accept-Language).
  function browserLocale() {
    for (const tag of navigator.languages || [navigator.language]) {
      const found = tag && closest(tag);
      if (found) return found;
    }
    return data.locale;
  }

  // texts[key] with its {placeholders} filled from values; a placeholder without a value stays as it is.
  function text(key, values = {}) {
    const words = texts[key] ?? "";
    return words.replace(/\{(\w+)\}/g, (placeholder, name) => (name in values ? String(values[name]) : placeholder));
  }

  // Why an account exists (its created_via), in the page's language.
  function why(createdVia) {
    return data.why[locale][createdVia] || "";
  }

  // `words` is a text, or a function that says it in the page's language (and says it again after a switch).
  function say(words, isError = false) {
    statusWords = typeof words === "function" ? words : null;
    status.textContent = typeof words === "function" ? words() : words;
    status.classList.toggle("error", isError);
    status.classList.remove("heard");
  }

  // Says `words` to a screen reader only, through the status line: for news the screen itself now shows, where it
  // belongs, without moving focus. The next say() is seen again.
  function announce(words) {
    say(words);
    status.classList.add("heard");
  }

  function fill(within, values) {
    for (const element of within.querySelectorAll("[data-text]")) {
      element.textContent = text(element.dataset.text, values);
    }
    for (const element of within.querySelectorAll("[data-field]")) {
      if (element.dataset.field in values) element.textContent = values[element.dataset.field];
      if (element.tagName === "TIME" && values.expires_at) element.setAttribute("datetime", values.expires_at);
    }
  }

  // Shows one screen (section[data-screen]), fills in its texts and values, names the tab after it (`title_<screen>`,
  // or the text `title` names), and moves focus to its heading so that keyboard and screen-reader users start reading
  // there. `values` may be a function, called again when the language changes (for values said in words: why,
  // until, a button's label).
  function show(screen, values = {}, title = `title_${screen}`) {
    let shown = null;
    for (const section of main.querySelectorAll("section[data-screen]")) {
      section.hidden = section.dataset.screen !== screen;
      if (!section.hidden) shown = section;
    }
    current = { screen, title, values: typeof values === "function" ? values : () => values };
    const now = current.values();
    fill(shown, now);
    document.title = text(title, now);
    say("");
    shown.querySelector("h1:not([hidden])").focus();
    return shown;
  }

  // Speaks `tag` from now on: every text of the page, the current screen's values, the tab's title, the status
  // line (when it can be said again), dates, and whatever the page's own script registered with whenLocale().
  function setLocale(tag) {
    if (!data.texts[tag]) return;
    locale = tag;
    texts = data.texts[tag];
    document.documentElement.lang = tag;
    switcher.value = tag;
    const now = current.values();
    fill(main, now);
    if (current.screen) document.title = text(current.title || `title_${current.screen}`, now);
    if (statusWords) status.textContent = statusWords();
    for (const listener of onLocale) listener(tag);
  }

  function whenLocale(listener) {
    onLocale.push(listener);
  }

  // The switcher lists each language in its own words (Deutsch, 日本語), marked with its lang for screen readers.
  function listLanguages() {
    for (const tag of data.locales) {
      const option = document.createElement("option");
      const name = new Intl.DisplayNames([tag], { type: "language" }).of(tag) || tag;
      option.value = tag;
      option.lang = tag;
      option.textContent = name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
      switcher.append(option);
    }
    switcher.closest(".language").hidden = false;
  }

  // The portal's links: to PORTAL_ORIGIN, or left out where the stack has none.
  function linkThePortal() {
    for (const link of main.querySelectorAll("a[data-portal]")) {
      if (data.portal) link.href = data.portal;
      else link.hidden = true;
    }
  }

  // POSTs JSON to the API beside the page. No answer at all (offline, blocked) comes back as status 0.
  function post(path, body, headers = {}) {
    return call(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
      body: JSON.stringify(body),
    });
  }

  // GETs from the API beside the page, answered as post() answers.
  function get(path) {
    return call(path, { method: "GET", headers: { Accept: "application/json" } });
  }

  async function call(path, request) {
    try {
      const response = await fetch(`${apiBase}${path}`, {
        ...request,
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

  // An instant as the page's language writes a date and a time (CLDR's, through the browser's Intl: the same data
  // the email's are written from, English as en-GB), once, in the browser's time zone with its offset named (GMT+1).
  function expiry(isoInstant) {
    const instant = new Date(isoInstant);
    if (Number.isNaN(instant.getTime())) return { expires_at: isoInstant, until: isoInstant };
    const written = new Intl.DateTimeFormat(data.date_locales[locale] || locale, {
      year: "numeric",
      month: "long",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "shortOffset",
    }).format(instant);
    return { expires_at: isoInstant, until: written };
  }

  function clock(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
  }

  const countdowns = new WeakMap();

  // Keeps `button` disabled for `seconds`, counting down in `line` (its [role=timer]); then enables it and
  // says so once (the text `ready` names). The timer itself is not a live region: a screen reader hears the start and
  // the end only. A line takes room once its screen has counted (CSS), and keeps it, so that nothing moves when a
  // countdown ends; on a screen that has not, it takes none.
  function wait(button, seconds, line, ready = "ready") {
    countdowns.get(button)?.();
    const timer = line.querySelector('[role="timer"]');
    const counting = (on) => {
      line.classList.toggle("counting", on);
      enable(button, !on);
    };
    if (seconds <= 0) {
      line.classList.remove("counted");
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
      say(() => text(ready));
    };
    const interval = window.setInterval(tick, 250);
    const stop = () => {
      window.clearInterval(interval);
      countdowns.delete(button);
    };
    countdowns.set(button, stop);
    line.classList.add("counted");
    counting(true);
    tick();
  }

  linkThePortal();
  listLanguages();
  switcher.addEventListener("change", () => setLocale(switcher.value));
  setLocale(locale);
  return {
    data,
    text,
    why,
    say,
    announce,
    show,
    post,
    get,
    press,
    onAction,
    expiry,
    wait,
    browserLocale,
    setLocale,
    whenLocale,
    locale: () => locale,
  };
})();
