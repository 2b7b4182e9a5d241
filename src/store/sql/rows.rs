//! How each record is read from a row: a `sqlx::FromRow` impl per record, reading each field from
//! the column of its name, and the record's column list (`*_COLUMNS`), both made from one list of
//! names by [`columns!`], so that a `SELECT` of the list always fills the record. The order of a
//! list is the order in which `INSERT`s and upserts of the record bind its fields.
//!
//! The impls are here, at the store's edge, rather than derived on the records, so that the
//! records owe nothing to sqlx.

use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};

use crate::store::{
    Campaign, ChargeAwaitingFee, ChargeRecord, Dispute, Donation, Flag, Fundraiser, ListedDonation,
    ListedFlag, ListedFundraiser, Membership, OutboxMessage, Payment, Progress, Refund,
    StaffMember, StaffSession, StaffToken, UnparsedEvent, WebhookEvent,
};

/// `columns!(NAME => Record { field, .. })`: `const NAME` (the fields' names, comma-separated)
/// and `FromRow for Record`; without `NAME =>`, only the impl. A field written `field: Record`
/// is read whole from the same row, by that record's own impl; `field: text` is stored as text
/// and parsed into its domain type.
macro_rules! columns {
    (
        $(#[$doc:meta])* $columns:ident => $record:ident {
            $first:ident $(: $fw:ident)? $(, $field:ident $(: $w:ident)?)* $(,)?
        }
    ) => {
        $(#[$doc])*
        pub(super) const $columns: &str =
            concat!(stringify!($first) $(, ", ", stringify!($field))*);
        columns!($record { $first $(: $fw)? $(, $field $(: $w)?)* });
    };
    ($record:ident { $($field:ident $(: $whole:ident)?),* $(,)? }) => {
        impl<'r, R: Row> FromRow<'r, R> for $record
        where
            for<'a> &'a str: ColumnIndex<R>,
            i64: Decode<'r, R::Database> + Type<R::Database>,
            bool: Decode<'r, R::Database> + Type<R::Database>,
            String: Decode<'r, R::Database> + Type<R::Database>,
            Option<String>: Decode<'r, R::Database>,
        {
            fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
                Ok($record {
                    $($field: columns!(@read row, $field $(, $whole)?),)*
                })
            }
        }
    };
    (@read $row:ident, $field:ident) => {
        $row.try_get(stringify!($field))?
    };
    (@read $row:ident, $field:ident, text) => {
        parse_text($row.try_get::<String, _>(stringify!($field))?, stringify!($field))?
    };
    (@read $row:ident, $field:ident, opt_text) => {
        match $row.try_get::<Option<String>, _>(stringify!($field))? {
            Some(v) => Some(parse_text(v, stringify!($field))?),
            None => None,
        }
    };
    (@read $row:ident, $field:ident, $whole:ident) => {
        $whole::from_row($row)?
    };
}

/// A typed field stored as its text (`Source`, ...; `opt_text` when it may be NULL): a value
/// the domain does not know is a decoding error naming its column, not a silent default.
fn parse_text<T: std::str::FromStr<Err = String>>(
    v: String,
    column: &str,
) -> Result<T, sqlx::Error> {
    v.parse().map_err(|e: String| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: e.into(),
    })
}

columns!(CAMPAIGN_COLUMNS => Campaign {
    id, slug, name, description, currency, goal_minor, starts_at, ends_at, fee_percent,
    fee_fixed_minor, status, success_url, cancel_url, hide_amounts, min_gift_minor, created_at,
    updated_at, bank_debit, membership_dues_minor, dues_not_deductible, organization,
});

columns!(PROGRESS_COLUMNS => Progress {
    raised_minor, gifts, donors, recurring_active, recurring_monthly_gift_minor,
    recurring_annual_gift_minor,
});

columns!(TOKEN_COLUMNS => StaffToken {
    id, name, token_hash, created_at, revoked_at, member_id, organization,
});

columns!(MEMBER_COLUMNS => StaffMember {
    id, email, email_norm, name, role: text, created_at, invited_by, revoked_at, organization,
});

columns!(StaffSession {
    token_id,
    member_id,
    staff_name,
    role: text,
    csrf_token,
    expires_at,
    organization
});

