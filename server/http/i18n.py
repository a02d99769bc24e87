"""The interface language: English or French, chosen by ``?lang=``, remembered in the session.

Pages are translated with Flask-Babel (catalogues in ``server/translations``); the strings the browser code
shows are handed to it as one JSON object per page (:func:`browser_strings`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

from server.services.translation import TRANSLATIONS, translated

LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
SESSION_KEY = "lang"

babel = Babel()


def N_(message: str) -> str:
    """Marks a word for translation where it is shown (roles, states and kinds arrive as data)."""
    return message


# Words that reach templates as data (``_(principal.role.value)``); listed so the catalogue holds them.
VOCABULARY = (
    N_("drafter"), N_("mp"), N_("clerk"), N_("citizen"), N_("admin"),
    N_("drafting"), N_("draft"), N_("tabled"), N_("admissible"), N_("inadmissible"), N_("adopted"),
    N_("rejected"), N_("withdrawn"), N_("fallen"), N_("visible"), N_("held"), N_("hidden"),
    N_("changed"), N_("added"), N_("removed"), N_("moved"), N_("renumbered"),
    N_("upcoming"), N_("open"), N_("closed"),
    # The units of a rate limit ("10 per 15 minute"): limits names them so.
    N_("second"), N_("minute"), N_("hour"), N_("day"), N_("month"), N_("year"),
)


def requested_language() -> str | None:
    """The ``?lang=`` of this request when it names a language Parley speaks."""
    value = (request.args.get("lang") or "").strip().lower()
    return value if value in _languages() else None


def _languages() -> tuple[str, ...]:
    configured = current_app.config.get("LANGUAGES") or LANGUAGES
    return tuple(configured)


def select_locale() -> str:
    """``?lang=``, else the language kept in the session, else the browser's preference, else English."""
    chosen = requested_language() or session.get(SESSION_KEY)
    if chosen in _languages():
        return str(chosen)
    best = request.accept_languages.best_match(_languages())
    return best or str(current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def localized(text: str) -> str:
    """``text`` in the reader's language: a :class:`Wording` (a service's refusal) is looked up in the catalogue and
    its values put into the translation; other text, and anything outside a request, stays as it is."""
    return translated(text, current_language() if has_request_context() else None)


def language_url(code: str) -> str:
    """This page in another language (the choice is then remembered)."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "lang"}
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"


def browser_strings() -> dict[str, str]:
    """What the browser code writes on screen, in the current language (keys are stable identifiers)."""
    return {
        "comments": _("Comments"),
        "comment": _("Comment"),
        "comments_on": _("Comments on %(label)s", label="{label}"),
        "no_comments": _("No comments on this provision yet."),
        "post": _("Post comment"),
        "reply": _("Reply"),
        "send_reply": _("Send reply"),
        "endorse": _("Endorse"),
        "endorsements": _("Endorsements"),
        "endorsed": _("Endorsed"),
        "fate": _("What became of it"),
        "fate_taken_up": _("taken up"),
        "fate_partly_taken_up": _("partly taken up"),
        "fate_not_taken_up": _("not taken up"),
        "fate_noted": _("noted"),
        "answer": _("Answer"),
        "answer_amendment": _("The amendment it led to"),
        "answer_version": _("Version %(version)s", version="{version}"),
        "citizens_comment": _("Citizens comment here; your account is not a citizen's."),
        "flag": _("Report"),
        "flag_reason": _("Why are you reporting this comment?"),
        "flagged": _("Reported. A clerk will look at it."),
        "hide": _("Hide"),
        "restore": _("Restore"),
        "reason": _("Reason"),
        "hidden": _("A comment was hidden by a moderator: %(reason)s", reason="{reason}"),
        "hidden_yours": _("Your comment was hidden by a moderator: %(reason)s. Only you see its words.",
                          reason="{reason}"),
        "withdrawn_by_author": _("A comment was withdrawn by its author."),
        "posted": _("Your comment is published."),
        "held": _("Your comment waits for a clerk before it is published."),
        "held_yours": _("Your comment waits for a clerk before it is published. Only you see it."),
        "disowned_yours": _("You reported this comment as not written by you: it is out of view and a clerk will "
                            "look into it. Only you see it."),
        "sign_in_to_comment": _("Sign in as a citizen to comment."),
        "consultation_closed": _("Comments are not open on this bill."),
        "your_comment": _("Your comment"),
        "quote": _("Quote (optional)"),
        "quote_hint": _("The exact words of the provision, without quotation marks."),
        "quoting_bill": _("Quoting the bill:"),
        "quoting_version": _("Quoting version %(version)s of the bill:", version="{version}"),
        "edited": _("edited %(time)s", time="{time}"),
        "edit": _("Edit"),
        "edit_label": _("Change your comment"),
        "save_edit": _("Save the change"),
        "cancel": _("Cancel"),
        "edit_saved": _("Your comment is changed."),
        "edit_held": _("Your edit waits for a clerk: the comment is out of public view until a clerk has read it."),
        "edit_too_late": _("Too late: a comment can be changed or withdrawn only in the %(minutes)s min after it "
                           "is posted.", minutes="{minutes}"),
        "withdraw_confirm": _("Withdraw this comment? It leaves the consultation for good."),
        "withdraw_yes": _("Withdraw it"),
        "withdraw_no": _("Keep it"),
        "withdrawn_done": _("Your comment is withdrawn."),
        "not_mine": _("This was not me"),
        "not_mine_explain": _("Did someone else post this from your account? Reporting it takes it out of view, "
                              "and a clerk will look into it."),
        "not_mine_note": _("What happened? (optional)"),
        "not_mine_send": _("Report it as not mine"),
        "not_mine_done": _("Reported as not written by you: the comment is out of view and a clerk will look "
                           "into it."),
        "change_password": _("Change your password"),
        "reported": _("Reported"),
        "already_reported": _("You have already reported this comment."),
        "new_comment_live": _("New comment on %(label)s", label="{label}"),
        "loading": _("Loading…"),
        "load_failed": _("This part could not be loaded."),
        "retry": _("Try again"),
        "saved": _("All changes saved"),
        "saving": _("Saving…"),
        "offline": _("Reconnecting…"),
        "signed_out_state": _("Signed out: not saving"),
        "signed_out_password_changed": _("You were signed out: this account's password was changed in another "
                                         "browser."),
        "signed_out_password_reset": _("You were signed out: this account's password was reset."),
        "signed_out_suspended": _("You were signed out: this account was suspended."),
        "signed_out_signed_out": _("You were signed out."),
        "signed_out_kept": _("What you type stays in this page and is saved once you are back: sign in again in "
                             "another tab, then reconnect. Leaving or reloading this page would lose it."),
        "sign_in_again": _("Sign in again (in a new tab)"),
        "reconnect": _("Reconnect"),
        "reconnected": _("Reconnected: your changes are being saved."),
        "still_signed_out": _("Still signed out: sign in again in another tab first."),
        "server_unreachable": _("The server cannot be reached; try again in a moment."),
        "editing_here": _("Editing here: %(names)s", names="{names}"),
        "nobody_else": _("Nobody else is editing."),
        "insert_after": _("Insert after"),
        "insert_before": _("Insert before"),
        # Between a label and its value: French puts a (no-break) space before the colon.
        "colon": _(": "),
        "publish_unsaved": _("Not published: your last changes are not saved yet. Publish again once the page says "
                             "all changes are saved."),
        "delete": _("Delete"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "renumber": _("Renumber / retitle"),
        "number": _("Number"),
        "heading": _("Heading"),
        "confirm_delete": _("Delete %(label)s?", label="{label}"),
        "published": _("Version %(version)s published.", version="{version}"),
        "refused": _("Refused: %(message)s", message="{message}"),
        "confirm_again": _("Ask for another confirmation mail"),
        "provision_too_large": _("this provision would be %(length)s characters long; a provision holds at most "
                                 "%(limit)s. The change was not kept", length="{length}", limit="{limit}"),
        "provision_gone": _("%(label)s: this provision is no longer in the bill; what is typed in it is not saved",
                            label="{label}"),
        "provision_deleted": _("%(label)s was deleted by another drafter. What you typed in it that was not saved is "
                               "kept at the top of the page: copy it before you leave.", label="{label}"),
        "deleted_by_other": _("%(label)s was deleted by another drafter.", label="{label}"),
        "settled_by_one": _("Adopted amendment %(numbers)s amends these words as the House voted on them: they cannot "
                            "be edited until the clerk consolidates the adopted amendments.", numbers="{numbers}"),
        "settled_by_many": _("Adopted amendments %(numbers)s amend these words as the House voted on them: they "
                             "cannot be edited until the clerk consolidates the adopted amendments.",
                             numbers="{numbers}"),
        "deleted_done": _("%(label)s deleted.", label="{label}"),
        "kept_title": _("Not saved: your text of %(label)s", label="{label}"),
        "kept_explain": _("Another drafter deleted this provision before what you typed in it was saved. It is kept "
                          "only in this page: copy it before you leave or reload the page."),
        "copy": _("Copy"),
        "copied": _("Copied."),
        "copy_failed": _("The text could not be copied for you: it is selected, copy it with Ctrl+C (⌘+C on a Mac)."),
        "dismiss": _("Dismiss"),
        "working_version": _("Working text, based on version %(version)s.", version="{version}"),
        "confirm_publish": _("Publish the working text as version %(version)s? Everyone will be able to read it.",
                             version="{version}"),
        "busy_retrying": _("Many comments are arriving at once: yours goes again in %(seconds)s s…",
                           seconds="{seconds}"),
        "instruction": _("Instruction"),
        "tabled": _("Amendment %(number)s tabled.", number="{number}"),
        "draft_saved": _("Draft amendment to %(citation)s saved: table it from the list when it is ready.",
                         citation="{citation}"),
        "saved_not_tabled": _("The amendment was saved as a draft but not tabled: %(message)s", message="{message}"),
        "no_change": _("Change the text first: the amendment must change something."),
        "made_to": _("Amendments are made to version %(version)s.", version="{version}"),
        "base_changed": _("Version %(version)s has been published and the text of this provision has changed. "
                          "Your draft is kept below; the changes shown now compare it with the new text.",
                          version="{version}"),
        "base_gone": _("Version %(version)s has been published without the provision you were amending. "
                       "Your draft is kept below; choose a provision and start again.", version="{version}"),
        "start_again": _("Start again from version %(version)s", version="{version}"),
        "preview_again": _("Version %(version)s has been published: preview the instruction again before tabling.",
                           version="{version}"),
        "state_draft": _("draft"),
        "state_tabled": _("tabled"),
        "state_admissible": _("admissible"),
        "state_inadmissible": _("inadmissible"),
        "state_adopted": _("adopted"),
        "state_rejected": _("rejected"),
        "state_withdrawn": _("withdrawn"),
        "state_fallen": _("fallen"),
        # What the clerk does, not the state it leads to: the buttons' words are also the start of their names below.
        "admit": _("Admit"),
        "rule_out": _("Rule out"),
        "reason_needed": _("Give the reason the amendment is inadmissible: it is published with the ruling."),
        "adopt": _("Adopt"),
        "reject": _("Reject"),
        "withdraw": _("Withdraw"),
        "confirm_withdraw": _("Withdraw amendment %(name)s? A withdrawn amendment cannot be tabled or voted on again.",
                              name="{name}"),
        "table": _("Table"),
        "votes_for": _("For"),
        "votes_against": _("Against"),
        "abstentions": _("Abstentions"),
        # Checked before sending, in the words of the fields' labels rather than the API's ("body.votes.for").
        "votes_for_whole": _("Votes for must be a whole number of 0 or more."),
        "votes_against_whole": _("Votes against must be a whole number of 0 or more."),
        "abstentions_whole": _("Abstentions must be a whole number of 0 or more."),
        "conflicts_with": _("Conflicts with %(ids)s", ids="{ids}"),
        "defeated_by": _("Defeated by adopted amendment %(name)s: it can no longer be voted on.", name="{name}"),
        "confirm_fallen": _("Record as fallen"),
        "outdated": _("Outdated: in the latest version %(problem)s. It can no longer be made as worded; its proposer "
                      "may propose it again, or the clerk may record it as fallen.", problem="{problem}"),
        "draft_ref": _("draft (%(id)s)", id="{id}"),
        "draft_amendment_to": _("Draft amendment to %(citation)s", citation="{citation}"),
        "cosponsored": _("You co-sponsor this amendment."),
        "no_amendments": _("No amendments yet."),
        "empty_group": _("Nothing to marshal yet."),
        "queue_empty": _("Nothing waits for moderation."),
        "hidden_done": _("Comment %(id)s hidden.", id="{id}"),
        "restored_done": _("Comment %(id)s restored.", id="{id}"),
        "reason_required": _("Give a reason: readers see it."),
        # The moderation page's tallies, kept current as clerks decide, and what it says of an item another clerk
        # (or the same clerk, in another window) decided meanwhile.
        "waiting_tally": _("Waiting for a clerk: %(total)s.", total="{total}"),
        "hidden_tally": _("Hidden comments: %(total)s.", total="{total}"),
        "shown_here": _("Shown here: %(first)s to %(last)s.", first="{first}", last="{last}"),
        "not_shown": _("None of them is shown here: reload the page to see them."),
        "hidden_elsewhere": _("Comment %(id)s was hidden meanwhile, by another clerk or in another window: it has "
                              "left this list.", id="{id}"),
        "restored_elsewhere": _("Comment %(id)s was published meanwhile, by another clerk or in another window: it "
                                "has left this list.", id="{id}"),
        # What the page says of the comments it draws, or takes out, as they reach a list or leave it meanwhile.
        "arrived": _("Comment %(id)s now waits for a clerk: it has joined the queue.", id="{id}"),
        "arrived_several": _("%(count)s more comments now wait for a clerk: they have joined the queue.",
                             count="{count}"),
        "left_meanwhile": _("Comment %(id)s has left this list meanwhile (withdrawn by its author, or decided).",
                            id="{id}"),
        "heat_label": _("%(count)s comments", count="{count}"),
        "link_to": _("Link to"),
        "provision_text": _("Text of"),
        "new_text": _("Text of the new provision"),
        "text_wanted": _("Text as you want it"),
        "amendment": _("Amendment"),
        "number_short": _("No."),
        "state": _("State"),
        "actions": _("Actions"),
        "flag_harassment": _("harassment"),
        "flag_hate": _("hate"),
        "flag_spam": _("spam"),
        "flag_disinformation": _("disinformation"),
        "flag_personal_data": _("personal data"),
        "flag_off_topic": _("off topic"),
        "flag_impersonation": _("impersonation"),
        "flag_other": _("other"),
        "consultation_window": _("From %(opens)s to %(closes)s UTC", opens="{opens}", closes="{closes}"),
        "consultation_opened": _("Consultation opened: %(window)s.", window="{window}"),
        "window_open": _("open"),
        "window_upcoming": _("upcoming"),
        "window_closed": _("closed"),
        "answer_comment": _("Give an answer"),
        "your_answer": _("Your answer"),
        "none": _("None"),
        "answer_amendment_optional": _("Amendment it led to (optional)"),
        "answer_version_optional": _("Version it led to (optional)"),
        "send_answer": _("Send the answer"),
        "answered": _("Comment %(id)s answered.", id="{id}"),
        "campaign_of": _("Part of a campaign of %(size)s signatures", size="{size}"),
        "campaign_show": _("Show the campaign's %(count)s other signatures here", count="{count}"),
        "campaign_hide": _("Hide the campaign's signatures"),
        "campaign_more": _("Show more signatures"),
        "campaign_members": _("The campaign's other signatures"),
        "campaign_text": _("The campaign's text, as its first signatory sent it."),
        "campaign_adds": _("This signatory adds:"),
        "campaign_adds_nothing": _("This signatory sent the campaign's text as it is."),
        "answer_campaign": _("Answer the whole campaign"),
        "campaign_your_answer": _("Your answer to its %(size)s signatories", size="{size}"),
        "send_campaign_answer": _("Send the answer to the campaign"),
        "campaign_answered": _("Campaign answered: %(size)s signatures.", size="{size}"),
        "campaign_answer": _("Answer to the campaign"),
        "consultation_open_until": _("Public consultation open until %(closes)s.", closes="{closes}"),
        "consultation_asks": _("The consultation asks:"),
        "consultation_now_open": _("The public consultation is open: the provisions can be commented on."),
        "consultation_opens_on": _("Public consultation opens on %(opens)s.", opens="{opens}"),
        "consultation_has_closed": _("The public consultation has closed."),
        "account_suspended": _("account suspended"),
        "suspend_account": _("Suspend the account of %(name)s", name="{name}"),
        "reinstate_account": _("Reinstate the account of %(name)s", name="{name}"),
        "suspended_account": _("The account of %(name)s is suspended.", name="{name}"),
        "reinstated_account": _("The account of %(name)s is reinstated.", name="{name}"),
        "suspension_reason_required": _("Give a reason for suspending the account."),
        # What a button or field in the amendments list acts on, for those who hear it rather than see its row. Each
        # name holds the words shown, so that a voice-control user can say them (WCAG 2.5.3, label in name).
        "table_named": _("Table amendment %(name)s", name="{name}"),
        "withdraw_named": _("Withdraw amendment %(name)s", name="{name}"),
        "admit_named": _("Admit amendment %(name)s", name="{name}"),
        "rule_out_named": _("Rule out amendment %(name)s", name="{name}"),
        "reason_named": _("Reason amendment %(name)s is inadmissible", name="{name}"),
        "adopt_named": _("Adopt amendment %(name)s", name="{name}"),
        "reject_named": _("Reject amendment %(name)s", name="{name}"),
        "votes_for_named": _("Votes for amendment %(name)s", name="{name}"),
        "votes_against_named": _("Votes against amendment %(name)s", name="{name}"),
        "abstentions_named": _("Abstentions on amendment %(name)s", name="{name}"),
        "fallen_named": _("Record as fallen: amendment %(name)s", name="{name}"),
        "flag_note": _("Anything the clerks should know? (optional)"),
    }


def init_i18n(app: Flask) -> None:
    """Bind Babel to ``app``, remember a ``?lang=`` choice and offer the language helpers to templates."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("LANGUAGES", list(LANGUAGES))
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(localized, "localized")

    @app.before_request
    def _remember_language() -> None:
        chosen = requested_language()
        if chosen is not None and session.get(SESSION_KEY) != chosen:
            session[SESSION_KEY] = chosen

    @app.context_processor
    def _language_helpers() -> dict[str, Any]:
        return {
            "lang": current_language(),
            "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in _languages()],
            "language_url": language_url,
        }
