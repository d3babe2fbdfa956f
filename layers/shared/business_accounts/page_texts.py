"""Every word the web pages say, one table per page: the place to change a page's text, and to translate it.

The HTML names a text as `${key}` (filled in by the server) or `data-text="key"` (filled in by the script, with
`{placeholders}` such as `{company}`); `title_<screen>` names the browser tab on each screen. Why an account
exists is said in the invitation email's words (`mailer.WHY_THE_ACCOUNT_EXISTS`), not here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# Shared by both pages' scripts (page.js): expiry times and the end of a countdown.
_TIMES = {
    "time_utc": "{utc} UTC",
    "time_local": "{local}, your local time",
    "time_both": "{utc} UTC ({local}, your local time)",
    "ready": "You can try again now.",
}

REGISTER_PAGE = {
    **_TIMES,
    "brand": "Business account registration",
    "noscript_heading": "This page needs JavaScript",
    "noscript_text": "Turn on JavaScript in your browser and reload this page to create a business account.",
    # The form.
    "title_form": "Create a business account",
    "form_heading": "Create a business account",
    "form_intro": "Register a business account for your company or organization. You become its administrator.",
    "label_email": "Work email",
    "hint_email": "If you started in Remote Application Server, use the email address you entered there.",
    "label_company_name": "Company or organization name",
    "label_first_name": "First name (optional)",
    "label_last_name": "Last name (optional)",
    "label_country": "Country (optional)",
    "no_country": "Choose a country",
    "create": "Create account",
    "creating": "Creating your account…",
    # Next to a field the API refused; kept short so that each fits its reserved line on a 320 px screen.
    "error_email": "Enter a valid email address.",
    "error_company_name": "Enter 1 to 200 characters.",
    "error_first_name": "Use at most 100 characters.",
    "error_last_name": "Use at most 100 characters.",
    "error_country": "Choose a country from the list.",
    "fields_refused": "Check the fields marked with an error.",
    # 201: created.
    "title_created": "Business account created",
    "created_heading": "Your business account is ready",
    "created_text": "The business account of {company} is registered, and {email} is its administrator.",
    "to_portal": "Go to your business account",
    # 409 PENDING_INVITATION: the knowledge-base article's notification.
    "title_pending": "Join {company}",
    "pending_heading": "A business account for {company} already exists",
    "pending_text": (
        "It uses the same email address you specified on the registration form, {email}. "
        "You have been invited to become an administrator of that business account."
    ),
    "pending_why_heading": "Why does this business account exist?",
    "pending_why": "This account {why}.",
    "pending_valid": "Your current invitation is valid until {until}.",
    "pending_expired": "Your last invitation expired on {until}. Join to get a new one.",
    "pending_next": (
        "Check your incoming emails for the invitation message, and follow its instructions. "
        "If you can't find it, or it has expired, click Join {company}: a new invitation is sent to {email}, "
        "and links in earlier invitation emails stop working."
    ),
    "join": "Join {company}",
    "joining": "Sending you a new invitation…",
    "other_email": "Use another email address",
    # 202 from Join: the article's "check your email" message.
    "title_sent": "Check your incoming emails",
    "sent_heading": "Check your incoming emails",
    "sent_text": (
        "Check your incoming emails for an invitation message. "
        "If you don't see the message, make sure to check your SPAM folder."
    ),
    "sent_to": "We sent it to {email}. Follow the instructions in the invitation message.",
    "sent_until": "Its link works until {until}.",
    "ask_again_heading": "Still no invitation message?",
    "ask_again": "Send the invitation again",
    "ask_again_wait": "You can ask again in",
    "sent_again": "A new invitation email is on its way. Links in earlier emails no longer work.",
    # 409 ALREADY_REGISTERED or ALREADY_MEMBER.
    "title_registered": "You already have a business account",
    "registered_heading": "You already have a business account",
    "registered_text": "{email} is already an administrator of the business account of {company}.",
    "registered_sign_in": "Sign in to the business account with this email address to manage it.",
    "sign_in": "Sign in",
    "registered_contact": (
        "Forgot your password? Reset it from the sign-in page. Lost access to this email address? "
        "Ask another administrator of {company}, or contact our support team."
    ),
    # 429, and API Gateway's throttling.
    "title_rate_limited": "Please wait before asking again",
    "rate_limited_heading": "Please wait before asking again",
    "rate_limited_meanwhile": (
        "Meanwhile, check your incoming emails for an invitation message, and make sure to check your SPAM folder."
    ),
    "try_again_wait": "You can try again in",
    # 5xx, or no answer at all.
    "title_unavailable": "Service unavailable",
    "unavailable_heading": "The service is not available right now",
    "unavailable_next": "Nothing was changed. Try again in a moment.",
    "try_again": "Try again",
    # Delivery feedback: what SES reported of the last invitation email, said instead of "check your SPAM folder".
    "delivery_bounced": (
        "Our invitation email to this address bounced on {when}: check the address, "
        "or ask your company's administrator or our support team."
    ),
    "delivery_rejected": (
        "Our invitation email to this address could not be delivered on {when}: check the address, "
        "or ask your company's administrator or our support team."
    ),
    "delivery_complained": (
        "Our invitation email to this address was marked as spam on {when}, so we send no more invitation emails "
        "to it. Ask your company's administrator or our support team to lift this."
    ),
    "sent_after_bounced": (
        "Our previous invitation email to this address bounced on {when}. If this one does not arrive either, "
        "check the address, or ask your company's administrator or our support team."
    ),
    "sent_after_rejected": (
        "Our previous invitation email to this address could not be delivered on {when}. If this one does not "
        "arrive either, check the address, or ask your company's administrator or our support team."
    ),
}


@dataclass(frozen=True)
class Answer:
    """What the registration page does with one `code`: the screen it shows, and what it says there."""

    screen: str | None  # None: stay on the current screen and say `text` as an error
    text: str = ""


# Every `code` that POST /v1/accounts or POST /v1/accounts/{account_id}/join can answer, API Gateway's included.
# A code missing here is answered by its status: 429 waits, 5xx is "unavailable", anything else says UNEXPECTED.
REGISTER_ANSWERS = {
    "PENDING_INVITATION": Answer("pending"),
    "ALREADY_REGISTERED": Answer("registered"),
    "ALREADY_MEMBER": Answer("registered"),
    "INVITATION_ALREADY_ACCEPTED": Answer("registered"),
    "VALIDATION_ERROR": Answer("form", REGISTER_PAGE["fields_refused"]),
    "NOT_FOUND": Answer(
        "form",
        "This email address no longer has an invitation to that account: its administrators may have withdrawn it. "
        "Create the account again to see where the address stands.",
    ),
    "INVITATION_NOT_FOUND": Answer(
        "form", "That invitation no longer exists. Create the account again to see where your email address stands."
    ),
    "RATE_LIMITED": Answer(
        "rate_limited",
        "Too many invitation emails were sent to this address. So that your inbox is not flooded, "
        "you can ask for a new one after a short wait.",
    ),
    "THROTTLED": Answer("rate_limited", "Many people are using the service right now."),
    "CONCURRENT_UPDATE": Answer(None, "Someone changed this account at the same moment. Try again."),
    "REQUEST_IN_PROGRESS": Answer(None, "Your account is still being created. Try again in a moment."),
    "IDEMPOTENCY_KEY_REUSED": Answer(None, "The form changed while it was being sent. Try again."),
    "EMAIL_DELIVERY_FAILED": Answer("unavailable", "We could not send the invitation email."),
    "SERVICE_UNAVAILABLE": Answer("unavailable", "The service is busy."),
    "INTERNAL_ERROR": Answer("unavailable", "Something went wrong on our side."),
    "ROUTE_NOT_FOUND": Answer("unavailable", "This page could not reach the service."),
    "EMAIL_SUPPRESSED": Answer(
        None,
        "Invitation emails to this address are stopped because one was marked as spam. "
        "Ask your company's administrator or our support team to lift this.",
    ),
}
# The texts of answers that the table does not name.
REGISTER_FALLBACKS = {
    "no_answer": "The service did not answer. Check your internet connection.",
    "unavailable": "Something went wrong on our side.",
    "rate_limited": REGISTER_ANSWERS["THROTTLED"].text,
    "unexpected": "Something went wrong on our side, and nothing was changed. Try again in a moment.",
}


def register_answers() -> dict[str, Any]:
    """The answers table and its fallbacks as the page's script reads them."""
    return {
        "answers": {code: asdict(answer) for code, answer in REGISTER_ANSWERS.items()},
        "fallbacks": REGISTER_FALLBACKS,
    }


