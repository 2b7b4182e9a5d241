//! Gift scenarios shared by the order and storm tests: what happened to each gift, the Stripe
//! events it produces in order, and what the ledger must show, computed from the scenario alone
//! (not from the ledger code).

use super::{Vars, event, with};

#[derive(Debug, Clone)]
pub enum DisputeEnd {
    None,
    Won,
    Lost,
}

#[derive(Debug, Clone)]
pub enum GiftSpec {
    OneTime {
        gift: i64,
        fail_first: bool,
        fee: bool,
        /// Partial refunds as per-mille of the total; a full refund when `full`.
        refunds: Vec<u16>,
        full: bool,
        dispute: DisputeEnd,
    },
    Recurring {
        gift: i64,
        annual: bool,
        installments: u8,
        fail_first: bool,
        refund_of: Option<(u8, u16)>,
        cancel: bool,
    },
}

pub fn total_for(gift: i64) -> i64 {
    // A fee-covered total at 2.9% + 30¢, computed by the real rule.
    donations::domain::fees::cover(gift, &donations::domain::fees::FeeRate::stripe_standard())
        .map(|c| c.total_minor)
        .unwrap_or(gift)
}

/// The events of one gift, in the order they happened (increasing `CREATED`).
pub fn events_of(spec: &GiftSpec, v: &Vars, tag: &str, clock: &mut i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = |kind: &str, changes: Vec<(&str, String)>| {
        *clock += 10;
        let mut changes = changes;
        changes.push(("CREATED", clock.to_string()));
        out.push(event(kind, &with(v, &changes)));
    };
    match spec {
        GiftSpec::OneTime {
            fail_first,
            fee,
            refunds,
            full,
            dispute,
            ..
        } => {
            let total: i64 = v["TOTAL_MINOR"].parse().unwrap();
            if *fail_first {
                at("payment_intent.payment_failed", vec![]);
            }
            at("checkout.session.completed", vec![]);
            at("charge.succeeded", vec![]);
            if *fee {
                let fee = total * 3 / 100 + 30;
                at(
                    "charge.updated",
                    vec![
                        ("FEE_MINOR", fee.to_string()),
                        ("NET_MINOR", (total - fee).to_string()),
                    ],
                );
            }
            let mut refunded = 0;
            let mut amounts: Vec<i64> = refunds
                .iter()
                .map(|pm| (total * i64::from(*pm) / 1000).max(1))
                .collect();
            if *full {
                amounts.push(total - amounts.iter().sum::<i64>().min(total));
            }
            for (i, amount) in amounts.into_iter().enumerate() {
                if amount <= 0 || refunded + amount > total {
                    continue;
                }
                refunded += amount;
                let rid = format!("re_{tag}_{i}");
                at(
                    "refund.created",
                    vec![
                        ("REFUND_ID", rid.clone()),
                        ("AMOUNT_MINOR", amount.to_string()),
                        ("REFUND_STATUS", "pending".into()),
                    ],
                );
                at(
                    "refund.updated",
                    vec![
                        ("REFUND_ID", rid.clone()),
                        ("AMOUNT_MINOR", amount.to_string()),
                    ],
                );
                at(
                    "charge.refunded",
                    vec![
                        ("REFUND_ID", rid),
                        ("AMOUNT_MINOR", amount.to_string()),
                        ("AMOUNT_REFUNDED_MINOR", refunded.to_string()),
                    ],
                );
            }
            let disputed = (total - refunded).to_string();
            match dispute {
                DisputeEnd::None => {}
                DisputeEnd::Won | DisputeEnd::Lost => {
                    at(
                        "charge.dispute.created",
                        vec![("AMOUNT_MINOR", disputed.clone())],
                    );
                    at(
                        "charge.dispute.funds_withdrawn",
                        vec![("AMOUNT_MINOR", disputed.clone())],
                    );
                    if matches!(dispute, DisputeEnd::Won) {
                        at(
                            "charge.dispute.funds_reinstated",
                            vec![
                                ("AMOUNT_MINOR", disputed.clone()),
                                ("DISPUTE_STATUS", "won".into()),
                            ],
                        );
                        at(
                            "charge.dispute.closed",
                            vec![("AMOUNT_MINOR", disputed), ("DISPUTE_STATUS", "won".into())],
                        );
                    } else {
                        at(
                            "charge.dispute.closed",
                            vec![
                                ("AMOUNT_MINOR", disputed),
                                ("DISPUTE_STATUS", "lost".into()),
                            ],
                        );
                    }
                }
            }
        }
        GiftSpec::Recurring {
            installments,
            fail_first,
            refund_of,
            cancel,
            ..
        } => {
            at("checkout.session.completed", vec![]);
            at("customer.subscription.created", vec![]);
            for k in 1..=*installments {
                let invoice = format!("in_{tag}_{k}");
                let ids = vec![
                    ("INVOICE_ID", invoice.clone()),
                    ("PAYMENT_INTENT_ID", format!("pi_{invoice}")),
                    ("CHARGE_ID", format!("ch_{invoice}")),
                ];
                if k == 1 && *fail_first {
                    at("invoice.payment_failed", ids.clone());
                    at(
                        "customer.subscription.updated",
                        vec![("SUBSCRIPTION_STATUS", "past_due".into())],
                    );
                }
                at("invoice.paid", ids.clone());
                at("invoice_payment.paid", ids.clone());
                if k == 1 && *fail_first {
                    at(
                        "customer.subscription.updated",
                        vec![("SUBSCRIPTION_STATUS", "active".into())],
                    );
                }
                if let Some((which, pm)) = refund_of
                    && *which == k
                {
                    let total: i64 = v["TOTAL_MINOR"].parse().unwrap();
                    let amount = (total * i64::from(*pm) / 1000).max(1);
                    let mut r = ids.clone();
                    r.push(("AMOUNT_MINOR", amount.to_string()));
                    r.push(("REFUND_ID", format!("re_{invoice}")));
                    at("refund.created", r);
                }
            }
            if *cancel {
                at("customer.subscription.deleted", vec![]);
            }
        }
    }
    out
}

