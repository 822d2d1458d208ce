"""Generate the bundled sample of Intercom-style customer-support conversations.

Writes ``tasks/data/sample_conversations.json``: a synthetic but realistic
``conversation.list`` of Intercom REST API (version 2.11) conversation objects for
"Tasklane", a fictional project-management SaaS. It covers two full weeks, Monday
2026-11-09 to Sunday 2026-11-22 (UTC), with a billing spike and more login (SSO)
problems in the second week. It includes Fin (AI agent) and human-handled
conversations, ratings, reopens, PII to redact, Spanish/German/French messages,
ten off-topic questions no taxonomy keyword matches, two HTML-escaping traps,
12 exact duplicate entries (same id) and 6 near duplicates (same customer and first
message within two minutes). Every name, e-mail address, phone and card number is fake.

The texts are written so that the keywords in ``tasks/data/taxonomy.json`` occur in
them; re-check the taxonomy if you change the templates.

The output is deterministic (fixed seed, standard library only). Re-run from the
repository root with:

    .venv/bin/python scripts/generate_sample.py
"""

from __future__ import annotations

import json
import math
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

Json = dict[str, Any]

SEED = 20261109
OUT = Path(__file__).resolve().parent.parent / "tasks" / "data" / "sample_conversations.json"
START = datetime(2026, 11, 9, tzinfo=UTC)
DAY = 86400
WINDOW_END = int(START.timestamp()) + 14 * DAY - 1  # Sunday 2026-11-22 23:59:59
EXPORT_AT = WINDOW_END + 1 + 10 * 3600  # nothing happens after Monday 10:00 UTC
WEEK_COUNTS = (172, 180)
CUSTOMERS = 280  # English-speaking ones; a few more write in other languages
ODD_PER_WEEK = 5
FOREIGN_PER_LANGUAGE_PER_WEEK = 3
EXACT_DUPLICATES = 12
NEAR_DUPLICATES = 6
PII_SHARE = {"billing": 0.3}  # other topics: PII_DEFAULT
PII_DEFAULT = 0.16
DAY_WEIGHTS = (1.25, 1.2, 1.15, 1.1, 0.95, 0.35, 0.3)
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 11, 10, 8, 6, 4, 3, 2, 2, 1)
# Fin outcomes are dealt from this 20-card deck: 35% / 25% / 35% / 5%.
FIN_OUTCOMES = (
    ("confirmed_resolution",) * 7
    + ("assumed_resolution",) * 5
    + ("routed_to_team",) * 7
    + ("abandoned",)
)
PAID_SHARE = 0.6


# --------------------------------------------------------------------------- texts


@dataclass(frozen=True)
class Sub:
    """A sub-topic: what customers write and how Fin and the team answer."""

    key: str
    weights: tuple[int, int]
    subject: str
    openers: tuple[str, ...]
    fin: str
    article: str
    replies: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """A topic with its sub-topics and the texts shared by them."""

    key: str
    weights: tuple[int, int]
    team: str
    details: str
    subs: tuple[Sub, ...]
    followups: tuple[str, ...]
    resolutions: tuple[str, ...]
    notes: tuple[str, ...]


BILLING = Topic(
    "billing",
    (11, 21),
    "billing",
    "general",
    (
        Sub(
            "refund",
            (4, 6),
            "Refund request",
            (
                "I was charged {amount} for the {plan} plan but we barely used it this month. "
                "Can I get a refund?",
                "We upgraded to {plan} by mistake yesterday. Could you refund the difference "
                "({amount})?",
                "I'd like my money back for invoice {invoice}. The features we paid for never "
                "worked for our use case.",
                "Requesting a refund for the annual renewal that went through on {date}. "
                "We meant to stay on monthly.",
                "Is it possible to get a refund for unused seats? We removed {n} people from "
                "the workspace last week.",
                "Our free period ended and it converted to {plan} without any warning. "
                "I want a refund of {amount}, please.",
            ),
            "Monthly plans can be refunded within 14 days of the charge, and annual plans are "
            "refunded pro rata. An admin can request a refund from <b>Settings &amp; Billing → "
            "Invoices</b>, or the team can do it for you.",
            "How refunds work",
            (
                "I've checked {workspace} and I can see the charge of {amount} on {date}. I've "
                "issued a full refund to the original payment method; it usually shows up "
                "within 5–10 business days.",
                "Thanks for the details. This is covered by our refund policy, so I've submitted "
                "the refund for {amount}. You'll get a confirmation email with a credit note.",
            ),
        ),
        Sub(
            "double",
            (3, 10),
            "Charged twice",
            (
                "I've been charged twice for {month}. There are two charges of {amount} on my "
                "credit card statement.",
                "Looks like we were double charged after upgrading to {plan}. Please sort this "
                "out.",
                "Why do I see two payments of {amount} for the same invoice ({invoice})?",
                "Our finance team spotted that we got charged twice this month. What happened?",
                "You charged me twice!! {amount} x2 on {date}.",
                "Two charges of {amount} went through within a minute of each other. Only one "
                "should be there.",
            ),
            "Sometimes a pending authorisation shows up next to the real charge and drops off "
            "within 3–5 days. If you see two settled charges, the team will refund the duplicate.",
            "Why do I see two charges?",
            (
                "You're right: the {amount} charge on {date} was processed twice because of a "
                "retry on our side. I've refunded the duplicate. Sorry about that!",
                "I can see one settled charge and one pending authorisation. The pending one will "
                "disappear within a few days, but I've asked our payment provider to release it "
                "right away.",
            ),
        ),
        Sub(
            "invoices",
            (3, 3),
            "Invoice question",
            (
                "Where can I download invoices for the last {n} months? Our accountant needs them.",
                "Can you add our VAT number ({vat}) to invoice {invoice}? We need it for our "
                "books.",
                "The billing address on my receipt is wrong. How do I change it?",
                "I need a receipt for the {amount} payment made on {date}, ideally as a PDF.",
                "Could invoices be sent to our finance inbox instead of to me?",
                "Our company name changed to {company}. Can you reissue invoice {invoice}?",
            ),
            "Admins can download every invoice and receipt from <b>Settings &amp; Billing → "
            "Invoices</b>. You can add a VAT number and a billing address there too; it applies "
            "to future invoices.",
            "Download invoices and receipts",
            (
                "All invoices are under Settings &amp; Billing → Invoices, and I've reissued "
                "{invoice} with the updated details for you.",
                "Done! I've updated the details on your account and reissued {invoice}. Future "
                "invoices will include them automatically.",
            ),
        ),
        Sub(
            "payment_failed",
            (2, 4),
            "Payment failed",
            (
                "My card was declined when I tried to renew, but the card is fine. Can you check?",
                "Payment failed again for our {plan} subscription. We updated the credit card "
                "yesterday.",
                "I got an email saying our payment failed and the workspace will be paused. Help!",
                "How do I change the credit card on file? The old one expired.",
                "Card declined when upgrading to {plan}. I tried {n} times with two different "
                "cards.",
            ),
            "A declined card is usually a block by the bank (for example on international online "
            "charges) or an expired card. Update the card under <b>Settings &amp; Billing → "
            "Payment method</b> and retry the payment there.",
            "Update your payment method",
            (
                "The decline came back from your bank with the code 'do not honor', which usually "
                "means they blocked it as a precaution. Could you ask them to allow charges from "
                "Tasklane and retry?",
                "I've reset the retry on our side, so once you update the card the payment will "
                "go through straight away. Your workspace won't be paused in the meantime.",
            ),
        ),
    ),
    (
        "Thanks. How long until the refund shows up on my statement?",
        "Ok, and will the next invoice be correct?",
        "Thanks, I've updated the card. Can you retry the payment now?",
        "Great. Can you confirm that in writing for our finance team?",
    ),
    (
        "All done: you'll see it on your statement within a few business days. I've added a "
        "note to your account so this doesn't happen again.",
        "Confirmed: everything is settled on your account now, and the next invoice will be "
        "correct.",
        "I've retried the payment and it went through. You're all set!",
    ),
    (
        "Checked Stripe: duplicate charge confirmed, refund issued.",
        "Customer asked about VAT, reissued the invoice manually.",
    ),
)

LOGIN = Topic(
    "login",
    (9, 16),
    "support",
    "general",
    (
        Sub(
            "password",
            (4, 5),
            "Can't log in",
            (
                "I can't log in, the password reset link never arrives in my inbox.",
                "The password reset email says the link has expired as soon as I click it.",
                "I forgot my password and the reset link just takes me back to the sign in page.",
                "I changed my password this morning and now I can't sign in on any device.",
                "How do I reset my password if I lost access to my old work email?",
                "Login keeps saying my password is incorrect, but I'm copying it straight from my "
                "password manager.",
            ),
            "You can request a new link from the sign in page via <b>Forgot password?</b>. Links "
            "are valid for 30 minutes and only the newest one works, so check your spam folder "
            "and use the latest email.",
            "Reset your password",
            (
                "Our mail logs show the reset emails were bouncing at your company's spam filter. "
                "I've sent a fresh reset link manually; could you try that one?",
                "I've cleared the old reset tokens on your account, so the next link you request "
                "should work. Let me know if it still redirects you.",
            ),
        ),
        Sub(
            "two_factor",
            (2, 3),
            "2FA problem",
            (
                "I got a new phone and lost my authenticator app. How do I get past 2FA?",
                "The verification code by SMS never arrives, so I'm stuck on the two-factor "
                "screen.",
                "Two-factor codes keep getting rejected even though the time on my phone is "
                "correct.",
                "Can an admin turn off 2FA for one of our users? She lost her backup codes.",
            ),
            "If you lost your authenticator app, sign in with one of your backup codes. A "
            "workspace admin can also reset two-factor authentication for a member from "
            "<b>Members → ⋯ → Reset 2FA</b>.",
            "Two-factor authentication (2FA)",
            (
                "For security I need to verify your identity first: could another admin on your "
                "workspace confirm the request here?",
                "Thanks for confirming. I've reset 2FA on your account, so you'll be asked to "
                "add a new authenticator the next time you sign in.",
            ),
        ),
        Sub(
            "sso",
            (3, 10),
            "SSO login failing",
            (
                "SSO login through Okta fails with 'SAML response invalid' for our whole team "
                "since {when}.",
                "We configured SAML SSO but new users get 'user not provisioned' when they sign "
                "in.",
                "Our Azure AD SSO stopped working today. Nobody at {company} can log in!",
                "How do we enforce SSO for everyone in the workspace?",
                "After switching our identity provider to Okta, existing users are asked for a "
                "password instead of SSO.",
                "The SAML certificate on our side was rotated and now sign in loops forever.",
            ),
            "SSO failures are most often caused by a changed or expired SAML certificate, or by "
            "a mismatch between the email in the SAML assertion and the Tasklane account. Check "
            "<b>Settings → Security → SSO</b> and upload the current certificate.",
            "Troubleshooting SAML SSO",
            (
                "We found an issue on our side with SAML assertions from some Okta tenants after "
                "Monday's release. A fix is rolling out now and sign in should work again within "
                "the hour.",
                "The SSO logs for {workspace} show the certificate fingerprint doesn't match the "
                "one in your identity provider. Could you upload the new certificate under "
                "Settings → Security?",
            ),
        ),
        Sub(
            "locked",
            (2, 3),
            "Account locked",
            (
                "My account got locked out after too many attempts. How long until I can try "
                "again?",
                "It says 'account locked' and I'm the only admin on our workspace.",
                "I'm locked out and can't log in to approve anything for my team.",
                "Locked out again after too many attempts. This keeps happening on Mondays.",
            ),
            "After 10 failed attempts an account is locked for 30 minutes. After that you can "
            "sign in again or reset your password.",
            "Why is my account locked?",
            (
                "I've unlocked your account manually, so you can sign in straight away. A "
                "password reset also clears the lock if it happens again.",
                "The lock was triggered by an old integration trying to sign in with outdated "
                "credentials. I've unlocked you; it's worth checking which tools still use them.",
            ),
        ),
    ),
    (
        "Still nothing in my inbox, even in spam.",
        "Ok, trying again now.",
        "Thanks! Is there a way to stop this happening to the rest of the team?",
        "I'm in now, thanks.",
    ),
    (
        "Great, glad you're back in! I've also checked the rest of your workspace and "
        "everything looks fine.",
        "That's sorted now. I'd recommend keeping your backup codes somewhere safe.",
        "You should be able to sign in normally now. Let me know if anything else comes up.",
    ),
    (
        "SAML assertion mismatch, see internal incident INC-{ticket}.",
        "Verified identity via a second admin before resetting 2FA.",
    ),
)

