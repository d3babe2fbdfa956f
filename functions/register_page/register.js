// The registration page: the form calls POST /v1/accounts, and each answer has its screen (data.answers says
// which, by `code`); a registration waits on its confirmation email, which POST /v1/invitations/resend sends again;
// on a pending invitation, Join calls POST /v1/accounts/{account_id}/join.
(() => {
  "use strict";

  const { data } = pages;
  const form = document.getElementById("registration-form");
  const create = document.getElementById("create");
  const FIELDS = ["email", "company_name", "first_name", "last_name", "country"];
  const EMAIL_AT_MOST = 320;

  // Who is registering, once the API has said which account their email belongs to, and what became of the last
  // invitation email to them when it went wrong (bounced, rejected; else null).
  let person = null;
  const UNDELIVERED = ["bounced", "rejected"];
  // The last call, which the rate-limited and unavailable screens repeat: { label (a function), run, emails (the
  // email it waits on, "confirmation" or "invitation", which the rate-limited screen tells to look for) }.
  let last = null;
  // One Idempotency-Key per form content until the API has decided: a retry after no answer or a 5xx cannot
  // create a second account, and the API's first answer comes back.
  let sent = { body: "", key: "" };
  // The registration that waits on its confirmation (the 201's body), for Send the confirmation again.
  let registered = null;
  // What the created screen learnt of the confirmation email (bounced or rejected; else null), and which turn of
  // following it is current: a newer one (a resend) makes an older one stop.
  let confirmation = { undelivered: null, following: 0 };
  // Seconds between the created screen's questions (five in about a minute and a half; docs/waf.md counts them).
  const FOLLOW_AFTER_SECONDS = [3, 6, 12, 24, 48];
  const SAME_REGISTRATION_AGAIN = new Set(["REQUEST_IN_PROGRESS", "THROTTLED"]);

  function idempotencyKey(body) {
    const text = JSON.stringify(body);
    if (sent.body !== text) {
      const bytes = window.crypto.getRandomValues(new Uint8Array(16));
      sent = { body: text, key: Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("") };
    }
    return sent.key;
  }

  function formBody() {
    const body = {};
    for (const name of FIELDS) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = value; // optional fields are left out, not sent empty
    }
    body.email ??= "";
    body.company_name ??= "";
    body.locale = pages.locale(); // the account's language
    return body;
  }

  function clearFieldErrors() {
    for (const name of FIELDS) {
      form.elements[name].removeAttribute("aria-invalid");
      const line = document.getElementById(`${name}-error`);
      delete line.dataset.text;
      line.textContent = "";
    }
  }

  // Each refused field gets its message next to it; focus goes to the first one, in the form's order.
  function showFieldErrors(errors, summaryKey) {
    pages.show("form");
    const refused = new Set((errors || []).map((error) => error.field));
    const first = FIELDS.find((name) => refused.has(name));
    for (const name of FIELDS.filter((field) => refused.has(field))) {
      form.elements[name].setAttribute("aria-invalid", "true");
      const line = document.getElementById(`${name}-error`);
      line.dataset.text = `error_${name}`; // said again in another language
      line.textContent = pages.text(line.dataset.text);
    }
    pages.say(() => pages.text(summaryKey), true);
    if (first) form.elements[first].focus();
  }

  // Says what went wrong with the last email (data-delivery="bounced", ...) where the page would otherwise give
  // the usual advice (data-delivery="ok": check your inbox, or your SPAM folder).
  function showDelivery(shown, undelivered = person?.undelivered) {
    const status = undelivered?.status || "ok";
    for (const line of shown.querySelectorAll("[data-delivery]")) {
      line.hidden = line.dataset.delivery !== status;
    }
  }

  function showPending(body, email) {
    const { account, invitation } = body;
    const delivery = invitation.delivery;
    person = {
      email,
      accountId: account.account_id,
      company: account.company_name,
      undelivered: delivery && UNDELIVERED.includes(delivery.status) ? delivery : null,
    };
    const shown = pages.show("pending", () => ({
      company: account.company_name,
      email,
      why: pages.why(account.created_via),
      until: pages.expiry(invitation.expires_at).until,
      when: delivery ? pages.expiry(delivery.at).until : "",
    }));
    for (const line of shown.querySelectorAll("[data-invitation]")) {
      line.hidden = line.dataset.invitation !== invitation.status;
    }
    showDelivery(shown);
    // An email went to the address a moment ago: Join waits until it may send the next, rather than meet a 429.
    const join = shown.querySelector('[data-action="join"]');
    pages.wait(join, invitation.next_email_in || 0, shown.querySelector(".countdown"), "join_ready");
  }

  function showSent(body) {
    const when = () => (person?.undelivered ? pages.expiry(person.undelivered.at).until : "");
    const shown = pages.show("sent", () => ({
      email: body.email,
      until: pages.expiry(body.expires_at).until,
      when: when(),
    }));
    showDelivery(shown);
    pages.wait(shown.querySelector('[data-action="ask-again"]'), data.cooldown_seconds, shown.querySelector(".countdown"));
  }

  // 201: the account waits on its confirmation, whose link works until `expiresAt`; the same address can have the
  // message again once the cooldown has passed. The screen follows the message meanwhile (follow).
  function showCreated(registration, expiresAt) {
    confirmation = { undelivered: null, following: confirmation.following + 1 };
    const values = () => ({
      company: registration.company_name,
      email: registration.administrator_email,
      until: pages.expiry(expiresAt).until,
      when: confirmation.undelivered ? pages.expiry(confirmation.undelivered.at).until : "",
    });
    const shown = pages.show("created", values);
    showDelivery(shown, null);
    pages.wait(shown.querySelector('[data-action="resend"]'), data.cooldown_seconds, shown.querySelector(".countdown"));
    follow(registration, shown, values, confirmation.following);
  }

  // SES reports a bounce or a rejection of the confirmation within seconds to a minute: the created screen asks
  // what became of the registration a few times, further apart each time, and says so in place of the SPAM advice
  // (and to a screen reader through the page's one live region, pages.announce) without moving focus. It stops
  // once it knows, once the registration is confirmed or gone, and when a resend or another screen starts over.
  async function follow(registration, shown, values, turn) {
    const path = `/v1/accounts/${encodeURIComponent(registration.account_id)}/registration`;
    for (const seconds of FOLLOW_AFTER_SECONDS) {
      await new Promise((resolve) => window.setTimeout(resolve, seconds * 1000));
      if (turn !== confirmation.following || shown.hidden) return;
      const answer = await pages.get(path);
      if (turn !== confirmation.following || shown.hidden) return;
      if (answer.status === 404 || answer.body.status === "verified") return;
      const delivery = answer.status === 200 ? answer.body.confirmation?.delivery : null;
      if (delivery && UNDELIVERED.includes(delivery.status)) {
        confirmation.undelivered = delivery;
        showDelivery(shown, delivery);
        const key = `confirmation_${delivery.status}`;
        shown.querySelector(`[data-text="${key}"]`).textContent = pages.text(key, values());
        pages.announce(() => pages.text(key, values()));
        return;
      }
    }
  }

  // A screen that waits out Retry-After (when given) before its button repeats the last call; `reason` is a text's
  // key, `emails` the email the person can look for meanwhile (none: say nothing of one).
  function showWaiting(screen, reason, seconds, emails = null) {
    const shown = pages.show(screen, () => ({ reason: pages.text(reason), retry: last.label() }));
    for (const line of shown.querySelectorAll("[data-emails]")) line.hidden = line.dataset.emails !== emails;
    pages.wait(shown.querySelector('[data-action="retry"]'), seconds, shown.querySelector(".countdown"));
  }

  // Every answer that is not the call's own success, by its `code` (data.answers), else by its status.
  function answered(answer, email) {
    const known = data.answers[answer.body.code];
    const { fallbacks } = data;
    if (answer.status === 0) return showWaiting("unavailable", fallbacks.no_answer, 0);
    if (!known && answer.status === 429) return showWaiting("rate_limited", fallbacks.rate_limited, answer.retryAfter);
    if (!known && answer.status >= 500) return showWaiting("unavailable", fallbacks.unavailable, answer.retryAfter);
    if (!known) return pages.say(() => pages.text(fallbacks.unexpected), true);
    switch (known.screen) {
      case "pending":
        return showPending(answer.body, email);
      case "registered":
        return pages.show("registered", {
          email,
          company: answer.body.account?.company_name || person?.company || "",
        });
      case "suppressed":
        return pages.show("suppressed", { email, company: person?.company || "" });
      case "form":
        return showFieldErrors(answer.body.errors, known.text);
      case "rate_limited": {
        // The email to look for meanwhile: the one the address's own limit (RATE_LIMITED) says went a moment ago,
        // or the one the call waits on (a Join's invitation, a registration's confirmation); a first registration
        // that API Gateway throttled has none.
        const emails = answer.body.code === "RATE_LIMITED" || person || registered ? last.emails : null;
        return showWaiting(known.screen, known.text, answer.retryAfter, emails);
      }
      case "unavailable":
        return showWaiting(known.screen, known.text, answer.retryAfter);
      default:
        return pages.say(() => pages.text(known.text), true);
    }
  }

  async function createAccount(button = create) {
    const body = formBody();
    clearFieldErrors();
    person = null;
    registered = null;
    last = { label: () => pages.text("create"), run: createAccount, emails: "confirmation" };
    const answer = await pages.press(button, () => pages.text("creating"), () =>
      pages.post("/v1/accounts", body, { "Idempotency-Key": idempotencyKey(body) }),
    );
    if (!answer) return;
    // An answer that decided the registration ends its key; the same registration asked again keeps it while the
    // first is still in progress, or when API Gateway throttled it before it arrived.
    if (answer.status > 0 && answer.status < 500 && !SAME_REGISTRATION_AGAIN.has(answer.body.code)) {
      sent = { body: "", key: "" };
    }
    if (answer.status === 201) {
      registered = answer.body;
      showCreated(registered, registered.expires_at);
    } else {
      answered(answer, body.email);
    }
  }

  // "Send the confirmation again": resend answers alike for every address, so the page says what it sent only as
  // far as it knows; the new link's lifetime starts now.
  async function resendConfirmation(button) {
    const { administrator_email: email } = registered;
    last = { label: () => pages.text("resend"), run: resendConfirmation, emails: "confirmation" };
    const body = { email, locale: pages.locale() };
    const answer = await pages.press(button, () => pages.text("resending"), () =>
      pages.post("/v1/invitations/resend", body),
    );
    if (!answer) return;
    if (answer.status === 202) {
      showCreated(registered, new Date(Date.now() + data.invitation_ttl_seconds * 1000).toISOString());
      pages.say(() => pages.text("resent"));
    } else {
      answered(answer, email);
    }
  }

  async function join(button) {
    const { company } = person;
    last = { label: () => pages.text("join", { company }), run: join, emails: "invitation" };
    const path = `/v1/accounts/${encodeURIComponent(person.accountId)}/join`;
    // The invitation email speaks the page's language.
    const body = { email: person.email, locale: pages.locale() };
    const answer = await pages.press(button, () => pages.text("joining"), () => pages.post(path, body));
    if (!answer) return;
    if (answer.status === 202) {
      showSent(answer.body);
      if (button.dataset.action === "ask-again") pages.say(() => pages.text("sent_again"));
    } else {
      answered(answer, person.email);
    }
  }

  function otherEmail() {
    pages.show("form");
    form.elements.email.focus();
    form.elements.email.select();
  }

  // The fragment's `email`, every character kept: `+` stays a plus (URLSearchParams would read a space), an escape
  // (%2B, %C3%BC) is decoded, and a `%` that starts none stays as it is.
  function fragmentEmail() {
    const field = window.location.hash
      .slice(1)
      .split("&")
      .find((part) => part.startsWith("email="));
    const value = field ? field.slice("email=".length) : "";
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }

  // Only the email is taken from the URL (RAS opens /register#email=...); the fragment never reaches a server.
  function prefill() {
    const email = fragmentEmail().trim();
    if (!email || email.length > EMAIL_AT_MOST) return false;
    form.elements.email.value = email;
    return true;
  }

  // Country names in the page's language, in its alphabetical order; a chosen country stays chosen.
  function listCountries(locale) {
    const names = new Intl.DisplayNames([locale], { type: "region" });
    const countries = data.countries.map((code) => ({ code, name: names.of(code) || code }));
    countries.sort((one, other) => one.name.localeCompare(other.name, locale));
    const chosen = form.elements.country.value;
    for (const option of [...form.elements.country.options].slice(1)) option.remove();
    for (const { code, name } of countries) {
      const option = document.createElement("option");
      option.value = code;
      option.textContent = name;
      form.elements.country.append(option);
    }
    form.elements.country.value = chosen;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    createAccount();
  });
  pages.onAction({
    join,
    "ask-again": join,
    resend: resendConfirmation,
    "other-email": otherEmail,
    retry: (button) => last.run(button),
  });
  // A new #email=... in the same tab starts again from the form, with that address.
  window.addEventListener("hashchange", () => prefill() && pages.show("form"));
  pages.whenLocale(listCountries);
  pages.setLocale(pages.browserLocale());
  prefill();
  document.querySelector('section[data-screen="form"]').hidden = false;
})();
