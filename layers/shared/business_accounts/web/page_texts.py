"""Every word the web pages say, one table per page: the place to change a page's text (in English).

The values are marked with `N_()` and translated from the catalogs (`locales/`, see languages.py) when a page is
rendered: each page carries its table in every supported language, so its language switcher needs no request.
The HTML names a text as `{key}` (filled in by the server, in the request's language) and `data-text="key"` (filled
in by the script, with `{placeholders}` such as `{company}`); `title_<screen>` names the browser tab on each screen.
Why an account exists is said in the invitation email's words (`wording.WHY_THE_ACCOUNT_EXISTS`), not here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from business_accounts.models.languages import N_

# Shared by both pages: the language switcher, and a countdown's end.
_SHARED = {
    "language": N_("Language"),
    "ready": N_("You can try again now."),
}

REGISTER_PAGE = {
    **_SHARED,
    "brand": N_("Business account registration"),
    "noscript_heading": N_("This page needs JavaScript"),
    "noscript_text": N_("Turn on JavaScript in your browser and reload this page to create a business account."),
    # The form.
    "title_form": N_("Create a business account"),
    "form_heading": N_("Create a business account"),
    "form_intro": N_("Register a business account for your company or organisation. You become its administrator."),
    "label_email": N_("Work email"),
    "hint_email": N_("If you started in Remote Application Server, use the email address you entered there."),
    "label_company_name": N_("Company or organisation name"),
    "label_first_name": N_("First name (optional)"),
    "label_last_name": N_("Last name (optional)"),
    "label_country": N_("Country (optional)"),
    "no_country": N_("Choose a country"),
    "create": N_("Create account"),
    "creating": N_("Creating your account…"),
    # Next to a field the API refused; kept short so that each fits its reserved line on a 320 px screen.
    "error_email": N_("Enter a valid email address."),
    "error_company_name": N_("Enter 1 to 200 characters."),
    "error_first_name": N_("Use at most 100 characters."),
    "error_last_name": N_("Use at most 100 characters."),
    "error_country": N_("Choose a country from the list."),
    "fields_refused": N_("Check the fields marked with an error."),
    # 201: registered, and waiting until the person confirms the address from the email just sent.
    "title_created": N_("Confirm your email address"),
    "created_heading": N_("Check your incoming emails to confirm your email address"),
    "created_text": N_(
        "We sent a confirmation message to {email}. If you don't see it, make sure to check your SPAM folder."
    ),
    # What SES reported of the confirmation message, said instead of created_text once the page has learnt it.
    # Translators: {when} is a date and time, its time zone named.
    "confirmation_bounced": N_(
        "Our confirmation message to {email} bounced on {when}: check the address, or use another one."
    ),
    "confirmation_rejected": N_(
        "Our confirmation message to {email} could not be delivered on {when}: check the address, or use another one."
    ),
    # Translators: {until} is a date and time, its time zone named.
    "created_next": N_(
        "Open the link in the message to finish registering {company}: you then become the administrator of its "
        "business account. The link works until {until}."
    ),
    "created_missing_heading": N_("No confirmation message?"),
    "created_missing": N_(
        "Is {email} not your address? Use another one. If it is yours, we can send the message again; "
        "if none arrives, contact our support team."
    ),
    "resend": N_("Send the confirmation again"),
    "resending": N_("Sending a new confirmation message…"),
    "resent": N_(
        "A new confirmation message is on its way, unless the address is confirmed already. "
        "Links in earlier messages no longer work."
    ),
    # 409 PENDING_INVITATION: the knowledge-base article's notification.
    "title_pending": N_("Join {company}"),
    "pending_heading": N_("A business account for {company} already exists"),
    "pending_text": N_(
        "It uses the same email address you specified on the registration form, {email}. "
        "You have been invited to become an administrator of that business account."
    ),
    "pending_why_heading": N_("Why does this business account exist?"),
    # Translators: {until} is a date and time, its time zone named.
    "pending_valid": N_("Your current invitation is valid until {until}."),
    "pending_expired": N_("Your last invitation expired on {until}. Join to get a new one."),
    "pending_next": N_(
        "Check your incoming emails for the invitation message, and follow its instructions. "
        "If you can't find it, or it has expired, click Join {company}: a new invitation is sent to {email}, "
        "and links in earlier invitation emails stop working."
    ),
    "join": N_("Join {company}"),
    "joining": N_("Sending you a new invitation…"),
    # Translators: followed by a countdown such as 0:45.
    "join_wait": N_("An invitation email went to this address a moment ago. You can ask for a new one in"),
    "join_ready": N_("You can ask for a new invitation now."),
    "other_email": N_("Use another email address"),
    # 202 from Join: the article's "check your email" message.
    "title_sent": N_("Check your incoming emails"),
    "sent_heading": N_("A new invitation is on its way"),
    "sent_text": N_(
        "Check your incoming emails for an invitation message. "
        "If you don't see the message, make sure to check your SPAM folder."
    ),
    "sent_to": N_("We sent it to {email}. Follow the instructions in the invitation message."),
    "sent_until": N_("Its link works until {until}."),
    "ask_again_heading": N_("Still no invitation message?"),
    "ask_again": N_("Send the invitation again"),
    # Translators: followed by a countdown such as 0:45.
    "ask_again_wait": N_("You can ask again in"),
    "sent_again": N_("A new invitation email is on its way. Links in earlier emails no longer work."),
    # 409 EMAIL_SUPPRESSED from Join: no invitation email can help, another address or support can.
    "title_suppressed": N_("Invitation emails to this address are stopped"),
    "suppressed_heading": N_("Invitation emails to this address are stopped"),
    "suppressed_text": N_(
        "One of our invitation emails to {email} was marked as spam. To join {company}, ask your company's "
        "administrator or our support team to lift the stop, or register with another email address."
    ),
    # 409 ALREADY_REGISTERED or ALREADY_MEMBER.
    "title_registered": N_("You already have a business account"),
    "registered_heading": N_("You already have a business account"),
    "registered_text": N_("{email} is already an administrator of the business account of {company}."),
    "registered_sign_in": N_("Sign in to the business account with this email address to manage it."),
    "sign_in": N_("Sign in"),
    "registered_contact": N_(
        "Forgot your password? Reset it from the sign-in page. Lost access to this email address? "
        "Ask another administrator of {company}, or contact our support team."
    ),
    # 429, and API Gateway's throttling.
    "title_rate_limited": N_("Please wait before asking again"),
    "rate_limited_heading": N_("Please wait before asking again"),
    # After Join (or its Send again), which has an invitation email waiting.
    "rate_limited_meanwhile": N_(
        "Meanwhile, check your incoming emails for an invitation message, and make sure to check your SPAM folder."
    ),
    # After Create account (or Send the confirmation again), which sent a confirmation a moment ago.
    "rate_limited_meanwhile_confirmation": N_(
        "Meanwhile, check your incoming emails for our confirmation message, and make sure to check your SPAM folder."
    ),
    # Translators: followed by a countdown such as 0:45.
    "try_again_wait": N_("You can try again in"),
    # 5xx, or no answer at all.
    "title_unavailable": N_("Service unavailable"),
    "unavailable_heading": N_("The service is not available right now"),
    "unavailable_next": N_("Nothing was changed. Try again in a moment."),
    "try_again": N_("Try again"),
    # Why an answer was what it was (REGISTER_ANSWERS, REGISTER_FALLBACKS).
    "not_found": N_(
        "This email address no longer has an invitation to that account: its administrators may have withdrawn it. "
        "Create the account again to see where the address stands."
    ),
    "invitation_not_found": N_(
        "That invitation no longer exists. Create the account again to see where your email address stands."
    ),
    "too_many_emails": N_(
        "So that your inbox is not flooded, we send only a few emails to one address in a short time."
    ),
    "throttled": N_("Many people are using the service right now."),
    "concurrent_update": N_("Someone changed this account at the same moment. Try again."),
    "request_in_progress": N_("Your account is still being created. Try again in a moment."),
    "form_changed": N_("The form changed while it was being sent. Try again."),
    "busy": N_("The service is busy."),
    "our_side": N_("Something went wrong on our side."),
    "not_reached": N_("This page could not reach the service."),
    "no_answer": N_("The service did not answer. Check your internet connection."),
    "unexpected": N_("Something went wrong on our side, and nothing was changed. Try again in a moment."),
    # Delivery feedback: what SES reported of the last invitation email, said instead of "check your SPAM folder".
    "delivery_bounced": N_(
        "Our invitation email to this address bounced on {when}: check the address, "
        "or ask your company's administrator or our support team."
    ),
    "delivery_rejected": N_(
        "Our invitation email to this address could not be delivered on {when}: check the address, "
        "or ask your company's administrator or our support team."
    ),
    "sent_after_bounced": N_(
        "Our previous invitation email to this address bounced on {when}. If this one does not arrive either, "
        "check the address, or ask your company's administrator or our support team."
    ),
    "sent_after_rejected": N_(
        "Our previous invitation email to this address could not be delivered on {when}. If this one does not "
        "arrive either, check the address, or ask your company's administrator or our support team."
    ),
}


@dataclass(frozen=True)
class Answer:
    """What the registration page does with one `code`: the screen it shows, and the text (a key of
    REGISTER_PAGE) it says there."""

    screen: str | None  # None: stay on the current screen and say `text` as an error
    text: str = ""


# Every `code` that POST /v1/accounts, POST /v1/accounts/{account_id}/join or POST /v1/invitations/resend can
# answer, API Gateway's included.
# A code missing here is answered by its status: 429 waits, 5xx is "unavailable", anything else says UNEXPECTED.
REGISTER_ANSWERS = {
    "PENDING_INVITATION": Answer("pending"),
    "ALREADY_REGISTERED": Answer("registered"),
    "ALREADY_MEMBER": Answer("registered"),
    "INVITATION_ALREADY_ACCEPTED": Answer("registered"),
    "VALIDATION_ERROR": Answer("form", "fields_refused"),
    "NOT_FOUND": Answer("form", "not_found"),
    "INVITATION_NOT_FOUND": Answer("form", "invitation_not_found"),
    "RATE_LIMITED": Answer("rate_limited", "too_many_emails"),
    "THROTTLED": Answer("rate_limited", "throttled"),
    "CONCURRENT_UPDATE": Answer(None, "concurrent_update"),
    "REQUEST_IN_PROGRESS": Answer(None, "request_in_progress"),
    "IDEMPOTENCY_KEY_REUSED": Answer(None, "form_changed"),
    "SERVICE_UNAVAILABLE": Answer("unavailable", "busy"),
    "INTERNAL_ERROR": Answer("unavailable", "our_side"),
    "ROUTE_NOT_FOUND": Answer("unavailable", "not_reached"),
    "UNSUPPORTED_MEDIA_TYPE": Answer("unavailable", "our_side"),  # the page always sends JSON: ours to fix
    "EMAIL_SUPPRESSED": Answer("suppressed"),
}
# The texts (keys of REGISTER_PAGE) of answers that the table does not name.
REGISTER_FALLBACKS = {
    "no_answer": "no_answer",
    "unavailable": "our_side",
    "rate_limited": "throttled",
    "unexpected": "unexpected",
}


def register_answers() -> dict[str, Any]:
    """The answers table and its fallbacks as the page's script reads them (texts by key, in any language)."""
    return {
        "answers": {code: asdict(answer) for code, answer in REGISTER_ANSWERS.items()},
        "fallbacks": REGISTER_FALLBACKS,
    }