BUGS = Topic(
    "bugs",
    (15, 12),
    "technical",
    "tech",
    (
        Sub(
            "errors",
            (6, 5),
            "Error in the app",
            (
                "I keep getting a 500 error when I open the {page}.",
                "Every time I try to save a task I see 'Something went wrong. Please try again.'",
                "Getting the error message '{error_text}' when I {action}.",
                "There's an error banner on the {page} that won't go away: <b>Error {code}</b>.",
                "Error {code} whenever I {action} in {browser}.",
                "Something went wrong when I {action}, and the page just says 'Oops' with an "
                "error ID.",
            ),
            "Errors like this are often caused by a browser extension or an outdated cached "
            "version of the app. Try a hard refresh (Ctrl/Cmd + Shift + R) or a private window. "
            "If it persists, the team can look at the logs.",
            "Fixing common error messages",
            (
                "Thanks for flagging this! The logs for {workspace} show it was caused by a task "
                "with an unusually long description. Our engineers have a fix ready for today.",
                "I've reproduced this on our side and logged it with our engineers as a priority. "
                "In the meantime, the list view is a good workaround.",
            ),
        ),
        Sub(
            "broken",
            (5, 4),
            "Something is broken",
            (
                "Drag and drop on the board is broken since {when}.",
                "{action_cap} doesn't work anymore, nothing happens when I click the button.",
                "Comments are not working on tasks with attachments.",
                "Found a bug: due dates shift by one day when I {action}.",
                "The search is broken, it returns nothing even for exact task names.",
                "Mentions are not working. People don't get tagged when I type @ and their name.",
            ),
            "A quick check that often helps: sign out and back in, and make sure your browser is "
            "up to date. If the problem stays, the team will investigate.",
            "What to do when something isn't working",
            (
                "Thanks, I could reproduce this and it's a bug on our side. I've logged it with "
                "our engineers and linked this conversation, so you'll hear from us.",
                "Good catch! This came in with yesterday's release; a fix is already on its way "
                "and should be live within a few hours.",
            ),
        ),
        Sub(
            "display",
            (3, 3),
            "Display issue",
            (
                "The {page} shows a blank page in {browser}. Other pages are fine.",
                "There's a visual glitch: task cards overlap each other in the board view.",
                "The layout is all messed up on my 4K monitor, the text is tiny and menus are "
                "cut off.",
                "Small glitch: the sidebar flickers every time I switch projects.",
                "Blank page after the latest update, only the top bar shows.",
            ),
            "Display problems are usually fixed by resetting the zoom level (Ctrl/Cmd + 0) and "
            "clearing cached data for app.example.com. Tasklane supports the two latest versions "
            "of Chrome, Firefox, Safari and Edge.",
            "Display and layout issues",
            (
                "Thanks for the details. This is a known display issue with {browser} at some "
                "zoom levels, and a fix is scheduled for this week's release.",
                "I've passed this on to our front-end engineers with your browser details. Does "
                "it also happen in a private window?",
            ),
        ),
    ),
    (
        "It just happened again, if that helps.",
        "I tried a private window and it's the same.",
        "Any update on this? It's blocking our team.",
        "Thanks, the workaround helps for now.",
    ),
    (
        "The fix is live now. Could you refresh and check? It should be fine again.",
        "Our engineers deployed a fix this morning. Thanks for your patience and for flagging it!",
        "This should be resolved now. I've also added your workspace to the list we "
        "double-check after releases.",
    ),
    (
        "Reproduced on staging, filed TL-{ticket}.",
        "Sentry shows a spike for this workspace since the release.",
    ),
)

INTEGRATIONS = Topic(
    "integrations",
    (11, 9),
    "technical",
    "tech",
    (
        Sub(
            "api",
            (4, 4),
            "API question",
            (
                "We're hitting the API rate limit (429 Too Many Requests) with only {n} calls a "
                "minute. What are the limits?",
                "Our API key stopped authenticating this morning, we get 401 on every endpoint.",
                "Is there an endpoint to create tasks in bulk through the API?",
                "The API returns tasks without the custom status field. Is that expected?",
                "How do I rotate an API key without breaking our scripts?",
                "The OAuth flow for our internal tool loops back to the consent screen.",
            ),
            "The REST API allows 100 requests per minute per API key (1,000 on Business). Every "
            "response includes <b>X-RateLimit-Remaining</b>, and a 429 response says how long to "
            "wait in the Retry-After header.",
            "API rate limits and authentication",
            (
                "Most of your API key's requests come from one script polling every second. "
                "Switching that script to webhooks will keep you well under the rate limit.",
                "API keys created before March were rotated as part of a security update. You can "
                "generate a new key under Settings → Developers; sorry we didn't make that "
                "clearer.",
            ),
        ),
        Sub(
            "webhooks",
            (3, 2),
            "Webhooks",
            (
                "Webhooks for task.completed aren't firing since {when}. Our endpoint is up.",
                "We receive each webhook three times. Is there a retry policy we should know "
                "about?",
                "The webhook payload is missing the assignee email. Can that be added?",
                "How do I verify the webhook signature? The link in the docs is dead.",
            ),
            "Webhooks are retried up to 5 times if your endpoint doesn't answer with a 2xx status "
            "within 10 seconds. Each delivery carries an <b>X-Tasklane-Signature</b> header you "
            "can verify with your signing secret.",
            "Webhooks: delivery and retries",
            (
                "Our deliveries to your endpoint take longer than 10 seconds, so they're retried. "
                "If you return a 200 straight away and process the payload in the background, the "
                "duplicates will stop.",
                "Thanks for flagging the dead link! Here's the right one: <a href=\"https://"
                'developers.example.com/webhooks#signatures">developers.example.com/webhooks</a>.',
            ),
        ),
        Sub(
            "apps",
            (4, 3),
            "Integration issue",
            (
                "The Slack integration stopped posting updates to our #{channel} channel.",
                "The Salesforce sync is creating duplicate projects for every opportunity.",
                "Zapier says our connection expired, and reconnecting fails.",
                "Is there an integration with {integration}? We'd like to sync tasks both ways.",
                "Jira issues aren't syncing back to Tasklane since the last update.",
                "The HubSpot integration is disconnected and I can't find where to reconnect it.",
                "Google Sheets sync only copies the first 500 rows.",
            ),
            "Most integrations stop syncing when the person who connected them leaves the "
            "workspace or changes their credentials. Reconnect under <b>Settings → "
            "Integrations</b>; your settings are kept.",
            "Reconnecting an integration",
            (
                "The {integration} connection was authorised by a user who has since been "
                "deactivated, which is why it stopped. If someone reconnects it under Settings → "
                "Integrations, everything will resume.",
                "That provider had a short disruption yesterday. It's resolved now, and I've "
                "triggered a full re-sync for {workspace}.",
            ),
        ),
    ),
    (
        "Reconnected it, let's see if it picks up.",
        "Is there a changelog for the API so we hear about changes like this?",
        "Thanks, our developer will try that today.",
        "Still seeing duplicates after the change.",
    ),
    (
        "Great, I can see the events flowing again on our side. Let me know if anything looks off.",
        "I've confirmed the change on our end, so you should be all set now.",
        "Our engineers shipped a fix for this, and your deliveries are back to normal.",
    ),
    (
        "Webhook delivery logs: 3x retries due to slow responses on the customer side.",
        "Integration token owned by a deactivated user.",
    ),
)

PERFORMANCE = Topic(
    "performance",
    (8, 6),
    "technical",
    "tech",
    (
        Sub(
            "slow",
            (5, 4),
            "Tasklane is slow",
            (
                "Tasklane has been really slow today, every page takes 10+ seconds to open.",
                "The board view takes forever to load for our biggest project ({n} tasks).",
                "Why is the {page} so slow? It just shows a spinning wheel.",
                "Loading times are terrible since {when}. Is something going on?",
                "Typing in task descriptions is laggy, there's a lag of about a second per "
                "keystroke.",
                "Performance has gotten noticeably worse for our team over the past week.",
                "Everything is loading very slowly from our office in {city}.",
            ),
            "Very large projects (several thousand tasks) can take longer to open. Archiving "
            "completed tasks, using filters and closing unused browser tabs usually helps a lot.",
            "Tips for large projects",
            (
                "Thanks for the details. I can see elevated response times for {workspace}, and "
                "our infrastructure team is already on it.",
                "Your biggest project runs a lot of automations on every change, which weighs on "
                "the board view. Archiving completed tasks should make a big difference.",
            ),
        ),
        Sub(
            "timeouts",
            (2, 2),
            "Timeouts",
            (
                "Saving a large project times out with a 504 Gateway Timeout.",
                "Requests keep timing out when I open the timeline for {n}+ tasks.",
                "I got 'request timed out' three times in a row trying to upload a file.",
                "Timeout when duplicating a project with lots of subtasks.",
            ),
            "Very large operations can run into time limits. Splitting the work into smaller "
            "batches (for example duplicating one section at a time) usually avoids them.",
            "Why did my request time out?",
            (
                "You're right, these requests were hitting our 30-second limit. We've raised it "
                "for large projects, so please try again.",
                "I found those requests in our logs. Our engineers are optimising that part, and "
                "smaller batches will work in the meantime.",
            ),
        ),
        Sub(
            "outage",
            (2, 2),
            "Outage",
            (
                "Is Tasklane down? Nobody in our office can open anything.",
                "Your status page says all systems operational, but we've had an outage for 30 "
                "minutes.",
                "Is there an outage in Europe? Nothing opens for us right now.",
                "That downtime this morning cost us a client demo. What happened?",
                "Is Tasklane down again? Second time this week.",
            ),
            'You can see live system status and past incidents at <a href="https://'
            'status.example.com">status.example.com</a>. If everything shows as operational, '
            "try a hard refresh or another network.",
            "Checking Tasklane's status",
            (
                "We had a partial outage between 09:12 and 09:47 UTC caused by a database "
                "failover. Everything is back to normal, and we'll publish a full incident "
                "write-up.",
                "Sorry about this! We're aware of the problem and our engineers are on it. I'll "
                "update you here as soon as it's resolved.",
            ),
        ),
    ),
    (
        "It's a bit better now but still not great.",
        "Thanks, that's much faster now.",
        "Is there an incident write-up I can share with my boss?",
        "Still spinning for me.",
    ),
    (
        "Our engineers deployed a fix and response times are back to normal. Thanks for your "
        "patience!",
        "The incident is fully resolved. Here's the write-up: <a href=\"https://"
        'status.example.com/incidents/{ticket}">status.example.com/incidents/{ticket}</a>',
        "Things should be much snappier now. Let me know if you notice anything else.",
    ),
    (
        "p95 latency spike on the EU cluster, linked to INC-{ticket}.",
        "Large workspace (5k+ tasks), suggested archiving.",
    ),
)

