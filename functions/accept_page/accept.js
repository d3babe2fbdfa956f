// The invitation accept page: reads the token from the URL fragment and previews the invitation on load; it
// accepts or renews only when the person clicks.
(() => {
  "use strict";

  const { data, texts } = pages;
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

  function show(screen, values = {}) {
    current = screen;
    return pages.show(screen, values);
  }

  function tokenFromFragment() {
    const value = (new URLSearchParams(window.location.hash.slice(1)).get("token") || "").trim();
    return TOKEN.test(value) ? value : null;
  }

  function post(action) {
    return pages.post(`/v1/invitations/${action}`, { token });
  }

  async function preview() {
    token = tokenFromFragment();
    if (!token) {
      show("not_found");
      return;
    }
    show("checking");
    const answer = await post("preview");
    if (answer.status === 200) {
      const invitation = answer.body;
      show("pending", {
        company: invitation.company_name,
        company_name: invitation.company_name,
        email: invitation.email,
        why: data.why[invitation.created_via] || "",
        ...pages.expiry(invitation.expires_at),
      });
    } else {
      show(SCREEN_OF_CODE[answer.body.code] || "unavailable");
    }
  }

  async function accept(button) {
    const answer = await pages.press(button, texts.accepting, () => post("accept"));
    if (!answer) return;
    if (answer.status === 200) {
      show("accepted", { company: answer.body.company_name, email: answer.body.email });
    } else if (SCREEN_OF_CODE[answer.body.code]) {
      show(SCREEN_OF_CODE[answer.body.code]);
    } else {
      pages.say(answer.status ? texts.accept_failed : texts.accept_no_answer, true);
    }
  }

  async function renew(button) {
    const answer = await pages.press(button, texts.renewing, () => post("renew"));
    if (!answer) return;
    const screen = SCREEN_OF_CODE[answer.body.code];
    if (answer.status === 202) {
      show("renewed", pages.expiry(answer.body.expires_at));
    } else if (answer.status === 429) {
      pages.say("");
      pages.wait(button, answer.retryAfter, button.closest("section").querySelector(".countdown"));
    } else if (answer.status === 503) {
      pages.say(texts.renew_unavailable, true);
    } else if (screen && screen !== current) {
      show(screen);
    } else {
      pages.say(answer.status ? texts.renew_failed : texts.renew_no_answer, true);
    }
  }

  pages.onAction({ accept, renew, retry: preview });
  window.addEventListener("hashchange", preview);
  preview();
})();
