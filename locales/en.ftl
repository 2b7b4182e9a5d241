# English: the messages of the donor pages and donor emails (src/i18n). Every other file in
# this folder has every message of this one (a test checks it). Values ({ $name }) are filled in
# by the code; a message's own markup (<strong>, <a>) is kept in HTML and dropped in plain text.

## The language, as it names itself (the language switcher)

language-name = English

## Numbers, amounts and dates (CLDR en)

number-decimal-separator = .
number-group-separator = ,
# The integer part is grouped from 3 + this many digits on: 1 groups 1,234.
number-minimum-grouping-digits = 1
money-with-symbol = { $sign }{ $symbol }{ $amount }
money-with-code = { $sign }{ $amount } { $code }
month-name = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
date-long = { $month } { $day }, { $year }

## Shared by pages and emails

language-switcher = Language
# What a donation page (near its button) and its receipts say about deductibility, by the tax
# status of the campaign's organization. $org: its name. A 501(c)(3) with an EIN:
org-deductible = { $org } is a tax-exempt organization under Section 501(c)(3) of the Internal Revenue Code; gifts are tax-deductible to the extent allowed by law.
# A 501(c)(4) or other organization (pages and receipts):
org-not-deductible = Contributions to { $org } are not tax deductible as charitable contributions for federal income tax purposes.
# A gift's dedication as a line of its own. $kind: honor or memory.
tribute-line = { $kind ->
    [memory] In memory of { $honoree }
   *[honor] In honor of { $honoree }
}
# How a gift is paid. $paid_with: card or us_bank_account.
payment-method = { $paid_with ->
    [us_bank_account] Bank account (ACH)
   *[card] Card
}
# $frequency: one_time, monthly or annual.
frequency-choice = { $frequency ->
    [monthly] Monthly
    [annual] Annual
   *[one_time] One time
}

## The donation page (/donate/{campaign})

donate-title = Donate to { $campaign }
donate-progress = Progress
donate-progress-label = { $percent }% of the goal raised
donate-raised = <strong>{ $raised }</strong> raised
donate-of-goal = <strong>{ $percent }%</strong> of { $goal }
# $donors is the count (for the plural), $donors_shown the same written with separators.
donate-donors = <strong>{ $donors_shown }</strong> { $donors ->
    [one] donor
   *[other] donors
}
donate-canceled = Your checkout was canceled; nothing was charged. You can try again below.
donate-errors = Please correct the { $error_count ->
    [one] field
   *[other] { $error_count } fields
} marked below.
donate-amount = Amount
donate-amount-other = Other
donate-amount-other-label = Other amount ({ $currency })
donate-frequency = How often
# A membership campaign's dues, above the amounts.
donate-dues = Membership dues: at least { $dues_annual } a year, or { $dues_monthly } a month. Your gift makes you a member for the year or month it pays.
# Where a campaign takes US bank debits: the choice of card or bank account (payment-method).
donate-pay-by = Pay by
# $bank_fee_percent is the bank debit fee's percent; $bank_fee_cap its cap, when $has_cap.
donate-bank-hint = A US bank account costs the nonprofit less ({ $bank_fee_percent }%{ $has_cap ->
    [yes] , at most { $bank_fee_cap }
   *[no] {""}
}); the bank confirms the payment in a few business days.
# Keep <span id="fee-amount">{ $fee }</span> as it is: the page's script updates the amount in it.
donate-cover-fee = Cover the fee (+<span id="fee-amount">{ $fee }</span>) so the nonprofit gets the full gift
donate-details = Your details
donate-name = Name
donate-email = Email
donate-anonymous = Give anonymously (your name is not shown on the donor wall)
donate-dedicate = Dedicate this gift (optional)
donate-dedicate-none = No dedication
donate-dedicate-honor = In honor of
donate-dedicate-memory = In memory of
donate-honoree = Honoree's name
donate-notify-email = Notify by email (optional)
donate-notify-email-hint = We can let someone know about this gift; the amount is not shared unless you tick the box below.
donate-show-amount = Tell them the amount of my gift
donate-message = Message (optional)
# A field hidden from people (only bots fill it in); screen readers skip it too.
donate-honeypot = Leave this field empty
donate-comment = Comment (optional)
donate-submit = Continue to payment
donate-sandbox = Sandbox: no money moves.
donate-closed = This campaign is not accepting gifts now.
wall-heading = Donor wall
wall-empty = Be the first to give.
wall-anonymous = Anonymous
wall-gave = <strong>{ $name }</strong> gave { $amount }
wall-name = <strong>{ $name }</strong>
wall-frequency = { $frequency ->
    [monthly] monthly
    [annual] yearly
   *[one_time] one time
}