# A link opens this page for one of two purposes (the preview's `purpose`): an invitation to administer an account,
# or the confirmation of one's own registration; what a link that no longer works says fits either.
ACCEPT_PAGE = {
    **_SHARED,
    "brand": N_("Business account"),
    "noscript_heading": N_("This page needs JavaScript"),
    "noscript_text": N_("Turn on JavaScript in your browser and reload this page to use the link from your email."),
    "title_checking": N_("Checking your link"),
    "checking": N_("Checking your link…"),
    # 200 from preview, purpose "invitation".
    "title_pending": N_("Join {company}"),
    "pending_heading": N_("Join {company}"),
    "pending_text": N_(
        "A business account for your company already exists, and you are invited to become one of its administrators."
    ),
    "label_company": N_("Company"),
    "label_email": N_("Your email"),
    "label_why": N_("Why the account exists"),
    "label_expires": N_("The invitation expires"),
    "accept": N_("Accept invitation"),
    "accepting": N_("Accepting the invitation…"),
    "pending_hint": N_("Not expecting this? Close this page: nothing changes unless you accept."),
    # 200 from preview, purpose "confirmation": the person registered the account themselves.
    "title_confirm": N_("Confirm your email address"),
    "confirm_heading": N_("Confirm your email address to finish registering {company}"),
    "confirm_text": N_(
        "Confirming shows that {email} is your address, and makes you the administrator of the new business account."
    ),
    # Translators: {until} is a date and time, its time zone named.
    "confirm_until": N_("This link works until {until}."),
    "confirm": N_("Confirm my email address"),
    "confirming": N_("Confirming your email address…"),
    "confirm_hint": N_("Did not register? Close this page: no business account is created unless you confirm."),
    # 200 from accept.
    "title_accepted": N_("You are now an administrator of {company}"),
    "accepted_heading": N_("You are now an administrator of {company}"),
    "accepted_text": N_("{email} can now manage this business account."),
    "title_confirmed": N_("Your business account is ready"),
    "confirmed_heading": N_("Your business account for {company} is ready"),
    "confirmed_text": N_("{email} is confirmed, and you are the administrator of this business account."),
    "to_portal": N_("Go to your business account"),
    # 410 INVITATION_EXPIRED and INVITATION_SUPERSEDED: a new email in one click, to the same address.
    "title_expired": N_("This link has expired"),
    "expired_heading": N_("This link has expired"),
    "expired_text": N_(
        "Links in our emails work for a limited time. We can send a new email, with a new link, to the address "
        "this one was sent to."
    ),
    "title_superseded": N_("This link was replaced by a newer one"),
    "superseded_heading": N_("This link was replaced by a newer one"),
    "superseded_text": N_(
        "A newer email was sent to the same address, so this link no longer works. "
        "Use the link in the newest email, or ask for a new one."
    ),
    "renew": N_("Send me a new link"),
    "renewing": N_("Asking for a new link…"),
    # Translators: followed by a countdown such as 0:45.
    "renew_wait": N_("Too many emails were sent to this address. You can ask for a new one in"),
    # 202 from renew.
    "title_renewed": N_("A new email is on its way"),
    "renewed_heading": N_("A new email is on its way"),
    "renewed_text": N_(
        "Check your inbox for an email with a new link, and open that link. "
        "If you don't see the message, make sure to check your SPAM folder. Links in earlier emails no longer work."
    ),
    "renewed_until": N_("The new link works until {until}."),
    # 409 EMAIL_SUPPRESSED from renew.
    "email_suppressed": N_(
        "Emails to this address are stopped because one of ours was marked as spam. "
        "Ask your company's administrator or our support team to lift this."
    ),
    # The other answers to a token.
    "title_already_accepted": N_("This link has already been used"),
    "already_accepted_heading": N_("This link has already been used"),
    "already_accepted_text": N_(
        "The address it was sent to is already an administrator of the business account, "
        "so there is nothing more to do here."
    ),
    "title_revoked": N_("This invitation was withdrawn"),
    "revoked_heading": N_("This invitation was withdrawn"),
    "revoked_text": N_(
        "The account's administrators withdrew this invitation, so the link no longer works. "
        "If you still need access, ask them to invite you again."
    ),
    "title_not_found": N_("This link is not valid"),
    "not_found_heading": N_("This link is not valid"),
    "not_found_text": N_(
        "The link may be incomplete. Open it again from the email, or copy all of it into your browser's address bar."
    ),
    "not_found_next": N_(
        "If it still does not work, register again where you started: you can ask for a new email there."
    ),
    "title_unavailable": N_("We could not check your link"),
    "unavailable_heading": N_("We could not check your link"),
    "unavailable_text": N_("The service did not answer. Nothing has changed; try again in a moment."),
    "try_again": N_("Try again"),
    # Said in the status line when a click did not work.
    "accept_failed": N_("That did not work: something went wrong on our side, and nothing was changed. Try again."),
    "accept_no_answer": N_("That did not work: the service did not answer, and nothing was changed. Try again."),
    "renew_unavailable": N_("The email could not be sent, and nothing was changed. Try again shortly."),
    "renew_failed": N_("No new email was sent: something went wrong on our side. Try again in a moment."),
    "renew_no_answer": N_("No new email was sent: the service did not answer. Try again in a moment."),
    # Renew answered what the link already said: it confirmed a registration that is gone (removed unconfirmed,
    # or replaced), so no new email can bring it back.
    "renew_gone": N_(
        "No new email was sent: the registration this link confirmed is no longer waiting. "
        "Register again where you started, and you will get a new email."
    ),
}