FEATURES = Topic(
    "features",
    (11, 9),
    "support",
    "general",
    (
        Sub(
            "new_feature",
            (6, 5),
            "Feature request",
            (
                "Feature request: dark mode, please! My eyes would thank you.",
                "Would love a Gantt view for planning releases.",
                "Please add recurring tasks. We recreate the same weekly checklists by hand.",
                "It would be great to have time tracking built in, so we can drop our other tool.",
                "Any chance you could add keyboard shortcuts for moving tasks between columns?",
                "Feature request: let us set a default assignee per project.",
            ),
            "Thanks for the idea! Our product team reviews every request, and you can follow "
            'and upvote ideas at <a href="https://roadmap.example.com">roadmap.example.com</a>.',
            "How we handle feature requests",
            (
                "Great idea, and you're not alone in asking! I've added your vote to the request "
                "and I'll let you know here when there's news.",
                "Thanks for taking the time to write this up. I've shared it with our product "
                "team together with your use case.",
            ),
        ),
        Sub(
            "improvement",
            (3, 3),
            "Suggestion",
            (
                "Suggestion: let us pick colors for custom fields.",
                "It would be nice if the calendar showed weekends in a different color.",
                "Small suggestion: the activity emails could group updates instead of sending one "
                "email per change.",
                "Could you improve the filters? I'd like to combine AND/OR conditions.",
                "It would be nice to improve how custom fields show up on cards.",
            ),
            "Thanks for the suggestion! Ideas like this are collected by our product team and "
            "prioritised by how many customers ask for them.",
            "How we handle feature requests",
            (
                "Love this, thank you! I've logged it with the product team and linked your "
                "workspace so they can reach out if they want more detail.",
                "Thanks! There's a workaround for now: saved views let you combine several "
                "conditions. I've passed the idea on as well.",
            ),
        ),
        Sub(
            "roadmap",
            (2, 1),
            "Roadmap question",
            (
                "Is a native Linux desktop client on the roadmap?",
                "Any plans to support sub-tasks more than one level deep?",
                "What's on the roadmap for Q1? We're deciding whether to renew.",
                "Any plans for a self-hosted version?",
            ),
            'We share what we\'re working on at <a href="https://roadmap.example.com">'
            "roadmap.example.com</a>; it's updated every month.",
            "Tasklane public roadmap",
            (
                "It's not planned for this quarter, but it's one of the most requested items, "
                "and I've added your vote.",
                "Good news: this is planned for early next year. I can't promise a date yet, but "
                "I'll update you here.",
            ),
        ),
    ),
    (
        "Thanks! Any rough timeline?",
        "Appreciate it. Happy to test a beta.",
        "Great, looking forward to it.",
    ),
    (
        "I've noted your interest and you'll get an update as soon as it ships. Thanks again!",
        "I've added you to the beta list, so you'll be among the first to try it.",
        "Thanks! I'll close this for now, but your vote is recorded.",
    ),
    (
        "+1 for recurring tasks, Business customer.",
        "Added vote to the product board card.",
    ),
)

DATA = Topic(
    "data",
    (10, 8),
    "technical",
    "tech",
    (
        Sub(
            "export",
            (4, 3),
            "Export question",
            (
                "How do I export all tasks to CSV including comments?",
                "The Excel export cuts off at 1,000 rows. We have {n}.",
                "The exported CSV has garbled characters for accented names (é, ñ, ü).",
                "Can I export a full backup of our workspace before our audit?",
                "The XLSX export won't open, Excel says the file is corrupted.",
                "Is there a way to run a CSV export every night?",
            ),
            "Any project can be exported as CSV or Excel (XLSX) from <b>Project menu → "
            "Export</b>. For a full backup, admins can use <b>Settings → Data → Export "
            "workspace</b>; you'll get a download link by email.",
            "Exporting your data",
            (
                "The 1,000-row limit only applies to the quick export. Settings → Data → Export "
                "workspace gives you everything in one file.",
                "Excel needs the file as UTF-8 with a BOM. I've switched that on for {workspace}, "
                "so new exports will look right.",
            ),
        ),
        Sub(
            "reports",
            (4, 3),
            "Reports",
            (
                "The workload report shows the wrong hours for {teammate}.",
                "Is there a report that shows tasks completed per person per week?",
                "Our burndown report hasn't updated since {when}.",
                "How can I share a reporting view with people outside the workspace?",
                "The analytics tab shows zero for last month, which can't be right.",
                "Can reports be filtered by custom status?",
            ),
            "Reports refresh every hour. You can build your own under <b>Reports → New "
            "report</b> and share them with a view-only link.",
            "Building and sharing reports",
            (
                "Your workload report is counting archived tasks. I've raised this with the "
                "reporting team; for now, filtering by 'active tasks' gives the right numbers.",
                "The burndown data was stuck after a failed refresh job. I've restarted it for "
                "{workspace}, and it will be up to date within the hour.",
            ),
        ),
        Sub(
            "scheduled",
            (2, 2),
            "Scheduled reports",
            (
                "The weekly report email stopped arriving on Mondays.",
                "Can scheduled reports be sent to a shared inbox?",
                "How do I change the time zone for our scheduled report?",
                "Our scheduled report arrives empty since {when}.",
            ),
            "Scheduled reports can go to any address, including shared inboxes. Their time zone "
            "follows the workspace settings under <b>Settings → General</b>.",
            "Scheduled reports",
            (
                "Our email provider flagged the weekly report as bulk mail for some domains. I've "
                "allow-listed your workspace, so the next one will arrive on Monday.",
                "The time zone lives under Settings → General. I've updated it for {workspace} to "
                "match your team.",
            ),
        ),
    ),
    (
        "Thanks, that worked for the CSV.",
        "Ok, and can I automate that?",
        "Perfect. Our finance team will be happy.",
        "The numbers look right now, thanks.",
    ),
    (
        "Glad that worked! Let me know if you need anything else.",
        "That's fixed now; the next refresh will show the correct numbers.",
        "All set. I've also saved that configuration for your team.",
    ),
    (
        "Export job stuck in the queue, restarted manually.",
        "Refresh job failed for this workspace, restarted.",
    ),
)

ONBOARDING = Topic(
    "onboarding",
    (12, 9),
    "support",
    "general",
    (
        Sub(
            "invite",
            (4, 3),
            "Inviting teammates",
            (
                "How do I invite my team? The invite button is greyed out.",
                "I sent {n} invitations yesterday but nobody received the invite email.",
                "Can I invite guests who only see one project?",
                "The invitation link says it has expired. Can you resend it?",
                "I invited my colleague to the workspace but she only sees an empty screen.",
            ),
            "Admins, and members with the <b>Invite</b> permission, can invite people from "
            "<b>Members → Invite</b>. Guests can be limited to specific projects, and invitations "
            "expire after 7 days.",
            "Inviting people to your workspace",
            (
                "The invite button is only available to admins, and {teammate} is the admin of "
                "your workspace. Once they give you the permission you'll be able to invite "
                "people.",
                "Our email provider delayed some invitations yesterday. I've resent them; please "
                "ask your colleagues to check their spam folder too.",
            ),
        ),
        Sub(
            "setup",
            (5, 3),
            "Getting started",
            (
                "We're just getting started with Tasklane. What's the best way to set up projects "
                "for a {n}-person agency?",
                "Is there a template for a marketing calendar? Setting up our first project now.",
                "I'm on the trial and a bit lost. Is there a walkthrough or an onboarding call?",
                "How should we set up workspaces vs projects for multiple clients?",
                "Just signed up for the trial. Where do I start?",
            ),
            "Welcome to Tasklane! Our getting started guide walks you through creating your first "
            "project, picking a template and inviting your team. Paid plans include a free "
            "onboarding call.",
            "Getting started with Tasklane",
            (
                "Welcome aboard! Most agencies create one project per client and use a shared "
                "template for their delivery process. I've sent you a link to book an onboarding "
                "call.",
                "I'd recommend one workspace for the whole company and a project per client, so "
                "people can move between them easily. Happy to walk you through it on a call.",
            ),
        ),
        Sub(
            "import",
            (3, 2),
            "Importing data",
            (
                "Can we import our boards from Trello? We have about {n} cards.",
                "The Asana import stopped halfway and now half our tasks are missing.",
                "What format does the import need? Our spreadsheet has {n} rows.",
                "We're migrating from Monday.com. Is there an import tool?",
            ),
            "You can import from Trello, Asana and CSV files under <b>Settings → Import</b>. "
            "Imports keep assignees, due dates and comments.",
            "Importing from other tools",
            (
                "The import stopped because of a very large attachment in one task. I've "
                "restarted it without attachments; they'll be added in a second pass.",
                "For Monday.com the easiest route is a CSV file and our CSV import. I've sent you "
                "a sample file with the right columns.",
            ),
        ),
    ),
    (
        "Thanks, that makes sense. We'll try it this week.",
        "Booked a call for Thursday!",
        "Got the invite now, thanks.",
        "The import finished, everything looks good.",
    ),
    (
        "Perfect! I'll close this for now, but feel free to reply here any time.",
        "Great to hear you're up and running!",
        "Glad that helped. See you on the call!",
    ),
    (
        "New customer, offered an onboarding call.",
        "Import job restarted without attachments.",
    ),
)

CANCELLATION = Topic(
    "cancellation",
    (6, 7),
    "billing",
    "general",
    (
        Sub(
            "cancel_sub",
            (4, 5),
            "Cancel subscription",
            (
                "Please cancel my subscription at the end of this month.",
                "How do I cancel? I can't find the option anywhere.",
                "We've decided to move to another tool. Please cancel our {plan} plan.",
                "I want to cancel, the price increase is too much for a small team.",
                "Cancel my subscription NOW. I've asked twice already.",
                "What's your cancellation policy for annual plans?",
            ),
            "Admins can cancel from <b>Settings → Plan → Cancel subscription</b>. Your workspace "
            "keeps its current plan until the end of the period you've paid for.",
            "Cancelling your subscription",
            (
                "Sorry to see you go! I've cancelled the subscription for {workspace}; you keep "
                "access until the end of the current period. Is there anything we could have done "
                "better?",
                "I can take care of that. Before I do: would a pause for a couple of months or a "
                "discount help? If not, I'll go ahead right away.",
            ),
        ),
        Sub(
            "delete",
            (2, 3),
            "Delete account",
            (
                "Please delete my account and all my data (GDPR request).",
                "How do I close my account? I no longer need it.",
                "I'd like to delete my account but keep a copy of my projects first.",
                "Under GDPR I'm asking you to erase everything you store about me.",
            ),
            "You can delete your personal account under <b>Profile → Delete account</b>. "
            "Workspace owners need to transfer ownership first. Deletion is permanent after 30 "
            "days.",
            "Deleting your account",
            (
                "I've started the deletion. Everything will be permanently removed within 30 days "
                "and you'll get a confirmation email.",
                "You can download a copy of your projects under Settings → Data first. Let me "
                "know once you have it and I'll complete the deletion.",
            ),
        ),
        Sub(
            "downgrade",
            (2, 1),
            "Downgrade",
            (
                "Can I downgrade from {plan} to the free plan without losing projects?",
                "We'd like to downgrade to Starter next month, fewer people use it now.",
                "What happens to our automations if we downgrade?",
            ),
            "You can downgrade at any time from <b>Settings → Plan</b>. Your projects are kept, "
            "but features the new plan doesn't include become read-only.",
            "Changing or downgrading your plan",
            (
                "All your projects are kept when you downgrade; only automations and guest access "
                "become read-only. I've scheduled the change for the end of your current period.",
                "Done: the downgrade happens on your next renewal date, and nothing is deleted.",
            ),
        ),
    ),
    (
        "Ok, please go ahead.",
        "Thanks for the offer, but we've made up our minds.",
        "Actually, the discount sounds fair. Let's do that.",
        "Please confirm once it's done.",
    ),
    (
        "All done. You'll receive a confirmation email shortly. Thanks for being a customer!",
        "Confirmed and processed. If you ever want to come back, your data stays here for 90 days.",
        "That's arranged for you now. Thanks for sticking with us!",
    ),
    (
        "Churn reason: price. Offered 20% discount.",
        "GDPR deletion ticket created.",
    ),
)