## The forms' errors, each beside its field. $field names the field (the donation form's
## amount, frequency, payment_method, donor-name, donor-email, tribute-kind, tribute-honoree,
## tribute-notify_email, tribute-message, comment, other; a supporter's page form's page-name,
## page-email, page-goal, page-title, page-story, page-slug; an address asked for links, email)
## and $label is field-label for it.

field-label = { $field ->
    [amount] Amount
    [frequency] Frequency
    [payment_method] Payment method
    [donor-name] Name
    [donor-email] Email
    [tribute-kind] Dedication
    [tribute-honoree] Honoree's name
    [tribute-notify_email] Notification email
    [tribute-message] Message
    [comment] Comment
    [email] This email address
    [page-name] Your name
    [page-email] Your email
    [page-goal] Your goal
    [page-title] The title
    [page-story] Your story
    [page-slug] The page address
   *[other] This field
}
field-error-not_a_number = { $label } must be a number such as 50 or 50.00
field-error-not_positive = { $label } must be a positive amount
field-error-too_many_decimals = { $label } has more than { $max } decimal places
field-error-above_maximum = { $label } must be at most { $max }
field-error-below_minimum = { $label } must be at least { $min }
# A membership campaign's least gift: $least (a month, for a monthly gift) of dues of
# $annual a year.
field-error-below_dues = { $label } must be at least { $least }: membership dues are { $annual } a year
field-error-below_dues_monthly = { $label } must be at least { $least } a month: membership dues are { $annual } a year
field-error-invalid_payment_method = { $label } must be card or us_bank_account
field-error-payment_method_not_offered = { $label } is not offered by this campaign (it takes card)
field-error-fee_not_computable = { $label } is too large to calculate a processing fee for
field-error-unsupported_currency = This campaign's currency is not supported.
field-error-invalid_frequency = { $label } must be one time, monthly or annual
field-error-invalid_tribute_kind = { $label } must be in honor or in memory
field-error-required = { $label } { $field ->
    [tribute-honoree] is required with a tribute
   *[other] must not be empty
}
field-error-too_long = { $label } must be at most { $max } characters
field-error-control_characters = { $label } must not contain control characters
field-error-invalid_slug = { $label } must contain only lowercase letters, digits and single hyphens
field-error-invalid_email = { $label } is not a valid email address
field-error-campaign_closed = This campaign is not accepting gifts now (not found).
field-error-gateway_failed = The payment provider did not answer; nothing was charged. Please try again.
field-error-form_resent = This form was already sent with other details. Please check them and continue again.
# A supporter's page: its name is shown publicly.
field-error-name_is_contact = { $label } must be a name (the page is public), not an email address or phone number
field-error-not_one_line = { $label } must be on one line
field-error-slug_taken = { $label } is taken by another page of this campaign; choose another
field-error-slug_not_made = { $label } could not be made from the name; choose one
# A gift on a supporter's page that stopped taking gifts since the form was shown.
field-error-fundraiser_not_open = This supporter's page is not taking gifts now.

## Supporters' pages (/donate/{campaign}/f/{page}): the donation page with the supporter's
## header, and on the campaign's page its top supporters' pages. Values: $name (the supporter),
## $campaign, $campaign_url, and the page's progress ($raised, $goal, $percent, $donors,
## $donors_shown).