columns!(DONATION_COLUMNS => Donation {
    id, campaign_id, source: text, frequency: text, currency, gift_minor, fee_minor, total_minor, donor_name,
    donor_email, donor_key, anonymous, tribute_kind, tribute_honoree, tribute_notify_email,
    tribute_message, comment, status, failure_reason, checkout_session_id, checkout_url,
    subscription_id, customer_id, plan_status, plan_status_at, plan_status_rank, cancel_at,
    canceled_at, counted_raised_minor, counted_gifts, counted_donor, counted_recurring,
    refunded_minor, disputed_minor, fee_actual_minor, offline_method, note, gift_date, voided_at,
    created_at, updated_at, tribute_show_amount, email_receipt, counted_recurring_gift_minor,
    plan_amount_minor, plan_amount_at, net_actual_minor, payment_method: opt_text,
    dues_minimum_minor, fundraiser_id, language,
});

columns!(MEMBERSHIP_COLUMNS => Membership {
    donor_key, email, name, since, paid_through, last_paid_at, payments, frequency: text,
    updated_at,
});

columns!(ListedDonation {
    campaign_slug,
    fundraiser_slug,
    donation: Donation
});

columns!(FUNDRAISER_COLUMNS => Fundraiser {
    id, campaign_id, slug, name, title, story, goal_minor, owner_email, owner_key, review: text,
    confirmed_at, reviewed_at, reviewed_by, created_at, updated_at, language,
});

columns!(ListedFundraiser {
    fundraiser: Fundraiser,
    progress: Progress
});

columns!(PAYMENT_COLUMNS => Payment {
    id, donation_id, subscription_id, payment_intent_id, kind, status, status_rank, amount_minor,
    currency, failure_reason, attempt_count, fee_actual_minor, paid_at, created_at, updated_at,
});

columns!(CHARGE_COLUMNS => ChargeRecord {
    id, payment_intent_id, amount_minor, amount_refunded_minor, currency, fee_actual_minor,
    updated_at, refunded_at, balance_transaction_id, net_actual_minor, settlement_currency,
});

columns!(ChargeAwaitingFee {
    charge: ChargeRecord,
    attempts
});

columns!(REFUND_COLUMNS => Refund {
    id, charge_id, payment_intent_id, amount_minor, currency, status, status_rank, created_at,
    updated_at, status_at, refund_created,
});

columns!(DISPUTE_COLUMNS => Dispute {
    id, charge_id, payment_intent_id, amount_minor, currency, status, withdrawn, reinstated,
    created_at, updated_at,
});

columns!(EVENT_COLUMNS => WebhookEvent {
    id, event_type, created, livemode, outcome, detail, payload, received_at, applied_at,
});

columns!(UnparsedEvent {
    event: WebhookEvent,
    attempts
});

columns!(FLAG_COLUMNS => Flag {
    id, flag_key, donation_id, event_id, kind, detail, created_at, resolved_at,
});

columns!(ListedFlag {
    campaign_slug,
    flag: Flag
});

columns!(OUTBOX_COLUMNS => OutboxMessage {
    id, message_key, kind, donation_id, payment_id, recipient, payload, status, attempts,
    next_attempt_at, locked_until, last_error, subject, created_at, sent_at,
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Each list is its names joined by ", " (what the SQL before them was), on one line.
    #[test]
    fn column_lists_are_the_names_joined_by_commas() {
        assert_eq!(
            TOKEN_COLUMNS,
            "id, name, token_hash, created_at, revoked_at, member_id, organization"
        );
        for columns in [CAMPAIGN_COLUMNS, DONATION_COLUMNS, OUTBOX_COLUMNS] {
            assert!(
                !columns.contains('\n') && !columns.contains(",,"),
                "{columns}"
            );
        }
        assert_eq!(DONATION_COLUMNS.split(", ").count(), 51);
        assert!(DONATION_COLUMNS.starts_with("id, campaign_id, source, frequency, currency"));
        assert!(
            DONATION_COLUMNS
                .ends_with("payment_method, dues_minimum_minor, fundraiser_id, language")
        );
    }
}