MOBILE = Topic(
    "mobile",
    (7, 6),
    "technical",
    "mobile",
    (
        Sub(
            "ios",
            (3, 3),
            "iOS app",
            (
                "The iOS app crashes as soon as I open a project on my {ios_device}.",
                "After updating the app from the App Store I'm stuck on the splash screen.",
                "The iPad app doesn't rotate to landscape anymore.",
                "Can I use the iPhone app offline? I travel a lot.",
                "The iOS app crashes when I try to attach a photo.",
            ),
            "Most problems with the app are fixed by updating to the latest version and "
            "restarting your device. Reinstalling is safe too: your data lives in the cloud.",
            "Troubleshooting the mobile app",
            (
                "Thanks for the details! This affects iOS 18.1 with version {app_version}; a fix "
                "is in review with Apple and should be out in a day or two.",
                "The iOS app does support offline mode for projects you've opened recently. "
                "Changes sync automatically once you're back online.",
            ),
        ),
        Sub(
            "android",
            (2, 2),
            "Android app",
            (
                "The Android app keeps crashing on my {android_device}.",
                "Since the update the Android app won't open on my Pixel 8.",
                "My Samsung Galaxy S23 shows a white screen when I open the Android app.",
                "I can't attach photos from the Android app, it just closes.",
                "The Play Store version is still {app_version}. When will the new one be out?",
                "The Android app crashes when I open notifications.",
            ),
            "Most problems with the app are fixed by updating to the latest version and "
            "restarting your device. Reinstalling is safe too: your data lives in the cloud.",
            "Troubleshooting the mobile app",
            (
                "We found the crash on some Android 14 devices, and a fix is rolling out in the "
                "Play Store today.",
                "The new version is rolling out gradually; you should get it within 48 hours.",
            ),
        ),
        Sub(
            "push",
            (2, 2),
            "Push notifications",
            (
                "I'm not getting push notifications on my phone anymore.",
                "Push notifications arrive hours late on the mobile app.",
                "How do I turn off notifications for projects I'm not part of?",
                "I get every notification twice on my {ios_device}.",
            ),
            "Check that notifications are allowed for Tasklane in your phone's settings and that "
            "<b>Profile → Notifications → Mobile</b> is on. Signing out and back in re-registers "
            "your device.",
            "Push notification settings",
            (
                "Your device stopped registering for push notifications after the last update. "
                "Signing out of the app and back in should fix it.",
                "You can mute them per project from the project menu → Notifications. Let me know "
                "if you need a hand!",
            ),
        ),
    ),
    (
        "Updated the app, I'll let you know.",
        "Reinstalled and it's still crashing.",
        "Signed out and in, seems fine now.",
        "Thanks, notifications are back.",
    ),
    (
        "Great, glad it behaves again on your phone!",
        "The fixed version is live in both app stores now. Thanks for your patience!",
        "Perfect. Let me know if it acts up again.",
    ),
    (
        "Matches the known iOS issue, fix in App Store review.",
        "Device token missing, asked the customer to sign in again.",
    ),
)

TOPICS = (
    BILLING,
    LOGIN,
    BUGS,
    INTEGRATIONS,
    PERFORMANCE,
    FEATURES,
    DATA,
    ONBOARDING,
    CANCELLATION,
    MOBILE,
)
TOPIC_BY_KEY = {t.key: t for t in TOPICS}
SUB_INDEX = {(t.key, s.key): i for i, (t, s) in enumerate((t, s) for t in TOPICS for s in t.subs)}

WEEK2_BILLING_LINE = "I think this started after your new pricing went live on Monday."
XSS_OPENERS = (
    (
        "broken",
        "When I type &lt;script&gt;alert(1)&lt;/script&gt; into a task title, it shows up "
        "as raw text in the {page} but the preview panel goes blank. Is that a bug?",
    ),
    (
        "display",
        "One of our users set their display name to &lt;img src=x onerror=alert(1)&gt; "
        "and now the layout of the member list looks broken.",
    ),
)
ODD_QUESTIONS = (
    "Are you hiring? I'd love to apply for a designer role in Lisbon.",
    "Who designed your logo? It's lovely and I'd like to credit them in a talk.",
    "Do you send out stickers? Our office wall needs more of them.",
    "What font do you use on your homepage? It's beautiful.",
    "Is your company carbon neutral? Our procurement questionnaire asks.",
    "Can I bring my dog to your meetup in Amsterdam next month?",
    "Do you have a podcast or a newsletter I can follow?",
    "My grandmother wants to know if your name means anything. Does it?",
    "Is this the right place to ask about speaking at your conference?",
    "Could I send a thank-you postcard to the people who helped us last year? Where to?",
)
ODD_REPLIES = (
    "Ha, great question! I've forwarded this to the right people and they'll follow up by email.",
    "Thanks for asking! I don't know offhand, but I'll find out and get back to you.",
    "Love this question. I've passed it along to our people team.",
)
ODD_FOLLOWUPS = ("Thanks!", "Appreciate it, no rush.", "Amazing, thank you!")

GREETINGS = (
    "Hi,",
    "Hello,",
    "Hey there,",
    "Hi team,",
    "Hi support,",
    "Good morning,",
    "Hey,",
    "Hi Tasklane team,",
)
SIGNOFFS = (
    "Thanks,<br>{first}",
    "Cheers,<br>{first}",
    "Best regards,<br>{name}",
    "Thanks!",
    "— {first}",
    "Kind regards,<br>{name}<br>{company}",
)
ANGRY_OPEN = (
    "This is really frustrating.",
    "Honestly, I'm fed up.",
    "Third time writing about this!!",
    "This is unacceptable for what we pay.",
    "Not happy at all right now.",
    "Seriously?",
)
ANGRY_CLOSE = (
    "Please sort this out ASAP.",
    "I expect a reply today.",
    "We're seriously considering alternatives.",
    "Really disappointed.",
    "This is costing us time.",
)
HAPPY_OPEN = (
    "Love Tasklane so far!",
    "First of all, great product, we use it every day.",
    "Hope you're having a good day!",
    "You folks have been great so far.",
)
HAPPY_CLOSE = (
    "Thanks so much in advance!",
    "Appreciate the help :)",
    "Keep up the great work!",
    "Thank you, you're the best.",
)
DETAILS = {
    "general": (
        "Our workspace is <b>{workspace}</b>.",
        'Workspace: <a href="https://app.example.com/w/{ws_slug}">app.example.com/w/{ws_slug}</a>',
        "We're a team of {n} at {company}.",
    ),
    "tech": (
        "I'm using {browser} on {os}.",
        "I already tried clearing the cache and a private window.",
        "It happens for {n} people on our team.",
        'Screenshot: <a href="https://files.example.com/s/{shot}">screenshot.png</a>',
        'Workspace: <a href="https://app.example.com/w/{ws_slug}">app.example.com/w/{ws_slug}</a>',
    ),
    "mobile": (
        "I'm on version {app_version}.",
        "It started after the last app update.",
        "I already tried reinstalling.",
    ),
}
PII = {
    "phone": (
        "You can call me on {phone} if that's easier.",
        "My direct line is {phone}.",
        "Feel free to ring me at {phone}.",
    ),
    "email": (
        "Please also copy my colleague at {alt_email}.",
        "My personal address is {alt_email} in case the work one bounces.",
        "You can reply to {alt_email} as well.",
    ),
    "card": (
        "The card in question is {card}, exp 04/28.",
        "It was charged to {card}.",
        "Card number is {card} if you need it.",
    ),
}
PHONES = (
    "+1 415-555-0132",
    "(415) 555 0199",
    "+44 20 7946 0958",
    "415.555.0147",
    "+1 (212) 555-0186",
    "+1 646 555 0171",
)
CARDS = (
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "4242424242424242",
    "3782 822463 10005",
    "6011 0000 0000 0004",
)

FIN_INTROS = (
    "Thanks for reaching out!",
    "I can help with that.",
    "Here's what I found:",
    "Good question!",
    "Let me help with that.",
)
FIN_QUICK = ("Did that answer your question?", "Was that helpful?")
FIN_CONFIRM = (
    "Yes, that did it. Thanks!",
    "Perfect, got it.",
    "That answers it, thank you.",
    "Yes 👍",
)
FIN_UNHAPPY = (
    "That doesn't answer my question. Can I talk to a person?",
    "No, I need a human please.",
    "Not what I asked. Is anyone from the team around?",
    "Can I speak to someone? This didn't help.",
)
FIN_HANDOFF = (
    "No problem, I'm passing this to the team now. They'll reply here and by email.",
    "Understood. I've handed this over to a teammate, who'll get back to you shortly.",
)
FIN_CLARIFY = (
    "Could you share a bit more detail so I can find the right answer?",
    "Which workspace is this about?",
)
ABANDON_USER = ("hmm", "wait", "ok but", "one sec")
USER_THANKS = (
    "Thanks, that sorted it!",
    "Perfect, thank you!",
    "Great, all good now.",
    "Got it, thanks a lot.",
    "That did the trick 🙌",
    "Brilliant, cheers!",
)
USER_THANKS_ANGRY = ("Fine. Thanks.", "Ok. Took long enough.", "Finally. Thanks.")
REOPEN_TEXTS = (
    "Hi again, sorry, the same problem is back this morning.",
    "Reopening this: it happened again today.",
    "Unfortunately this came back after a day. Can you take another look?",
)
ADMIN_GREETINGS = (
    "Hi {first},",
    "Hey {first},",
    "Hello {first},",
    "Hi {first}, thanks for reaching out!",
    "Hi {first}, thanks for getting in touch.",
)
APOLOGIES = (
    "Really sorry for the hassle here.",
    "I completely understand the frustration, and I'm sorry about this.",
    "Apologies, that's not the experience we want you to have.",
)
ADMIN_SIGNOFFS = ("", "", "Best,<br>{admin_first}", "Cheers,<br>{admin_first}")
ADMIN_WRAPUPS = (
    "Glad to hear it! I'll close this out; just reply if anything else comes up.",
    "Happy to help. Have a great day!",
)
SNOOZE_ASKS = (
    "Could you send me a screenshot and the exact time this happened? I'll keep this "
    "open in the meantime.",
    "Could you confirm the workspace URL and which browser you're on? I'll check back tomorrow.",
)
UNRESOLVED = (
    "I've shared this with the right people internally. I'll close this for now, and "
    "we'll reach out here as soon as there's an update.",
)
REOPEN_REPLIES = (
    "Thanks for letting us know. I've taken another look and it should be sorted now.",
    "Sorry it came back! I've fixed it properly this time; please let me know if you see it again.",
)
HANDOVER_NOTES = ("Handing over to {other}, who looks after these.", "{other} is taking this one.")
GENERIC_NOTES = (
    "Customer has a renewal call next week, keep it friendly.",
    "Linked to internal ticket TL-{ticket}.",
)
NEAR_DUPLICATE_REPLY = (
    "Looks like this came through twice, so I'll continue in your other "
    "conversation and close this one."
)
RATING_REMARKS = {
    5: (
        "Super quick and friendly, thank you!",
        "Perfect, sorted in minutes.",
        "Great help as always.",
        "Really appreciated the clear answer.",
    ),
    4: ("Good answer, took a little while.", "Helpful, thanks."),
    3: ("Okay in the end, but it took a while.", "Answer was fine, would have liked more detail."),
    2: ("Took ages to hear back.", "Had to explain everything twice."),
    1: (
        "Took days and the problem is still there.",
        "Nobody seemed to care.",
        "Useless answer from the bot.",
    ),
}
FIN_RATING_REMARKS = (
    "Quick answer, thanks Fin!",
    "Exactly what I needed.",
    "Didn't understand my question.",
)


@dataclass(frozen=True)
class Language:
    """Texts for a non-English conversation."""

    greeting: str
    signoff: str
    admin_greeting: str
    fin_intro: str
    fin_quick: str
    fin_handoff: str
    thanks: tuple[str, ...]
    unhappy: tuple[str, ...]
    replies: tuple[str, ...]
    followups: tuple[str, ...]
    resolutions: tuple[str, ...]
    remark: str
    reopen: str
    openers: tuple[tuple[str, str, str], ...]