fundraiser-raising = { $name } is raising money for { $campaign }
fundraiser-by = A page by <strong id="page-owner">{ $name }</strong> for <a href="{ $campaign_url }">{ $campaign }</a>
fundraiser-goal-heading = { $name }'s goal
fundraiser-progress-label = { $percent }% of { $name }'s goal raised
# Keep the ids: page-raised and page-donors name the page's own figures.
fundraiser-raised = <strong id="page-raised">{ $raised }</strong> raised
fundraiser-donors = <strong id="page-donors">{ $donors_shown }</strong> { $donors ->
    [one] donor
   *[other] donors
}
fundraiser-share = Share this page
fundraiser-also-counts = Every gift here also counts toward { $campaign }:
fundraiser-list-heading = Supporters raising money
# After a page's title in the list.
fundraiser-list-by = by { $name }
fundraiser-list-figures = { $raised } of { $goal } · { $donors_shown } { $donors ->
    [one] donor
   *[other] donors
}
fundraiser-start = Start your own page to raise money for this campaign

## Starting a supporter's page (/donate/{campaign}/fundraise). Values: $campaign, $org,
## $currency, $slug (the campaign's), $error_count, $minutes.

fundraiser-signup-title = Start a page for { $campaign }
fundraiser-signup-heading = Raise money for { $campaign }
fundraiser-signup-sent = Thank you! We have emailed you a private link to confirm your address and manage your page. It should arrive within a few minutes; please check your spam folder too.
# After fundraiser-signup-sent and -intro, where staff approve each new page.
fundraiser-signup-review = { $org } looks at each new page before it goes public.
fundraiser-signup-intro = Ask your friends, family and followers to give: your page has your name, your words and your own goal, and every gift made on it counts toward your goal and toward { $campaign }. No password: we email you a private link to manage it.
fundraiser-signup-name = Your name (shown on the page)
fundraiser-signup-email = Your email (never shown; your page's link is sent here)
fundraiser-signup-goal = Your goal ({ $currency })
fundraiser-signup-title-label = Title (optional)
fundraiser-signup-title-hint = Such as "Ana runs the Chicago marathon for our neighbors". Without one, the page says you are raising money for { $campaign }.
fundraiser-signup-story = Why you are raising money (optional; plain text, no pictures)
fundraiser-signup-slug = Page address (optional)
fundraiser-signup-slug-hint = The end of your page's address, /donate/{ $slug }/f/<em>your-page</em>: lowercase letters, digits and hyphens. Without one, it is made from your name.
fundraiser-signup-submit = Start my page
fundraiser-signup-lost = Lost the link to a page you started?

## A supporter's own page about their page, by its emailed link (/fundraisers/manage/{token}).
## Values: $campaign, $org, $standing (unconfirmed, awaiting_review, public, hidden),
## $currency, $error_count, and the page's progress as above.

fundraiser-owner-title = Your page
fundraiser-owner-title-bad-link = This link does not work
fundraiser-owner-sandbox = Sandbox: no money moves; emails are written to the server's mail folder.
fundraiser-owner-invalid = This link is not valid: it may have been copied incompletely or altered. Please open the link in your most recent email about your page, or ask for a new one below.
fundraiser-owner-expired = This link has expired, so nothing can be changed through it. Ask for a new one below: we email it to the address you started your page with.
fundraiser-owner-heading = Your page for { $campaign }
fundraiser-owner-saved = Your page is saved.
fundraiser-owner-confirmed = Thank you: your address is confirmed.
fundraiser-owner-standing-heading = Where your page stands
fundraiser-owner-standing = { $standing ->
    [unconfirmed] Your page is not public yet: please confirm that this address is yours.
    [awaiting_review] Your address is confirmed. { $org } looks at each new page before it goes public; we will email you when yours does.
    [public] Your page is public. Share its address with your friends, family and followers.
   *[hidden] { $org } has taken your page down: it is not public, and takes no gifts. Gifts already made on it still count.
}
fundraiser-owner-confirm = Confirm my address
fundraiser-owner-share = Your page's address
fundraiser-owner-open = Open your page
fundraiser-owner-edit-heading = Change your page
fundraiser-owner-errors = Please correct the { $error_count ->
    [one] field
   *[other] { $error_count } fields
} marked below; nothing was saved.
fundraiser-owner-save = Save my page

## Fresh links for a supporter's pages (/fundraisers/manage)

fundraiser-links-title = Manage your fundraising page
fundraiser-links-sent = If that address started a page with us, we have emailed it a private link to manage each of its pages. It should arrive within a few minutes; please check your spam folder too.
fundraiser-links-intro = To change a page you started to raise money, enter the email address you started it with. We will email that address a private link for each of your pages.

## The thank-you page (/donate/{campaign}/thanks)

thanks-title = Thank you
thanks-heading = Thank you for supporting { $campaign }
thanks-gift-heading = Your gift
thanks-gift-line = Your gift of <strong>{ $amount }</strong> { $frequency ->
    [monthly] every month
    [annual] every year
   *[one_time] (one time)
}{ $fee_covered ->
    [yes] , plus <strong>{ $fee }</strong> to cover the fee (<strong>{ $total }</strong> in all)
   *[no] {""}
}.
# $paid_with: card, us_bank_account, or nothing (an offline gift: card is said).
thanks-manage-hint = Each receipt email has a private link to change the { $paid_with ->
    [us_bank_account] bank account
   *[card] card
} or amount of this gift, or cancel it. Lost it? <a href="{ $ask_url }">Get a new link by email</a>.
thanks-dues = This gift pays your membership dues.
thanks-paid-with = Paid by { $paid_with ->
    [us_bank_account] bank account (ACH)
   *[card] card
}.
# A bank debit not confirmed yet (instead of gift-status-*).
thanks-bank-processing = Your bank payment is processing: banks take a few business days to confirm it. We will email your receipt once it clears; nothing more is needed from you.
thanks-no-gift = Your support means a lot.
thanks-back = Back to the campaign
gift-status-succeeded = Received — thank you! A receipt is on its way.
gift-status-active = Received — your recurring gift is active. A receipt is on its way.
gift-status-pending = Processing: we are confirming your payment. This page shows the result once it arrives.
gift-status-failed = The payment failed; nothing was charged.
gift-status-abandoned = This checkout was not completed; nothing was charged.
gift-status-refunded = This gift was refunded.
gift-status-canceled = This recurring gift is canceled.
gift-status-other = Status: { $status }

## The self-service page of a recurring gift (/manage/{token})

manage-sandbox = Sandbox: no money moves, and no real plan is changed.
manage-heading-gift = Your gift
manage-heading-recurring = Your recurring gift
manage-heading-running = Manage your recurring gift
manage-one-time = This was a one-time gift, so there is no recurring plan to manage. Thank you!
manage-not-started = This plan has not started through online payment, so there is nothing to change here yet.
manage-ended = This recurring gift is canceled. No further payments will be taken.
manage-portal-hint-sandbox = Opens the sandbox's stand-in for Stripe's billing portal.
manage-portal-hint = Opens Stripe's secure billing page, where you can change the card or the amount. It brings you back here when you are done.
manage-invalid-heading = This link is not valid
manage-invalid = This link is not valid: it may have been copied incompletely or altered. Please open the link in your most recent receipt email, or ask for a new link below.
manage-expired-heading = This link has expired
manage-expired = This link has expired, so nothing can be changed through it. Each receipt for your recurring gift carries a fresh link: please use the one in your most recent receipt, or ask for a new link below.
manage-no-plan-heading = Nothing to change
manage-no-plan = There is no active recurring plan on this gift to change; nothing was done.
manage-try-again-heading = Please try again
manage-gateway-failed = We could not reach our payment provider, so nothing was changed. Please try again in a few minutes.
manage-store-failed = Something went wrong on our side, so nothing was changed. Please try again in a few minutes.
manage-canceled-now = Your recurring gift is canceled. No further payments will be taken, and we will confirm this by email. Thank you for your support.
manage-canceled-heading = Your recurring gift is canceled
manage-canceled-already = This recurring gift was already canceled; nothing more needed doing.
manage-campaign = Campaign
manage-amount = Amount
manage-status = Status
manage-started = Started
manage-ended-on = Canceled on
manage-update = Update card or amount
manage-cancel = Cancel
manage-cancel-summary = Cancel this recurring gift…
# $amount is the plan's amount with its period ("$25.00 per month").
manage-cancel-explained = Canceling stops every future payment of { $amount } at once. Gifts already made are not refunded, and a canceled plan cannot be restarted (you can always start a new gift).
manage-cancel-confirm = Yes, cancel my recurring gift
manage-ask-again = Email me a new link
manage-visit-campaign = Visit the campaign
plan-status-active = Active
plan-status-past-due = Active, but the last payment did not go through; it will be tried again. Updating your card can help.
plan-status-canceled = Canceled: no further payments will be taken
plan-status-waiting = Waiting for the first payment
plan-status-expired = Ended: the first payment was never completed
plan-status-paused = Paused
plan-status-received = Received
plan-status-other = Status: { $status }
plan-amount = { $amount }{ $frequency ->
    [monthly] {" "}per month
    [annual] {" "}per year
   *[one_time] {""}
}
plan-fee-note = your gift of { $gift } plus { $fee } to cover the processing fee

## "Manage my gift": fresh links by email (/manage)

manage-request-title = Manage your recurring gift
manage-request-sandbox = Sandbox: emails are written to the server's mail folder, not sent.
manage-request-sent = If that address has a recurring gift with us, we have emailed it a private link to manage each one. It should arrive within a few minutes; please check your spam folder too.
manage-request-intro = To change the card or amount of a monthly or annual gift, or to cancel it, enter the email address you gave with your gift. We will email that address a private link for each of your recurring gifts.
manage-request-email = Email address
manage-request-submit = Email me a link
manage-request-rate-limited = Too many requests from your network. Please try again in { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}.

## Donor emails. Values: $org, $donor_name (with $named: yes or no), $campaign (with
## $has_campaign), $date, $gift, $fee, $total, $frequency (one_time, monthly, annual),
## $recurring, $tribute_kind (honor, memory), $honoree, $anonymous, $receipt_no, $manage_url,
## $manage_until, $ask_url, $failure, $method (check, cash, other), $paid_with (card,
## us_bank_account, or nothing for an offline gift), $dues (the gift pays membership dues),
## $refund_amount,
## $refund_date, $remaining, $refunded_all, $refund_outcome (failed, canceled), $has_ein
## (the organization names its EIN: it is a 501(c)(3) and says so).

mail-dear = { $named ->
    [yes] Dear { $donor_name },
   *[no] Dear friend,
}
mail-hello = Hello,
# "your monthly gift"
gift-adjective = { $frequency ->
    [monthly] monthly
    [annual] annual
   *[one_time] one-time
}
gift-kind = { $frequency ->
    [monthly] Monthly gift
    [annual] Annual gift
   *[one_time] One-time gift
}
# " for Policy Fund 2026", or nothing.
for-campaign = { $has_campaign ->
    [yes] {" "}for { $campaign }
   *[no] {""}
}
offline-method = { $method ->
    [check] check
    [cash] cash
   *[other] other
}

## Receipt

receipt-subject = Your receipt for your { $dues ->
    [yes] membership dues
   *[no] gift
} to { $org }
receipt-thanks = Thank you for your { gift-adjective } { $dues ->
    [yes] membership dues
   *[no] gift
} to <strong>{ $org }</strong>{ for-campaign }. This email is your receipt.
receipt-number = Receipt number
receipt-date = Date
receipt-gift = { $dues ->
    [yes] Membership dues
   *[no] Gift
}
receipt-fee = Processing fees you covered
receipt-total = Total charged
receipt-frequency = Frequency
receipt-paid-by = Paid by
receipt-dedication = Dedication
receipt-anonymous = You asked to give anonymously: your name is not shown publicly with this gift.
# The legal sentences: the first always; the rest only with an EIN (a 501(c)(3)).
receipt-legal = No goods or services were provided in exchange for this contribution.{ $has_ein ->
    [yes] {" "}{ $org } is a tax-exempt organization under Section 501(c)(3) of the Internal Revenue Code; your { $dues ->
        [yes] dues are
       *[no] gift is
    } tax-deductible to the extent allowed by law. Please keep this receipt for your records.
   *[no] {""}
}
# Instead of receipt-legal, for dues of a campaign that says they are not deductible.
receipt-dues-not-deductible = Membership dues to { $org } are not tax-deductible as a charitable contribution. Please keep this receipt for your records.
receipt-manage = To cancel your { gift-adjective } { $dues ->
    [yes] dues
   *[no] gift
}, or to change its { $paid_with ->
    [us_bank_account] bank account
   *[card] card
} or amount, use <a href="{ $manage_url }">this private link</a> (valid until { $manage_until }). After that, <a href="{ $ask_url }">ask for a new link</a>.
    .text-intro = To cancel your { gift-adjective } { $dues ->
        [yes] dues
       *[no] gift
    }, or to change its { $paid_with ->
        [us_bank_account] bank account
       *[card] card
    } or amount, use this private link (valid until { $manage_until }):
    .text-after = After that, ask for a new link at { $ask_url }

## Tribute notification (to the person a gift honors)

tribute-subject = A gift to { $org } { $tribute_kind ->
    [memory] in memory of { $honoree }
   *[honor] in honor of { $honoree }
}
tribute-made = { $anonymous ->
    [yes] Someone who asked to remain anonymous
   *[no] { $named ->
        [yes] { $donor_name }
       *[no] A friend
    }
} made a gift to <strong>{ $org }</strong>{ for-campaign } { $tribute_kind ->
    [memory] in memory of { $honoree }
   *[honor] in honor of { $honoree }
}.
tribute-amount = The gift was { $gift }{ $frequency ->
    [monthly] {" "}each month
    [annual] {" "}each year
   *[one_time] {""}
}.
tribute-their-message = Their message:
tribute-grateful = We are grateful, and wanted you to know.

## A failed installment

failed-subject = Your { gift-adjective } gift to { $org } did not go through
failed-intro = Your { gift-adjective } gift of <strong>{ $total }</strong> to { $org } did not go through on { $date }.
failed-reason = What happened: { $failure }
failed-update = { $paid_with ->
    [us_bank_account] This happens when the bank account has too little in it, or was closed or changed. The debit may be tried again in a few days; if the account has changed, you can
   *[card] This happens when a card expires or is replaced. Your bank will be asked again in a few days; if the card has changed, you can
} <a href="{ $manage_url }">update it here</a> (the link is valid until { $manage_until }).
    .text = { $paid_with ->
        [us_bank_account] This happens when the bank account has too little in it, or was closed or changed. The debit may be tried again in a few days; if the account has changed, you can
       *[card] This happens when a card expires or is replaced. Your bank will be asked again in a few days; if the card has changed, you can
    } update it here (valid until { $manage_until }):
failed-stop = If you would rather stop your gift, the same page lets you cancel it. Thank you for your support.

## A recurring gift that ended

canceled-subject = Your { gift-adjective } gift to { $org } has been canceled
canceled-intro = Your { gift-adjective } gift of <strong>{ $total }</strong> to { $org }{ for-campaign } has been canceled as of { $date }. No further payments will be taken.
canceled-thanks = Thank you for the support you gave. If you did not ask for this, or would like to give again, simply reply to this email.

## Refund notice, and its correction when the refund failed

refund-subject = Your refund from { $org }
refund-intro = { $org } has refunded <strong>{ $refund_amount }</strong> of your { gift-adjective } gift{ for-campaign }. The money goes back to the card or account you paid with; your bank may take 5 to 10 business days to show it.
refund-amount = Refund
refund-date = Refunded on
refund-gift = The gift
refund-gift-paid = { $total } paid on { $date }
refund-receipt-number = receipt number { $receipt_no }
refund-meaning = What this means for your receipt: { $refunded_all ->
    [yes] this gift has been refunded in full, so it is no longer a contribution.{ $has_ein ->
        [yes] {" "}Please do not claim it as a tax deduction.
       *[no] {""}
    }
   *[no] { $has_ein ->
        [yes] the tax-deductible amount of this gift is now reduced to <strong>{ $remaining }</strong>
       *[no] your contribution for this gift is now <strong>{ $remaining }</strong>
    } (not the { $total } on the receipt). Please keep this email with that receipt.
}
refund-unexpected = If you did not expect this refund, simply reply to this email.
refund-failed-subject = Your refund from { $org } did not go through
refund-failed-intro = We wrote to you that { $refund_amount } of your { gift-adjective } gift to { $org }{ for-campaign } was refunded on { $refund_date }. That refund <strong>{ $refund_outcome ->
    [canceled] was canceled
   *[failed] failed
}</strong>: the money did not reach you and stays with { $org } as part of your gift.
refund-failed-meaning = What this means for your receipt: { $has_ein ->
    [yes] the tax-deductible amount of this gift is <strong>{ $remaining }</strong>
   *[no] your contribution for this gift is <strong>{ $remaining }</strong>
}, not what our refund email said.
refund-failed-still = If you still want the money back (for example, the card it was paid with is closed), please reply to this email and we will return it another way.

## Fresh links to manage recurring gifts ("manage my gift")

manage-links-subject = Your links to manage your gifts to { $org }
manage-links-intro = You asked for new links to manage your recurring gifts to { $org }.{ $has_gifts ->
    [yes] {" "}Each link below opens a private page where you can cancel that gift, or change its card or amount.
   *[no] {" "}We found no recurring gift of yours that is still active, so there is nothing to manage: no further payments will be taken.
}
# Each gift: "Monthly gift for Policy Fund 2026: $25.00 a month, since March 3, 2026".
manage-links-gift = { $frequency ->
    [annual] Annual gift
   *[monthly] Monthly gift
}{ for-campaign }
manage-links-amount = { $amount } { $frequency ->
    [annual] a year
   *[monthly] a month
}
manage-links-since = since { $started }
manage-links-link = Manage this gift
manage-links-valid = valid until { $until }
manage-links-forward = Anyone with one of these links can use it, so please do not forward this email.
manage-links-ignore = If you did not ask for this, you can ignore this email: nothing changes unless a link is used.

## Emails to a supporter about their pages: the welcome of a new page (its link to confirm
## and manage it), the news that staff approved it, and fresh links asked for. Values: $org,
## $donor_name (the supporter, with $named), $campaign, $ask_url; each page's $title, $campaign,
## $share_url, $manage_url, $manage_until (and $until, the same), $standing (unconfirmed,
## awaiting_review, public, hidden), $needs_review (yes or no).

fundraiser-welcome-subject = Confirm your page for { $campaign }
fundraiser-welcome-thanks = Thank you for starting a page to raise money for { $campaign }.
fundraiser-welcome-confirm = To confirm that this address is yours, open your page's private link: <a href="{ $manage_url }">Confirm and manage my page</a>. The link also lets you change your page's words and goal. It works until { $manage_until }; if you lose it, ask for a new one at <a href="{ $ask_url }">{ $ask_url }</a>.
    .text-intro = To confirm that this address is yours, open your page's private link:
    .text-after = The link also lets you change your page's words and goal. It works until { $manage_until }; if you lose it, ask for a new one at { $ask_url }.
fundraiser-welcome-next = { $needs_review ->
    [yes] { $org } looks at each new page before it goes public; we will email you when yours does.
   *[no] Your page goes public as soon as you confirm.
} Then share its address with your friends:
fundraiser-welcome-forward = Anyone with the private link can change your page, so please do not forward this email. If you did not start a page, ignore it: nothing is published unless the link is used.
fundraiser-approved-subject = Your page for { $campaign } is live
fundraiser-approved-intro = Your page to raise money for { $campaign } is now public. Share its address with your friends, family and followers:
fundraiser-approved-manage = Every gift made on it counts toward your goal and toward { $campaign }. To change your page, use its private link: <a href="{ $manage_url }">Manage my page</a> (valid until { $manage_until }).
    .text = Every gift made on it counts toward your goal and toward { $campaign }. To change your page, use its private link:
fundraiser-approved-thanks = Thank you for asking others to give.
fundraiser-links-subject = Your links to manage your pages for { $org }
fundraiser-links-mail-intro = You asked for new links to manage your pages raising money for { $org }. Each link below opens a private page where you can change that page's words and goal.
# A page without a title, in the list.
fundraiser-links-untitled = Your page
fundraiser-links-manage = Manage this page
    .text = Manage it:
fundraiser-links-share = Share it:
fundraiser-links-standing = { $standing ->
    [unconfirmed] Not confirmed yet: open its link to confirm your address.
    [awaiting_review] Waiting for { $org } to look at it before it goes public.
    [hidden] Taken down by { $org }: it is not public.
   *[public] {""}
}
    .text = { $standing ->
        [unconfirmed] Not confirmed yet: open the link above to confirm your address.
        [awaiting_review] Waiting for { $org } to look at it before it goes public.
        [hidden] Taken down by { $org }: it is not public.
       *[public] {""}
    }
fundraiser-links-forward = Anyone with one of these links can change your page, so please do not forward this email. If you did not ask for this, you can ignore it: nothing changes unless a link is used.

## Annual giving statement

statement-subject = Your { $year } giving statement from { $org }
statement-intro = Thank you for your support of <strong>{ $org }</strong> in { $year }. This is your giving statement for the year.
statement-date = Date
statement-gift = Gift
statement-charged = Charged
statement-returned = Refunded or disputed
statement-net = Net
# $kind: one_time, monthly, annual, or an offline gift's check, cash, other, offline.
statement-gift-kind = { $kind ->
    [monthly] Monthly gift
    [annual] Annual gift
    [check] Gift by check
    [cash] Gift by cash
    [other] Gift by other
    [offline] Offline gift
   *[one_time] One-time gift
}
# After statement-gift-kind, for a gift that paid membership dues.
statement-dues = (membership dues)
# How a line's gift was paid ($paid_with): under it in HTML (payment-method), after it in text.
statement-paid-with = { $paid_with ->
    [us_bank_account] by bank account (ACH)
   *[card] by card
}
statement-split = gift { $gift } + covered fee { $fee }
statement-less-returned = less { $returned } refunded or disputed
statement-total = Total { $year } contributions, net of refunds and disputes
statement-legal = No goods or services were provided in exchange for these contributions.{ $has_ein ->
    [yes] {" "}{ $org } is a tax-exempt organization under Section 501(c)(3) of the Internal Revenue Code; your gifts are tax-deductible to the extent allowed by law.
   *[no] {""}
}

## The sandbox's stand-in for Stripe Checkout (no Stripe key: no money moves)

sandbox-title = Sandbox checkout
sandbox-banner = Sandbox: no money moves. Pay sends signed Stripe-format events to this server.
sandbox-gift = Gift of <strong>{ $amount }</strong>{ $frequency ->
    [monthly] {" "}every month
    [annual] {" "}every year
   *[one_time] {""}
} from { $email }, by { $paid_with ->
    [us_bank_account] bank account (ACH debit)
   *[card] card
}.
sandbox-pay = Pay
sandbox-cancel = Cancel
# A bank debit: first authorized, then the bank's answer days later.
sandbox-bank-account = Stripe would ask for the bank account here (Financial Connections or account and routing numbers) and the donor's authorization of the debit.
sandbox-authorize-debit = Authorize the debit
sandbox-debit-processing = The debit is authorized and processing: Stripe sent <code>checkout.session.completed</code> with <code>payment_status: unpaid</code>. A real bank answers in about 4 business days; the donor's <a href="{ $thanks_url }">thank-you page</a> says so meanwhile.
sandbox-bank-answer = Simulate the bank's answer:
sandbox-debit-clears = The debit clears
sandbox-debit-fails = The debit fails
sandbox-status = This checkout is { $status }.
