//! A gift made on a supporter's page counts toward the page as it counts toward the campaign:
//! the same difference the recomputation adds to the campaign's figures is added to the page's,
//! in the same transaction, in the aggregate row the donation falls in; and the page's distinct
//! donors move by the same rule as the campaign's, decided under the donor's row on the page.
//!
//! A donation's page never changes after checkout, and every recomputation of a donation runs
//! under the donation's lock, so the page's figures are always the sum of what its donations
//! count now, whatever the order of events, as the campaign's are. Nothing here reads the page's
//! own record: its rows are updated by upserts, which their row locks serialize.

use crate::domain::contribution::donors_moved;
use crate::store::{Donation, LedgerTx, Progress, StoreResult};

/// Moves the figures of `d`'s page (if it was given on one) by `figures` (what the donation's
/// count changed by, donors aside) and its donors by the donor's count changing by
/// `donor_delta`.
pub(super) async fn count(
    tx: &mut dyn LedgerTx,
    d: &Donation,
    figures: &Progress,
    donor_delta: i64,
) -> StoreResult<()> {
    let Some(page) = &d.fundraiser_id else {
        return Ok(());
    };
    let mut delta = *figures;
    if donor_delta != 0 {
        let (was, now) = tx
            .add_fundraiser_donor_count(page, &d.donor_key, donor_delta)
            .await?;
        delta.donors = donors_moved(was, now);
    }
    if !delta.is_zero() {
        tx.add_fundraiser_progress(page, &d.id, &delta).await?;
    }
    Ok(())
}