LANGUAGES = {
    "es": Language(
        "Hola,",
        "Saludos,<br>{first}",
        "Hola {first}:",
        "¡Hola! Esto es lo que encontré en nuestro centro de ayuda:",
        "¿Te ha servido?",
        "Entendido, te paso con el equipo. Te responderán por aquí y por correo.",
        ("¡Perfecto, muchas gracias!", "Funciona, gracias."),
        ("Eso no responde a mi pregunta. ¿Puedo hablar con una persona?",),
        (
            "Gracias por escribirnos. Ya lo estoy revisando y te aviso en cuanto tenga novedades.",
            "Siento las molestias. Lo he comprobado y ya está corregido en tu cuenta.",
        ),
        ("Vale, quedo a la espera.", "Gracias por la rapidez."),
        (
            "Listo, ya está solucionado. Si necesitas algo más, aquí estamos.",
            "Hecho. Cualquier otra cosa, escríbenos.",
        ),
        "Muy rápido, gracias.",
        "Hola de nuevo: el problema ha vuelto esta mañana.",
        (
            (
                "billing",
                "refund",
                "Me cobraron el plan {plan} este mes, pero no lo hemos usado. "
                "¿Es posible un reembolso?",
            ),
            (
                "billing",
                "invoices",
                "Necesito la factura {invoice} con el NIF de la empresa, por favor.",
            ),
            (
                "login",
                "password",
                "No puedo iniciar sesión. El enlace para cambiar la contraseña "
                "no llega a mi correo.",
            ),
            (
                "cancellation",
                "cancel_sub",
                "Quiero cancelar la suscripción a final de mes. ¿Cómo lo hago?",
            ),
            ("bugs", "errors", "Me aparece un error cada vez que intento guardar una tarea."),
            (
                "billing",
                "double",
                "Nos han cobrado dos veces este mes. ¿Pueden hacer el "
                "reembolso de uno de los cargos?",
            ),
        ),
    ),
    "de": Language(
        "Hallo,",
        "Viele Grüße<br>{first}",
        "Hallo {first},",
        "Hallo! Das habe ich in unserem Hilfe-Center gefunden:",
        "Hat dir das geholfen?",
        "Alles klar, ich leite dich an unser Team weiter. Du bekommst hier und per E-Mail eine "
        "Antwort.",
        ("Super, vielen Dank!", "Klappt jetzt, danke."),
        ("Das beantwortet meine Frage nicht. Kann ich mit einem Menschen sprechen?",),
        (
            "Danke für deine Nachricht. Ich schaue mir das gerade an und melde mich, sobald ich "
            "mehr weiß.",
            "Entschuldige die Umstände. Ich habe es geprüft und in deinem Konto korrigiert.",
        ),
        ("Okay, danke, ich warte.", "Danke für die schnelle Antwort."),
        (
            "Erledigt! Wenn du noch etwas brauchst, melde dich gern.",
            "Ist behoben. Einen schönen Tag noch!",
        ),
        "Schnelle Hilfe, danke!",
        "Hallo nochmal, das Problem ist leider wieder da.",
        (
            (
                "billing",
                "double",
                "Wir wurden diesen Monat doppelt belastet. Ich bitte um Erstattung von {amount}.",
            ),
            (
                "billing",
                "invoices",
                "Auf der Rechnung {invoice} fehlt unsere USt-IdNr. Können Sie sie korrigieren?",
            ),
            (
                "login",
                "password",
                "Ich kann mich nicht anmelden, mein Passwort wird nicht akzeptiert.",
            ),
            (
                "login",
                "sso",
                "Seit heute Morgen funktioniert unser SSO mit Okta nicht mehr. "
                "Niemand kann sich anmelden!",
            ),
            (
                "cancellation",
                "cancel_sub",
                "Wie kann ich unser Abo kündigen? Ich finde die Option nicht.",
            ),
            ("bugs", "errors", "Beim Öffnen des Boards erscheint immer ein Fehler."),
        ),
    ),
    "fr": Language(
        "Bonjour,",
        "Cordialement,<br>{name}",
        "Bonjour {first},",
        "Bonjour ! Voici ce que j'ai trouvé dans notre centre d'aide :",
        "Est-ce que cela vous a aidé ?",
        "Entendu, je vous mets en relation avec l'équipe. Vous recevrez une réponse ici et par "
        "e-mail.",
        ("Parfait, merci beaucoup !", "Ça marche, merci."),
        ("Cela ne répond pas à ma question. Puis-je parler à quelqu'un ?",),
        (
            "Merci pour votre message. Je regarde cela tout de suite et je reviens vers vous "
            "rapidement.",
            "Désolée pour la gêne occasionnée. J'ai vérifié et c'est corrigé sur votre compte.",
        ),
        ("D'accord, merci, j'attends votre retour.", "Merci pour la réponse rapide."),
        (
            "C'est réglé ! N'hésitez pas si vous avez besoin d'autre chose.",
            "C'est fait. Bonne journée !",
        ),
        "Rapide et efficace.",
        "Rebonjour, le problème est revenu ce matin.",
        (
            (
                "billing",
                "refund",
                "J'ai été débité deux fois ce mois-ci. Pouvez-vous procéder au remboursement ?",
            ),
            (
                "billing",
                "invoices",
                "Pourriez-vous m'envoyer la facture {invoice} avec notre numéro de TVA ?",
            ),
            (
                "login",
                "password",
                "Je n'arrive pas à me connecter : le lien pour réinitialiser "
                "mon mot de passe a expiré.",
            ),
            ("cancellation", "cancel_sub", "Je souhaite résilier mon abonnement à la fin du mois."),
            ("mobile", "ios", "L'application iPhone plante au démarrage depuis la mise à jour."),
            (
                "bugs",
                "errors",
                "J'ai une erreur à chaque fois que j'essaie d'ajouter un commentaire.",
            ),
        ),
    ),
}
FOREIGN_CUSTOMERS = {
    "es": (
        "Lucía Fernández",
        "Javier Ruiz",
        "Carmen Ortega",
        "Diego Morales",
        "Marta Jiménez",
        "Pablo Herrera",
    ),
    "de": (
        "Katrin Vogel",
        "Lukas Becker",
        "Anna Schneider",
        "Felix Hartmann",
        "Miriam Wolf",
        "Stefan Braun",
    ),
    "fr": (
        "Élodie Martin",
        "Julien Moreau",
        "Sophie Laurent",
        "Antoine Girard",
        "Manon Petit",
        "Hugo Lefèvre",
    ),
}

# --------------------------------------------------------------------------- people & slots

FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Mia",
    "Lucas",
    "Amara",
    "Kenji",
    "Priyanka",
    "Mateo",
    "Chloe",
    "Daniel",
    "Hannah",
    "Omar",
    "Grace",
    "Samuel",
    "Zoe",
    "Ryan",
    "Leah",
    "Arjun",
    "Nora",
    "Isaac",
    "Fatima",
    "Ben",
    "Julia",
    "Tariq",
    "Emily",
    "Wei",
    "Sarah",
    "Aisha",
    "Jack",
    "Maya",
    "Kofi",
    "Ella",
    "Hiro",
    "Laura",
    "Marco",
    "Nina",
    "Rosa",
    "Adam",
    "Yuki",
    "Ruth",
    "Ines",
)
LAST_NAMES = (
    "Nguyen",
    "Smith",
    "Patel",
    "Garcia",
    "Kim",
    "Johnson",
    "Brown",
    "Okoye",
    "Mueller",
    "Rossi",
    "Tanaka",
    "Cohen",
    "Silva",
    "Walsh",
    "Ahmed",
    "Larsen",
    "Novak",
    "Ibrahim",
    "Chen",
    "Murphy",
    "Kowalski",
    "Haddad",
    "Fischer",
    "Adeyemi",
    "Lopez",
    "Park",
    "Evans",
    "Sato",
    "Bianchi",
    "Andersen",
    "Reyes",
    "O'Brien",
    "Singh",
    "Costa",
    "Hughes",
    "Mendes",
    "Baker",
    "Stone",
    "Fox",
)
COMPANIES = (
    "Brightlane Studio",
    "Northpeak Labs",
    "Kestrel &amp; Co",
    "Bluefin Media",
    "Orchard Legal",
    "Copperleaf Design",
    "Pinecrest Dental",
    "Morrow &amp; Finch",
    "Lumen Robotics",
    "Saltmarsh Coffee",
    "Greywater Ventures",
    "Fieldnote Agency",
    "Tidewater Logistics",
    "Redwood Learning",
    "Quartz Events",
    "Hollow Oak Games",
    "Sunday Bakery",
    "Meridian Health",
    "Atlas Architects",
    "Juniper Nonprofit",
)
PLAN_PRICES = {"Starter": 12, "Pro": 29, "Business": 59}
SLOT_VALUES = {
    "browser": ("Chrome", "Firefox", "Safari", "Edge", "Arc"),
    "os": ("macOS Sonoma", "Windows 11", "Ubuntu 24.04", "ChromeOS"),
    "page": (
        "Projects page",
        "timeline view",
        "settings page",
        "board view",
        "inbox",
        "calendar view",
        "My Tasks page",
    ),
    "error_text": (
        "Unexpected token &lt; in JSON at position 0",
        "Cannot read properties of undefined (reading 'id')",
        "Permission denied",
        "Conflict: task was modified",
        "Invalid date",
    ),
    "code": ("500", "502", "403", "409", "422"),
    "when": (
        "this morning",
        "yesterday",
        "Monday",
        "the weekend",
        "your last release",
        "last night",
        "lunchtime",
    ),
    "channel": ("general", "dev", "marketing", "design-team", "releases"),
    "integration": (
        "Slack",
        "Salesforce",
        "HubSpot",
        "Zapier",
        "Jira",
        "Google Sheets",
        "Microsoft Teams",
        "GitHub",
        "Notion",
    ),
    "city": ("Berlin", "Lisbon", "Toronto", "Sydney", "Austin", "Madrid"),
    "ios_device": ("iPhone 15", "iPhone 13 mini", "iPhone 16 Pro", "iPad Air"),
    "android_device": ("Pixel 8", "Samsung Galaxy S23", "OnePlus 12", "Pixel 7a"),
    "app_version": ("4.12.0", "4.12.1", "4.11.3"),
}
ACTIONS = (
    ("upload a file", "Uploading a file"),
    ("move a task to Done", "Moving a task to Done"),
    ("add a comment", "Adding a comment"),
    ("change a due date", "Changing a due date"),
    ("duplicate a project", "Duplicating a project"),
    ("assign a task", "Assigning a task"),
    ("archive a project", "Archiving a project"),
)


@dataclass(frozen=True)
class Admin:
    id: str
    name: str
    weight: int
    language: str

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def email(self) -> str:
        return self.name.lower().replace(" ", ".") + "@example.com"


ADMINS = (
    Admin("7420011", "Priya Raman", 30, "en"),
    Admin("7420012", "Marcus Webb", 22, "en"),
    Admin("7420013", "Sofia Alvarez", 14, "es"),
    Admin("7420014", "Jonas Keller", 12, "de"),
    Admin("7420015", "Camille Dubois", 10, "fr"),
    Admin("7420016", "Tom Okafor", 7, "en"),
)
TEAMS = {"support": "5530101", "billing": "5530102", "technical": "5530103"}
TAGS = {
    "Billing": "7710001",
    "Bug": "7710002",
    "Feature request": "7710003",
    "VIP": "7710004",
    "Churn risk": "7710005",
    "Escalated": "7710006",
    "Outage": "7710007",
    "Refund": "7710008",
    "SSO": "7710009",
    "Mobile": "7710010",
    "Duplicate": "7710011",
}
TOPIC_TAGS = {
    "billing": "Billing",
    "bugs": "Bug",
    "features": "Feature request",
    "cancellation": "Churn risk",
    "mobile": "Mobile",
}
FIN = {"type": "bot", "id": "8800112", "name": "Fin", "email": "operator+tasklane@example.com"}


@dataclass
class Customer:
    id: str
    external_id: str
    name: str
    email: str
    company: str
    tier: str
    plan: str
    language: str

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class Spec:
    """What one conversation is about, before it is written."""

    created_at: int
    week: int
    kind: str  # topic | odd | foreign | xss
    topic: str | None
    sub: str | None
    text: str | None = None
    language: str = "en"