pub fn half_up_share(amount: i64, num: i64, den: i64) -> i64 {
    // (amount × num / den) rounded half up, in integers: an independent check of the rule.
    (2 * amount * num + den) / (2 * den)
}

/// What the campaign should show, computed from the scenario alone (not from the ledger code):
/// (raised, gifts, donors, recurring plans active).
pub fn expected(gifts: &[GiftSpec]) -> (i64, i64, i64, i64) {
    let (mut raised, mut count, mut active) = (0, 0, 0);
    let mut donors = std::collections::BTreeSet::new();
    for (i, g) in gifts.iter().enumerate() {
        let mut counted_here = 0;
        match g {
            GiftSpec::OneTime {
                gift,
                refunds,
                full,
                dispute,
                ..
            } => {
                let total = total_for(*gift);
                let mut refunded = 0;
                let mut amounts: Vec<i64> = refunds
                    .iter()
                    .map(|pm| (total * i64::from(*pm) / 1000).max(1))
                    .collect();
                if *full {
                    amounts.push(total - amounts.iter().sum::<i64>().min(total));
                }
                for a in amounts {
                    if a > 0 && refunded + a <= total {
                        refunded += a;
                    }
                }
                let off = match dispute {
                    DisputeEnd::Lost => total,
                    _ => refunded,
                };
                let c = if off >= total {
                    0
                } else {
                    gift - half_up_share(off, *gift, total)
                };
                raised += c;
                if c > 0 {
                    count += 1;
                    counted_here += 1;
                }
            }
            GiftSpec::Recurring {
                gift,
                installments,
                refund_of,
                cancel,
                ..
            } => {
                let total = total_for(*gift);
                for k in 1..=*installments {
                    let off = match refund_of {
                        Some((which, pm)) if *which == k => (total * i64::from(*pm) / 1000).max(1),
                        _ => 0,
                    };
                    let c = if off >= total {
                        0
                    } else {
                        gift - half_up_share(off, *gift, total)
                    };
                    raised += c;
                    if c > 0 {
                        count += 1;
                        counted_here += 1;
                    }
                }
                if !cancel {
                    active += 1;
                }
            }
        }
        if counted_here > 0 {
            donors.insert(i % 2);
        }
    }
    (raised, count, donors.len() as i64, active)
}

/// What one gift's donation must show once all its events are in, from the scenario alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftExpect {
    pub status: String,
    pub raised: i64,
    pub gifts: i64,
    pub recurring: i64,
    pub refunded: i64,
}

pub fn expected_gift(g: &GiftSpec) -> GiftExpect {
    match g {
        GiftSpec::OneTime {
            gift,
            refunds,
            full,
            dispute,
            ..
        } => {
            let total = total_for(*gift);
            let mut refunded = 0;
            let mut amounts: Vec<i64> = refunds
                .iter()
                .map(|pm| (total * i64::from(*pm) / 1000).max(1))
                .collect();
            if *full {
                amounts.push(total - amounts.iter().sum::<i64>().min(total));
            }
            for a in amounts {
                if a > 0 && refunded + a <= total {
                    refunded += a;
                }
            }
            let lost = matches!(dispute, DisputeEnd::Lost) && refunded < total;
            let off = if lost { total } else { refunded };
            let raised = if off >= total {
                0
            } else {
                gift - half_up_share(off, *gift, total)
            };
            let status = if lost {
                "disputed"
            } else if refunded >= total {
                "refunded"
            } else if refunded > 0 {
                "partially_refunded"
            } else {
                "succeeded"
            };
            GiftExpect {
                status: status.into(),
                raised,
                gifts: i64::from(raised > 0),
                recurring: 0,
                refunded,
            }
        }
        GiftSpec::Recurring {
            gift,
            installments,
            refund_of,
            cancel,
            ..
        } => {
            let total = total_for(*gift);
            let (mut raised, mut gifts, mut refunded) = (0, 0, 0);
            for k in 1..=*installments {
                let off = match refund_of {
                    Some((which, pm)) if *which == k => (total * i64::from(*pm) / 1000).max(1),
                    _ => 0,
                };
                refunded += off;
                let c = if off >= total {
                    0
                } else {
                    gift - half_up_share(off, *gift, total)
                };
                raised += c;
                gifts += i64::from(c > 0);
            }
            GiftExpect {
                status: if *cancel { "canceled" } else { "active" }.into(),
                raised,
                gifts,
                recurring: i64::from(!cancel),
                refunded,
            }
        }
    }
}