ACCEPT_PAGE = {
    **_TIMES,
    "brand": "Business account invitation",
    "noscript_heading": "This page needs JavaScript",
    "noscript_text": "Turn on JavaScript and reload the page to see and accept your invitation.",
    "title_checking": "Business account invitation",
    "checking": "Checking your invitation…",
    # 200 from preview.
    "title_pending": "Join {company}",
    "pending_heading": "Join {company}",
    "pending_text": (
        "A business account for your company already exists, and you are invited to become one of its administrators."
    ),
    "label_company": "Company",
    "label_email": "Your email",
    "label_why": "Why the account exists",
    "label_expires": "The invitation expires",
    "why": "This account {why}.",
    "accept": "Accept invitation",
    "accepting": "Accepting the invitation…",
    "pending_hint": "Not expecting this? Close this page: nothing changes unless you accept.",
    # 200 from accept.
    "title_accepted": "You are now an administrator of {company}",
    "accepted_heading": "You are now an administrator of {company}",
    "accepted_text": "{email} can now manage this business account.",
    "to_portal": "Go to your business account",
    # 410 INVITATION_EXPIRED and INVITATION_SUPERSEDED: a new invitation in one click.
    "title_expired": "This invitation has expired",
    "expired_heading": "This invitation has expired",
    "expired_text": (
        "Invitation links work for a limited time. We can send a new invitation to the address this one was sent to."
    ),
    "title_superseded": "This link was replaced by a newer one",
    "superseded_heading": "This link was replaced by a newer one",
    "superseded_text": (
        "A newer invitation email was sent to the same address, so this link no longer works. "
        "Use the link in the newest email, or ask for a new invitation."
    ),
    "renew": "Send me a new invitation",
    "renewing": "Asking for a new invitation…",
    "renew_wait": "Too many invitation emails were sent to this address. You can ask for a new one in",
    # 202 from renew.
    "title_renewed": "A new invitation is on its way",
    "renewed_heading": "A new invitation is on its way",
    "renewed_text": (
        "Check your inbox for an email with a new link, and open that link to accept. "
        "If you don't see the message, make sure to check your SPAM folder. Links in earlier emails no longer work."
    ),
    "renewed_until": "The new link works until {until}.",
    # The other answers to a token.
    "title_already_accepted": "This invitation has already been accepted",
    "already_accepted_heading": "This invitation has already been accepted",
    "already_accepted_text": (
        "The address it was sent to is already an administrator of the business account, "
        "so there is nothing more to do here."
    ),
    "title_revoked": "This invitation was withdrawn",
    "revoked_heading": "This invitation was withdrawn",
    "revoked_text": (
        "The account's administrators withdrew this invitation, so the link no longer works. "
        "If you still need access, ask them to invite you again."
    ),
    "title_not_found": "This invitation link is not valid",
    "not_found_heading": "This invitation link is not valid",
    "not_found_text": (
        "The link may be incomplete. Open it again from the invitation email, "
        "or copy all of it into your browser's address bar."
    ),
    "not_found_next": (
        "If it still does not work, register again where you started: you can ask for a new invitation there."
    ),
    "title_unavailable": "We could not check your invitation",
    "unavailable_heading": "We could not check your invitation",
    "unavailable_text": "The service did not answer. Nothing has changed; try again in a moment.",
    "try_again": "Try again",
    # Said in the status line when a click did not work.
    "accept_failed": "The invitation was not accepted: something went wrong on our side. Try again in a moment.",
    "accept_no_answer": "The invitation was not accepted: the service did not answer. Try again in a moment.",
    "renew_unavailable": "The invitation email could not be sent, and nothing was changed. Try again shortly.",
    "renew_failed": "No new invitation was sent: something went wrong on our side. Try again in a moment.",
    "renew_no_answer": "No new invitation was sent: the service did not answer. Try again in a moment.",
}
