// The page an email's link opens: reads the token from the URL fragment and previews it on load; it accepts or
// renews only when the person clicks. The preview's `purpose` says what accepting does: join an account someone
// else created (an invitation), or confirm the person's own registration (a confirmation). It speaks the browser's
// language until the preview says which language the email was sent in, unless the person has chosen one.
(() => {
  "use strict";

  const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
  const SCREEN_OF_CODE = {
    INVITATION_EXPIRED: "expired",
    INVITATION_SUPERSEDED: "superseded",
    INVITATION_ALREADY_ACCEPTED: "already_accepted",
    INVITATION_REVOKED: "revoked",
    INVITATION_NOT_FOUND: "not_found",
    VALIDATION_ERROR: "not_found",
  };

  let token = null;
  let current = null;
  let languageChosen = false;
  // What the link is for, once the preview has said: "invitation" or "confirmation".
  let purpose = "invitation";
  // The tab's title of the screens that say each purpose in its own words (else title_<screen>).
  const TITLES = { confirmation: { pending: "title_confirm", accepted: "title_confirmed" } };

  // Shows `screen`, with its words for the link's purpose (elements marked data-purpose).
  function show(screen, values = {}) {
    current = screen;
    const section = document.querySelector(`section[data-screen="${screen}"]`);
    for (const element of section.querySelectorAll("[data-purpose]")) {
      element.hidden = element.dataset.purpose !== purpose;
    }
    return pages.show(screen, values, TITLES[purpose]?.[screen]);
  }

  function tokenFromFragment() {
    const value = (new URLSearchParams(window.location.hash.slice(1)).get("token") || "").trim();
    return TOKEN.test(value) ? value : null;
  }

  function post(action) {
    return pages.post(`/v1/invitations/${action}`, { token });
  }

  async function preview() {
    purpose = "invitation";
    token = tokenFromFragment();
    if (!token) {
      show("not_found");
      return;
    }
    show("checking");
    const answer = await post("preview");
    if (answer.status === 200) {
      const invitation = answer.body;
      purpose = invitation.purpose === "confirmation" ? "confirmation" : "invitation";
      if (!languageChosen && invitation.locale) pages.setLocale(invitation.locale);
      show("pending", () => ({
        company: invitation.company_name,
        company_name: invitation.company_name,
        email: invitation.email,
        why: pages.why(invitation.created_via),
        ...pages.expiry(invitation.expires_at),
      }));
    } else {
      show(SCREEN_OF_CODE[answer.body.code] || "unavailable");
    }
  }

  async function accept(button) {
    const progress = purpose === "confirmation" ? "confirming" : "accepting";
    const answer = await pages.press(button, () => pages.text(progress), () => post("accept"));
    if (!answer) return;
    if (answer.status === 200) {
      show("accepted", { company: answer.body.company_name, email: answer.body.email });
    } else if (SCREEN_OF_CODE[answer.body.code]) {
      show(SCREEN_OF_CODE[answer.body.code]);
    } else {
      pages.say(() => pages.text(answer.status ? "accept_failed" : "accept_no_answer"), true);
    }
  }

  async function renew(button) {
    const answer = await pages.press(button, () => pages.text("renewing"), () => post("renew"));
    if (!answer) return;
    const screen = SCREEN_OF_CODE[answer.body.code];
    if (answer.status === 202) {
      show("renewed", () => pages.expiry(answer.body.expires_at));
    } else if (answer.body.code === "EMAIL_SUPPRESSED") {
      // No new email can help: the button stays off, and the words say who can.
      pages.say(() => pages.text("email_suppressed"), true);
      button.setAttribute("aria-disabled", "true");
    } else if (answer.status === 429 && answer.retryAfter) {
      pages.say("");
      pages.wait(button, answer.retryAfter, button.closest("section").querySelector(".countdown"));
    } else if (answer.status === 429 || answer.status === 503) {  // API Gateway's throttling sends no Retry-After
      pages.say(() => pages.text("renew_unavailable"), true);
    } else if (screen && screen !== current) {
      show(screen);
    } else if (screen) {
      // The link's own state again (expired, superseded): it confirmed a registration that is gone.
      pages.say(() => pages.text("renew_gone"), true);
    } else {
      pages.say(() => pages.text(answer.status ? "renew_failed" : "renew_no_answer"), true);
    }
  }

  document.getElementById("language").addEventListener("change", () => {
    languageChosen = true;
  });
  pages.setLocale(pages.browserLocale());
  pages.onAction({ accept, renew, retry: preview });
  window.addEventListener("hashchange", preview);
  preview();
})();