class Deck:
    """Deals template indexes in shuffled rounds, so every template gets used."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.left: dict[str, list[int]] = {}

    def draw(self, key: str, size: int) -> int:
        if not self.left.get(key):
            order = list(range(size))
            self.rng.shuffle(order)
            self.left[key] = order
        return self.left[key].pop()


class Ids:
    """Increasing numeric-string ids for conversations, sources and parts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.conversation = 215470311000
        self.source = 2046183000
        self.part = 29480310000

    def next_conversation(self) -> str:
        self.conversation += self.rng.randint(3, 60)
        return str(self.conversation)

    def next_source(self) -> str:
        self.source += self.rng.randint(1, 40)
        return str(self.source)

    def next_part(self) -> str:
        self.part += self.rng.randint(1, 25)
        return str(self.part)


# --------------------------------------------------------------------------- helpers


def p(text: str) -> str:
    return f"<p>{text}</p>"


def fill(template: str, slots: dict[str, str]) -> str:
    return template.format_map(slots)


def ascii_slug(text: str) -> str:
    cleaned = text.replace("&amp;", "and").lower()
    return "-".join("".join(c if c.isalnum() else " " for c in cleaned).split())


def article(topic: str, sub: Sub, language: str) -> Json:
    number = 9120400 + SUB_INDEX[(topic, sub.key)] * 37
    return {
        "content_type": "article",
        "url": f"https://help.example.com/{language}/articles/{number}-{ascii_slug(sub.article)}",
        "title": sub.article,
        "locale": language,
    }


def sub_of(topic: str, key: str) -> Sub:
    return next(s for s in TOPIC_BY_KEY[topic].subs if s.key == key)


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]


def working_time(rng: random.Random, ts: int) -> int:
    """The moment, at or after `ts`, when someone on the team picks the message up."""
    moment = datetime.fromtimestamp(ts, UTC)
    if moment.weekday() < 5 and 7 <= moment.hour < 20:
        return ts
    day = moment.replace(hour=7, minute=0, second=0)
    if moment.hour >= 7 or moment.weekday() >= 5:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return int(day.timestamp()) + rng.randint(300, 3600)


def admin_delay(rng: random.Random, now: int, median_minutes: float) -> int:
    delay = max(40, int(rng.lognormvariate(math.log(median_minutes * 60), 0.9)))
    return working_time(rng, now + delay) - now


def user_delay(rng: random.Random, median_minutes: float = 8) -> int:
    return max(20, int(rng.lognormvariate(math.log(median_minutes * 60), 1.0)))


# --------------------------------------------------------------------------- customers


def make_email(rng: random.Random, first: str, last: str, used: set[str]) -> str:
    first_a, last_a = first.lower(), last.lower().replace("'", "")
    local = pick(rng, (f"{first_a}.{last_a}", f"{first_a[0]}{last_a}", f"{first_a}.{last_a[0]}"))
    domain = "example.com" if rng.random() < 0.6 else "example.org"
    email, n = f"{local}@{domain}", 1
    while email in used:
        n += 1
        email = f"{local}{n}@{domain}"
    used.add(email)
    return email


def make_customer(rng: random.Random, name: str, email: str, language: str, paid: bool) -> Customer:
    plan = rng.choices(("Starter", "Pro", "Business"), (40, 40, 20))[0] if paid else "Free"
    return Customer(
        id=f"{rng.getrandbits(96):024x}",
        external_id=f"usr_{rng.randint(100000, 999999)}",
        name=name,
        email=email,
        company=pick(rng, COMPANIES),
        tier="paid" if paid else "free",
        plan=plan,
        language=language,
    )


def english_customers(rng: random.Random, count: int) -> list[Customer]:
    used: set[str] = set()
    paid = [i < round(count * PAID_SHARE) for i in range(count)]
    rng.shuffle(paid)
    people = []
    for is_paid in paid:
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        email = make_email(rng, first, last, used)
        people.append(make_customer(rng, f"{first} {last}", email, "en", is_paid))
    return people


def foreign_customers(rng: random.Random) -> dict[str, list[Customer]]:
    plain = str.maketrans("áéíóúñüöäèç", "aeiounuoaec")
    result: dict[str, list[Customer]] = {}
    for language, names in FOREIGN_CUSTOMERS.items():
        result[language] = []
        for name in names:
            local = name.lower().translate(plain).replace(" ", ".")
            domain = "example.com" if len(result[language]) % 2 else "example.org"
            paid = rng.random() < PAID_SHARE
            result[language].append(make_customer(rng, name, f"{local}@{domain}", language, paid))
    return result


# --------------------------------------------------------------------------- specs


def random_time(rng: random.Random, week: int) -> int:
    day = rng.choices(range(7), DAY_WEIGHTS)[0]
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    start = START + timedelta(days=7 * week + day, hours=hour)
    return int(start.timestamp()) + rng.randint(0, 3599)


def quota(weights: list[int], total: int) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), so the mix is exact."""
    shares = [w * total / sum(weights) for w in weights]
    counts = [int(x) for x in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def topic_mix(rng: random.Random, week: int, total: int) -> list[tuple[str, str]]:
    """The week's (topic, sub-topic) pairs in the weekly proportions, shuffled."""
    mix = []
    for topic, n in zip(TOPICS, quota([t.weights[week] for t in TOPICS], total), strict=True):
        subs = quota([s.weights[week] for s in topic.subs], n)
        mix += [
            (topic.key, sub.key) for sub, k in zip(topic.subs, subs, strict=True) for _ in range(k)
        ]
    rng.shuffle(mix)
    return mix


def week_specs(rng: random.Random, week: int, count: int) -> list[Spec]:
    times = sorted(random_time(rng, week) for _ in range(count))
    foreign = [(lang, i) for lang in LANGUAGES for i in range(FOREIGN_PER_LANGUAGE_PER_WEEK)]
    special = rng.sample(range(count), ODD_PER_WEEK + len(foreign) + 1)
    odd_at = special[:ODD_PER_WEEK]
    foreign_at = dict(zip(special[ODD_PER_WEEK:-1], foreign, strict=True))
    mix = topic_mix(rng, week, count - len(special))
    specs = []
    for i, ts in enumerate(times):
        if i in odd_at:
            text = ODD_QUESTIONS[week * ODD_PER_WEEK + odd_at.index(i)]
            specs.append(Spec(ts, week, "odd", None, None, text))
        elif i in foreign_at:
            lang, n = foreign_at[i]
            topic, sub, text = LANGUAGES[lang].openers[week * FOREIGN_PER_LANGUAGE_PER_WEEK + n]
            specs.append(Spec(ts, week, "foreign", topic, sub, text, lang))
        elif i == special[-1]:
            sub, text = XSS_OPENERS[week]
            specs.append(Spec(ts, week, "xss", "bugs", sub, text))
        else:
            specs.append(Spec(ts, week, "topic", *mix.pop()))
    return specs


# --------------------------------------------------------------------------- conversation


@dataclass
class Context:
    """Everything needed to write one conversation."""

    rng: random.Random
    ids: Ids
    deck: Deck
    spec: Spec
    customer: Customer
    channel: str
    tone: str
    slots: dict[str, str]
    body: str = ""
    pii: str | None = None
    pii_later: bool = False
    parts: list[Json] = field(default_factory=list)
    t: int = 0
    snoozed: bool = False
    reopens: int = 0
    fin_rating: int | None = None
    fin_remark: str | None = None

    @property
    def lang(self) -> Language | None:
        return LANGUAGES.get(self.spec.language)

    @property
    def topic(self) -> Topic | None:
        return TOPIC_BY_KEY.get(self.spec.topic or "")

    @property
    def sub(self) -> Sub | None:
        return sub_of(self.spec.topic, self.spec.sub) if self.spec.topic and self.spec.sub else None

    @property
    def user(self) -> Json:
        c = self.customer
        return {"type": "user", "id": c.id, "name": c.name, "email": c.email}

    def add(
        self,
        kind: str,
        author: Json,
        body: str | None,
        delay: int = 0,
        assigned_to: Admin | None = None,
    ) -> None:
        self.t += delay
        self.parts.append(
            {
                "type": "conversation_part",
                "id": self.ids.next_part(),
                "part_type": kind,
                "body": body,
                "created_at": self.t,
                "updated_at": self.t,
                "notified_at": self.t,
                "assigned_to": {"type": "admin", "id": assigned_to.id} if assigned_to else None,
                "author": author,
                "attachments": [],
                "external_id": None,
                "redacted": False,
            }
        )

    def user_says(self, text: str, delay: int) -> None:
        if self.pii_later and self.pii:
            text, self.pii_later = f"{text} {self.pii}", False
        self.add("comment", self.user, p(text), delay)


def admin_author(admin: Admin) -> Json:
    return {"type": "admin", "id": admin.id, "name": admin.name, "email": admin.email}


def make_slots(rng: random.Random, customer: Customer, created_at: int) -> dict[str, str]:
    plan = customer.plan if customer.plan != "Free" else pick(rng, ("Starter", "Pro"))
    seats = rng.randint(2, 20)
    amount = PLAN_PRICES[plan] * seats * (12 if rng.random() < 0.3 else 1)
    earlier = datetime.fromtimestamp(created_at - rng.randint(1, 25) * DAY, UTC)
    action, action_cap = ACTIONS[rng.randrange(len(ACTIONS))]
    last = customer.name.split()[-1].lower().replace("'", "")
    slots = {key: pick(rng, values) for key, values in SLOT_VALUES.items()}
    slots.update(
        {
            "first": customer.first,
            "name": customer.name,
            "company": customer.company,
            "workspace": customer.company,
            "ws_slug": f"{ascii_slug(customer.company)}-{rng.randint(100, 999)}",
            "plan": plan,
            "amount": f"${amount:,.2f}",
            "n": str(rng.choice((3, 5, 8, 12, 40, 250, 1800, 4200))),
            "invoice": f"INV-{rng.randint(10000, 99999)}",
            "date": f"{earlier:%B} {earlier.day}",
            "month": f"{earlier:%B}",
            "vat": f"{pick(rng, ('DE', 'GB', 'NL', 'IE'))}{rng.randint(100000000, 999999999)}",
            "action": action,
            "action_cap": action_cap,
            "ticket": str(rng.randint(1000, 9999)),
            "teammate": pick(rng, FIRST_NAMES),
            "shot": f"{rng.getrandbits(40):010x}",
            "phone": pick(rng, PHONES),
            "card": pick(rng, CARDS),
            "alt_email": f"{customer.first.lower()}.{last}{rng.randint(2, 99)}@example.org",
        }
    )
    return slots


def choose_tone(rng: random.Random, spec: Spec) -> str:
    weights = {"cancellation": (35, 55, 10), "features": (5, 55, 40), "performance": (35, 55, 10)}
    angry, neutral, happy = weights.get(spec.topic or "", (20, 58, 22))
    if spec.kind == "odd":
        angry = 0
    return rng.choices(("angry", "neutral", "happy"), (angry, neutral, happy))[0]


def opener_text(ctx: Context) -> str:
    if ctx.spec.text:
        return fill(ctx.spec.text, ctx.slots)
    openers = ctx.sub.openers
    text = fill(openers[ctx.deck.draw(f"{ctx.spec.topic}/{ctx.sub.key}", len(openers))], ctx.slots)
    in_incident = ctx.spec.week == 1 and ctx.spec.topic == "billing"
    if in_incident and ctx.rng.random() < 0.4:
        text += " " + WEEK2_BILLING_LINE
    if ctx.rng.random() < 0.35:
        text += " " + fill(pick(ctx.rng, DETAILS[ctx.topic.details]), ctx.slots)
    return text


