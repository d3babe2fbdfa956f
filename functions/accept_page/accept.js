// The invitation accept page: reads the token from the URL fragment and previews the invitation on load;
// it accepts or renews only when the person clicks. Every text goes into the page with textContent.
(() => {
  "use strict";

  const page = document.getElementById("invitation");
  const status = document.getElementById("status");
  const why = JSON.parse(page.dataset.why || "{}");
  // Same origin and stage as the page: https://host/{stage}/invitations/accept -> https://host/{stage}/v1/...
  const apiBase = window.location.pathname.replace(/\/invitations\/accept\/?$/, "");
  const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
  const STATE_OF_CODE = {
    INVITATION_EXPIRED: "expired",
    INVITATION_SUPERSEDED: "superseded",
    INVITATION_ALREADY_ACCEPTED: "already-accepted",
    INVITATION_REVOKED: "revoked",
    INVITATION_NOT_FOUND: "not-found",
    VALIDATION_ERROR: "not-found",
  };
  const IN_UTC = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" });
  const IN_LOCAL_TIME = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });

  let token = null;
  let current = null;

  function tokenFromFragment() {
    const value = (new URLSearchParams(window.location.hash.slice(1)).get("token") || "").trim();
    return TOKEN.test(value) ? value : null;
  }

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  function expiry(isoInstant) {
    const instant = new Date(isoInstant);
    if (Number.isNaN(instant.getTime())) {
      return { expires_at: isoInstant, expires_utc: isoInstant, expires_local: "" };
    }
    return {
      expires_at: isoInstant,
      expires_utc: `${IN_UTC.format(instant)} UTC`,
      expires_local: `${IN_LOCAL_TIME.format(instant)}, your local time`,
    };
  }

  function show(state, values = {}) {
    current = state;
    let shown = null;
    for (const section of page.querySelectorAll("section[data-state]")) {
      section.hidden = section.dataset.state !== state;
      if (!section.hidden) shown = section;
    }
    for (const field of shown.querySelectorAll("[data-field]")) {
      if (field.dataset.field in values) field.textContent = values[field.dataset.field];
      if (field.tagName === "TIME" && values.expires_at) field.setAttribute("datetime", values.expires_at);
    }
    say("");
    shown.querySelector("h1").focus();
  }

  function duration(seconds) {
    if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
    const minutes = Math.ceil(seconds / 60);
    if (minutes < 60) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
    const hours = Math.ceil(minutes / 60);
    return hours === 1 ? "about an hour" : `about ${hours} hours`;
  }

  async function post(action) {
    const response = await fetch(`${apiBase}/v1/invitations/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ token }),
      cache: "no-store",
      credentials: "same-origin",
      referrerPolicy: "no-referrer",
    });
    const body = await response.json().catch(() => ({}));
    const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10);
    return { status: response.status, body: body || {}, retryAfter: retryAfter > 0 ? retryAfter : null };
  }

  async function preview() {
    token = tokenFromFragment();
    if (!token) {
      show("not-found");
      return;
    }
    say("Checking your invitation…");
    try {
      const answer = await post("preview");
      if (answer.status === 200) {
        const invitation = answer.body;
        show("pending", {
          company_name: invitation.company_name,
          email: invitation.email,
          why: why[invitation.created_via] ? `This account ${why[invitation.created_via]}.` : "",
          ...expiry(invitation.expires_at),
        });
      } else {
        show(STATE_OF_CODE[answer.body.code] || "unavailable");
      }
    } catch {
      show("unavailable");
    }
  }

  async function accept(button) {
    button.disabled = true;
    say("Accepting the invitation…");
    try {
      const answer = await post("accept");
      if (answer.status === 200) {
        show("accepted", { company_name: answer.body.company_name, email: answer.body.email });
      } else if (STATE_OF_CODE[answer.body.code]) {
        show(STATE_OF_CODE[answer.body.code]);
      } else {
        say("The invitation was not accepted: something went wrong on our side. Try again in a moment.", true);
      }
    } catch {
      say("The invitation was not accepted: the service did not answer. Try again in a moment.", true);
    } finally {
      button.disabled = false;
    }
  }

  async function renew(button) {
    button.disabled = true;
    say("Asking for a new invitation…");
    let waitSeconds = 0;
    try {
      const answer = await post("renew");
      const state = STATE_OF_CODE[answer.body.code];
      if (answer.status === 202) {
        show("renewed", expiry(answer.body.expires_at));
      } else if (answer.status === 429) {
        waitSeconds = answer.retryAfter || 0;
        const when = waitSeconds ? `in ${duration(waitSeconds)}` : "later";
        say(
          answer.body.code === "RATE_LIMITED"
            ? `Too many invitation emails were sent to this address. You can ask for a new one ${when}.`
            : `The service is busy. Try again ${when}.`,
          true,
        );
      } else if (answer.status === 503) {
        say(answer.body.message || "The invitation email could not be sent, and nothing was changed. Try again shortly.", true);
      } else if (state && state !== current) {
        show(state);
      } else {
        say("No new invitation was sent: something went wrong on our side. Try again in a moment.", true);
      }
    } catch {
      say("No new invitation was sent: the service did not answer. Try again in a moment.", true);
    } finally {
      window.setTimeout(() => {
        button.disabled = false;
      }, waitSeconds * 1000);
    }
  }

  const ACTIONS = { accept, renew, retry: preview };

  page.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button && !button.disabled) ACTIONS[button.dataset.action](button);
  });
  window.addEventListener("hashchange", preview);
  preview();
})();