def customer_body(ctx: Context) -> str:
    rng = ctx.rng
    if ctx.lang:
        lang = ctx.lang
        return (
            p(lang.greeting) + p(fill(ctx.spec.text, ctx.slots)) + p(fill(lang.signoff, ctx.slots))
        )
    core = opener_text(ctx)
    if ctx.tone == "angry" and ctx.spec.kind != "xss":
        core = f"{pick(rng, ANGRY_OPEN)} {core} {pick(rng, ANGRY_CLOSE)}"
    elif ctx.tone == "happy":
        core = f"{pick(rng, HAPPY_OPEN)} {core}"
    if ctx.channel == "twitter":
        return p(f"@TasklaneHQ {core}")
    paragraphs = [p(pick(rng, GREETINGS))] if rng.random() < 0.65 else []
    paragraphs.append(p(core))
    if ctx.pii and not ctx.pii_later:
        paragraphs.append(p(ctx.pii))
    if ctx.tone == "happy" and rng.random() < 0.6:
        paragraphs.append(p(pick(rng, HAPPY_CLOSE)))
    if ctx.channel == "email" or rng.random() < 0.35:
        paragraphs.append(p(fill(pick(rng, SIGNOFFS), ctx.slots)))
    return "".join(paragraphs)


def subject(ctx: Context) -> str:
    if ctx.channel != "email":
        return ""
    if ctx.spec.kind == "odd":
        return "Quick question"
    if ctx.lang:
        return {"es": "Consulta", "de": "Anfrage", "fr": "Demande"}[ctx.spec.language]
    return ctx.sub.subject if ctx.sub else ""


# --------------------------------------------------------------------------- replies


def admin_reply_body(ctx: Context, admin: Admin, text: str, greet: bool = True) -> str:
    slots = {**ctx.slots, "admin_first": admin.first}
    if ctx.lang:
        head = p(fill(ctx.lang.admin_greeting, slots)) if greet else ""
        return head + p(text)
    head = p(fill(pick(ctx.rng, ADMIN_GREETINGS), slots)) if greet else ""
    if greet and ctx.tone == "angry":
        head += p(pick(ctx.rng, APOLOGIES))
    sign = fill(pick(ctx.rng, ADMIN_SIGNOFFS), slots)
    return head + p(fill(text, slots)) + (p(sign) if sign else "")


def first_reply_text(ctx: Context) -> str:
    if ctx.spec.kind == "odd":
        return pick(ctx.rng, ODD_REPLIES)
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.replies)
    return pick(ctx.rng, ctx.sub.replies)


def followup_text(ctx: Context) -> str:
    if ctx.spec.kind == "odd":
        return pick(ctx.rng, ODD_FOLLOWUPS)
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.followups)
    return pick(ctx.rng, ctx.topic.followups)


def resolution_text(ctx: Context) -> str:
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.resolutions)
    if ctx.spec.kind == "odd":
        return "Found out! I've sent you the details by email."
    return pick(ctx.rng, ctx.topic.resolutions)


def thanks_text(ctx: Context) -> str:
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.thanks)
    return pick(ctx.rng, USER_THANKS_ANGRY if ctx.tone == "angry" else USER_THANKS)


def note_text(ctx: Context) -> str:
    notes = GENERIC_NOTES + (ctx.topic.notes if ctx.topic else ())
    return p(fill(pick(ctx.rng, notes), ctx.slots))


# --------------------------------------------------------------------------- flows


def choose_admin(rng: random.Random, language: str, exclude: Admin | None = None) -> Admin:
    if language != "en" and rng.random() < 0.85:
        return next(a for a in ADMINS if a.language == language)
    pool = [a for a in ADMINS if a is not exclude]
    return rng.choices(pool, [a.weight for a in pool])[0]


def fin_answer(ctx: Context) -> str:
    link = article(ctx.spec.topic, ctx.sub, ctx.spec.language)
    anchor = f'<a href="{link["url"]}">{link["title"]}</a>'
    if ctx.lang:
        return p(ctx.lang.fin_intro) + p(anchor)
    return p(pick(ctx.rng, FIN_INTROS)) + p(ctx.sub.fin) + p(f"Read more: {anchor}")


def fin_flow(ctx: Context) -> str:
    """Fin answers first; returns the ai_agent resolution_state."""
    rng = ctx.rng
    state = FIN_OUTCOMES[ctx.deck.draw("fin", len(FIN_OUTCOMES))]
    ctx.add("comment", FIN, fin_answer(ctx), rng.randint(3, 25))
    if rng.random() < 0.6:
        quick = ctx.lang.fin_quick if ctx.lang else pick(rng, FIN_QUICK)
        ctx.add("quick_reply", FIN, p(quick), rng.randint(1, 3))
    if state == "confirmed_resolution":
        confirm = pick(rng, ctx.lang.thanks) if ctx.lang else pick(rng, FIN_CONFIRM)
        ctx.user_says(confirm, user_delay(rng, 3))
        ctx.add("close", FIN, None, rng.randint(2, 15))
    elif state == "assumed_resolution":
        ctx.add("close", FIN, None, rng.randint(20 * 60, 3 * 3600))
    elif state == "abandoned":
        ctx.user_says(pick(rng, ABANDON_USER), user_delay(rng, 2))
        ctx.add("comment", FIN, p(pick(rng, FIN_CLARIFY)), rng.randint(3, 12))
        ctx.add("close", FIN, None, rng.randint(3600, 6 * 3600))
    else:
        ctx.user_says(pick(rng, ctx.lang.unhappy if ctx.lang else FIN_UNHAPPY), user_delay(rng, 3))
        handoff = ctx.lang.fin_handoff if ctx.lang else pick(rng, FIN_HANDOFF)
        ctx.add("comment", FIN, p(handoff), rng.randint(3, 10))
        admin = choose_admin(rng, ctx.spec.language)
        ctx.add("assignment", FIN, None, rng.randint(1, 4), assigned_to=admin)
        human_thread(ctx, admin)
    rate_fin(ctx, state)
    return state


def rate_fin(ctx: Context, state: str) -> None:
    rng = ctx.rng
    chance = {"confirmed_resolution": 0.5, "assumed_resolution": 0.15, "routed_to_team": 0.3}
    if rng.random() >= chance.get(state, 0):
        return
    ctx.fin_rating = rng.randint(4, 5) if state != "routed_to_team" else rng.randint(1, 3)
    if rng.random() < 0.4 and not ctx.lang:
        ctx.fin_remark = FIN_RATING_REMARKS[2 if ctx.fin_rating < 4 else rng.randint(0, 1)]


def human_flow(ctx: Context) -> None:
    """No Fin: an admin picks the conversation up and assigns it to themselves."""
    rng = ctx.rng
    admin = choose_admin(rng, ctx.spec.language)
    first_reply = ctx.t + admin_delay(rng, ctx.t, median_first(ctx))
    ctx.t = max(ctx.t + 5, first_reply - rng.randint(20, 600))
    ctx.add("assignment", admin_author(admin), None, assigned_to=admin)
    human_thread(ctx, admin, first_reply - ctx.t)


def median_first(ctx: Context) -> float:
    minutes = 25 if ctx.customer.tier == "paid" else 70
    return minutes / 2 if ctx.customer.plan == "Business" else minutes


def human_thread(ctx: Context, admin: Admin, delay: int | None = None) -> None:
    rng = ctx.rng
    if delay is None:
        delay = admin_delay(rng, ctx.t, median_first(ctx))
    outcome = rng.choices(
        ("quick", "back_forth", "snoozed", "waiting", "unresolved"), (46, 34, 5, 7, 8)
    )[0]
    if ctx.spec.kind == "odd" and outcome == "unresolved":
        outcome = "quick"
    if rng.random() < 0.2:
        ctx.add("note", admin_author(admin), note_text(ctx), max(0, delay - rng.randint(60, 400)))
        delay = rng.randint(60, 400)
    if outcome == "snoozed":
        ctx.add(
            "comment",
            admin_author(admin),
            admin_reply_body(ctx, admin, pick(rng, SNOOZE_ASKS)),
            delay,
        )
        ctx.snoozed = True
        return
    ctx.add(
        "comment", admin_author(admin), admin_reply_body(ctx, admin, first_reply_text(ctx)), delay
    )
    if rng.random() < 0.1:
        admin = hand_over(ctx, admin)
    if outcome == "waiting":
        ctx.user_says(followup_text(ctx), user_delay(rng))
        return
    if outcome == "unresolved":
        text = UNRESOLVED[0] if not ctx.lang else ctx.lang.replies[0]
        ctx.add(
            "comment",
            admin_author(admin),
            admin_reply_body(ctx, admin, text, False),
            rng.randint(600, 3 * 3600),
        )
        ctx.add("close", admin_author(admin), None, rng.randint(5, 60))
        return
    if outcome == "back_forth":
        ctx.user_says(followup_text(ctx), user_delay(rng))
        ctx.add(
            "comment",
            admin_author(admin),
            admin_reply_body(ctx, admin, resolution_text(ctx), False),
            admin_delay(rng, ctx.t, 12),
        )
    finish(ctx, admin)


def hand_over(ctx: Context, admin: Admin) -> Admin:
    rng = ctx.rng
    other = choose_admin(rng, "en", exclude=admin)
    note = fill(pick(rng, HANDOVER_NOTES), {"other": other.first})
    ctx.add("note", admin_author(admin), p(note), rng.randint(30, 600))
    ctx.add("assignment", admin_author(admin), None, rng.randint(2, 20), assigned_to=other)
    return other


def finish(ctx: Context, admin: Admin) -> None:
    rng = ctx.rng
    if rng.random() < 0.8:
        ctx.user_says(thanks_text(ctx), user_delay(rng, 6))
        if rng.random() < 0.3 and not ctx.lang:
            ctx.add(
                "comment", admin_author(admin), p(pick(rng, ADMIN_WRAPUPS)), rng.randint(30, 600)
            )
    ctx.add("close", admin_author(admin), None, rng.randint(20, 1800))
    reopen_chance = 0.18 if ctx.spec.topic in ("bugs", "login") else 0.08
    if ctx.spec.kind != "odd" and rng.random() < reopen_chance:
        reopen(ctx, admin)
        if rng.random() < 0.15:
            reopen(ctx, admin)


def reopen(ctx: Context, admin: Admin) -> None:
    rng = ctx.rng
    ctx.add("open", ctx.user, None, rng.randint(2 * 3600, 3 * DAY))
    ctx.user_says(pick(rng, REOPEN_TEXTS) if not ctx.lang else ctx.lang.reopen, 0)
    text = pick(rng, REOPEN_REPLIES) if not ctx.lang else ctx.lang.resolutions[0]
    ctx.add(
        "comment",
        admin_author(admin),
        admin_reply_body(ctx, admin, text),
        admin_delay(rng, ctx.t, 20),
    )
    ctx.add("close", admin_author(admin), None, rng.randint(20, 1800))
    ctx.reopens += 1


# --------------------------------------------------------------------------- assembly


def statistics_for(created: int, parts: list[Json]) -> Json:
    def first(kind: str, author: str | None = None) -> int | None:
        times = [
            x["created_at"]
            for x in parts
            if x["part_type"] == kind and (author is None or x["author"]["type"] == author)
        ]
        return times[0] if times else None

    def since(ts: int | None) -> int | None:
        return None if ts is None else ts - created

    closes = [x["created_at"] for x in parts if x["part_type"] == "close"]
    assigned, replied = first("assignment"), first("comment", "admin")
    return {
        "type": "conversation_statistics",
        "time_to_assignment": since(assigned),
        "time_to_admin_reply": since(replied),
        "time_to_first_close": since(closes[0] if closes else None),
        "time_to_last_close": since(closes[-1] if closes else None),
        "median_time_to_reply": median_reply(created, parts),
        "first_contact_reply_at": created,
        "first_assignment_at": assigned,
        "first_admin_reply_at": replied,
        "first_close_at": closes[0] if closes else None,
        "last_close_at": closes[-1] if closes else None,
        "count_reopens": sum(x["part_type"] == "open" for x in parts),
        "count_assignments": sum(x["part_type"] == "assignment" for x in parts),
        "count_conversation_parts": len(parts),
    }


def median_reply(created: int, parts: list[Json]) -> int | None:
    """Median seconds from a customer message to the admin reply that answered it."""
    waiting: int | None = created
    gaps = []
    for x in parts:
        if x["part_type"] != "comment":
            continue
        if x["author"]["type"] == "user" and waiting is None:
            waiting = x["created_at"]
        elif x["author"]["type"] == "admin" and waiting is not None:
            gaps.append(x["created_at"] - waiting)
            waiting = None
    return int(statistics.median(gaps)) if gaps else None


def last_admin(parts: list[Json]) -> str | None:
    admins = [
        x["author"]["id"]
        for x in parts
        if x["author"]["type"] == "admin" and x["part_type"] in ("comment", "close")
    ]
    return admins[-1] if admins else None


def make_rating(ctx: Context, state: str, fin_state: str | None, stats: Json) -> Json | None:
    rng = ctx.rng
    if state != "closed" or rng.random() > 0.45:
        return None
    base = {"confirmed_resolution": 4.7, "assumed_resolution": 3.9, "routed_to_team": 4.1}
    score = base.get(fin_state or "", 2.2 if fin_state else 4.5)
    reply = stats["time_to_admin_reply"]
    if reply is not None:
        score += 0.3 if reply < 1800 else -1.0 if reply > 4 * 3600 else 0
        score -= 0.8 if reply > 12 * 3600 else 0
    score -= 1.2 * ctx.reopens + (0.8 if ctx.tone == "angry" else 0)
    score += (0.3 if ctx.tone == "happy" else 0) + rng.gauss(0, 0.7)
    rating = min(5, max(1, round(score)))
    created = (stats["last_close_at"] or ctx.t) + rng.randint(30, 3600)
    if created > EXPORT_AT:
        return None
    remark = None
    if rng.random() < 0.55:
        if ctx.lang:
            remark = ctx.lang.remark if rating >= 4 else None
        else:
            remark = pick(rng, RATING_REMARKS[rating])
    admin_id = last_admin(ctx.parts)
    return {
        "rating": rating,
        "remark": remark,
        "created_at": created,
        "contact": {"type": "contact", "id": ctx.customer.id},
        "teammate": {"type": "admin", "id": admin_id} if admin_id else None,
    }


def ai_agent(ctx: Context, fin_state: str | None) -> Json | None:
    if fin_state is None:
        return None
    no_answer = fin_state == "abandoned" and ctx.rng.random() < 0.5
    return {
        "source_type": "workflow" if ctx.rng.random() < 0.7 else "essentials_plan_setup",
        "source_title": "Fin",
        "last_answer_type": None if no_answer else "ai_answer",
        "resolution_state": fin_state,
        "rating": ctx.fin_rating,
        "rating_remark": ctx.fin_remark,
        "content_sources": {
            "type": "content_source.list",
            "total_count": 1,
            "content_sources": [article(ctx.spec.topic, ctx.sub, ctx.spec.language)],
        },
    }


def tags_for(ctx: Context, priority: bool, human: bool) -> list[Json]:
    rng = ctx.rng
    names = []
    topic_tag = TOPIC_TAGS.get(ctx.spec.topic or "")
    if ctx.spec.sub == "refund":
        topic_tag = "Refund"
    elif ctx.spec.sub in ("sso", "outage"):
        topic_tag = {"sso": "SSO", "outage": "Outage"}[ctx.spec.sub]
    if topic_tag and rng.random() < (0.6 if human else 0.15):
        names.append(topic_tag)
    if ctx.customer.plan == "Business" and rng.random() < 0.4:
        names.append("VIP")
    if ctx.reopens or (priority and human and rng.random() < 0.5):
        names.append("Escalated")
    return [{"type": "tag", "id": TAGS[n], "name": n} for n in names]


def truncate_at_export(ctx: Context) -> str:
    """Drop what would happen after the export; return the conversation state."""
    kept = [x for x in ctx.parts if x["created_at"] <= EXPORT_AT]
    cut = len(kept) < len(ctx.parts)
    ctx.parts = kept
    ctx.reopens = sum(x["part_type"] == "open" for x in kept)
    if ctx.snoozed and not cut:
        return "snoozed"
    return "closed" if kept and kept[-1]["part_type"] == "close" else "open"


def assemble(ctx: Context, conversation_id: str, fin_state: str | None) -> Json:
    state = truncate_at_export(ctx)
    parts, created = ctx.parts, ctx.spec.created_at
    stats = statistics_for(created, parts)
    rating = make_rating(ctx, state, fin_state, stats)
    assignments = [x for x in parts if x["part_type"] == "assignment"]
    assignee = assignments[-1]["assigned_to"]["id"] if assignments else None
    human = assignee is not None
    priority = human and (
        (ctx.customer.plan == "Business" and ctx.rng.random() < 0.35)
        or (ctx.tone == "angry" and ctx.rng.random() < 0.25)
        or ctx.spec.sub == "outage"
    )
    admin_ids = []
    for x in parts:
        if x["author"]["type"] == "admin" and x["author"]["id"] not in admin_ids:
            admin_ids.append(x["author"]["id"])
    team = TEAMS[ctx.topic.team if ctx.topic else "support"] if human else None
    updated = max(
        [created] + [x["created_at"] for x in parts] + ([rating["created_at"]] if rating else [])
    )
    return {
        "type": "conversation",
        "id": conversation_id,
        "created_at": created,
        "updated_at": updated,
        "waiting_since": None,
        "state": state,
        "open": state != "closed",
        "read": True,
        "priority": "priority" if priority else "not_priority",
        "title": None,
        "source": source(ctx),
        "contacts": {
            "type": "contact.list",
            "contacts": [
                {"type": "contact", "id": ctx.customer.id, "external_id": ctx.customer.external_id}
            ],
        },
        "teammates": {
            "type": "admin.list",
            "admins": [{"type": "admin", "id": a} for a in admin_ids],
        },
        "admin_assignee_id": int(assignee) if assignee else None,
        "team_assignee_id": team,
        "custom_attributes": {
            "tier": ctx.customer.tier,
            "plan": ctx.customer.plan,
            "language": ctx.customer.language,
        },
        "tags": {"type": "tag.list", "tags": tags_for(ctx, priority, human)},
        "conversation_rating": rating,
        "statistics": stats,
        "ai_agent_participated": fin_state is not None,
        "ai_agent": ai_agent(ctx, fin_state),
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        },
    }


def source(ctx: Context) -> Json:
    return {
        "type": ctx.channel,
        "id": ctx.ids.next_source(),
        "delivered_as": "customer_initiated",
        "subject": subject(ctx),
        "body": ctx.body,
        "author": ctx.user,
        "attachments": [],
        "url": None,
        "redacted": False,
    }


def choose_channel(rng: random.Random, spec: Spec) -> str:
    if spec.kind in ("xss", "foreign"):
        return "conversation" if spec.kind == "xss" or rng.random() < 0.7 else "email"
    return rng.choices(("conversation", "email", "twitter"), (78, 17, 5))[0]


def choose_pii(ctx: Context) -> None:
    rng = ctx.rng
    share = PII_SHARE.get(ctx.spec.topic or "", PII_DEFAULT)
    if ctx.spec.kind != "topic" or ctx.channel == "twitter" or rng.random() >= share:
        return
    kinds = ("card", "phone", "email") if ctx.spec.topic == "billing" else ("phone", "email")
    kind = rng.choices(kinds, (60, 25, 15)[: len(kinds)])[0]
    ctx.pii = fill(pick(rng, PII[kind]), ctx.slots)
    ctx.pii_later = rng.random() < 0.25


def uses_fin(rng: random.Random, ctx: Context) -> bool:
    if ctx.spec.kind in ("odd", "xss") or ctx.channel == "twitter":
        return False
    return rng.random() < (0.7 if ctx.channel == "conversation" else 0.4)


def build(rng: random.Random, ids: Ids, deck: Deck, spec: Spec, customer: Customer) -> Json:
    channel = choose_channel(rng, spec)
    ctx = Context(
        rng,
        ids,
        deck,
        spec,
        customer,
        channel,
        choose_tone(rng, spec),
        make_slots(rng, customer, spec.created_at),
        t=spec.created_at,
    )
    choose_pii(ctx)
    ctx.body = customer_body(ctx)
    conversation_id = ids.next_conversation()
    fin_state = fin_flow(ctx) if uses_fin(rng, ctx) else None
    if fin_state is None:
        human_flow(ctx)
    if ctx.pii and ctx.pii_later:  # the customer never wrote again: keep it in the first message
        ctx.body += p(f"P.S. {ctx.pii}")
    return assemble(ctx, conversation_id, fin_state)


def near_duplicate(rng: random.Random, ids: Ids, original: Json, customer: Customer) -> Json:
    """The same opening message again from the same customer, within two minutes."""
    created = min(original["created_at"] + rng.randint(30, 110), WINDOW_END)
    spec = Spec(created, 1 if created > WINDOW_END - 7 * DAY else 0, "near", None, None)
    ctx = Context(
        rng,
        ids,
        Deck(rng),
        spec,
        customer,
        original["source"]["type"],
        "neutral",
        {},
        body=original["source"]["body"],
        t=created,
    )
    admin = choose_admin(rng, customer.language)
    ctx.t += admin_delay(rng, ctx.t, 20)
    ctx.add("assignment", admin_author(admin), None, assigned_to=admin)
    ctx.add("comment", admin_author(admin), p(NEAR_DUPLICATE_REPLY), rng.randint(10, 90))
    ctx.add("close", admin_author(admin), None, rng.randint(3, 30))
    conversation = assemble(ctx, str(int(original["id"]) + 1), None)
    conversation["source"]["subject"] = original["source"]["subject"]
    conversation["conversation_rating"] = None
    conversation["tags"]["tags"] = [{"type": "tag", "id": TAGS["Duplicate"], "name": "Duplicate"}]
    return conversation


# --------------------------------------------------------------------------- main


def generate(
    seed: int = SEED, week_counts: tuple[int, int] = WEEK_COUNTS, customers: int = CUSTOMERS
) -> Json:
    """The two weeks' `conversation.list`; other counts make larger data sets (benchmarks)."""
    rng = random.Random(seed)
    ids, deck = Ids(rng), Deck(rng)
    people = english_customers(rng, customers)
    foreign = foreign_customers(rng)
    weeks = week_specs(rng, 0, week_counts[0]) + week_specs(rng, 1, week_counts[1])
    specs = sorted(weeks, key=lambda s: s.created_at)
    conversations: list[Json] = []
    owners: dict[str, Customer] = {}
    for spec in specs:
        if spec.kind == "foreign":
            customer = foreign[spec.language].pop(0)
        else:
            customer = pick_customer(rng, people)
        conversation = build(rng, ids, deck, spec, customer)
        owners[conversation["id"]] = customer
        conversations.append(conversation)
    conversations = add_near_duplicates(rng, ids, conversations, owners)
    return {"type": "conversation.list", "conversations": add_exact_duplicates(rng, conversations)}


def pick_customer(rng: random.Random, people: list[Customer]) -> Customer:
    return people[rng.randrange(len(people))]


def add_near_duplicates(
    rng: random.Random, ids: Ids, conversations: list[Json], owners: dict[str, Customer]
) -> list[Json]:
    candidates = [
        c
        for c in conversations
        if c["custom_attributes"]["language"] == "en"
        and c["source"]["type"] != "twitter"
        and "&lt;" not in c["source"]["body"]
        and c["created_at"] + 120 < WINDOW_END
    ]
    originals = rng.sample(candidates, NEAR_DUPLICATES)
    extra = [near_duplicate(rng, ids, c, owners[c["id"]]) for c in originals]
    return sorted(conversations + extra, key=lambda c: (c["created_at"], int(c["id"])))


def add_exact_duplicates(rng: random.Random, conversations: list[Json]) -> list[Json]:
    """Repeat some conversations a few positions later, as an overlapping page would."""
    chosen = sorted(rng.sample(range(len(conversations)), EXACT_DUPLICATES), reverse=True)
    result = list(conversations)
    for index in chosen:
        copy = json.loads(json.dumps(conversations[index]))
        result.insert(min(len(result), index + 1 + rng.randint(0, 20)), copy)
    return result


def main() -> None:
    data = generate()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    entries = data["conversations"]
    distinct = len({c["id"] for c in entries})
    print(f"wrote {len(entries)} conversations ({distinct} distinct ids) to {OUT}")


if __name__ == "__main__":
    main()
