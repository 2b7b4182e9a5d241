//! Gift scenarios shared by the order and storm tests: what happened to each gift, the Stripe
//! events it produces in order, and what the ledger must show, computed from the scenario alone
//! (not from the ledger code).

use super::{Vars, event, with};

#[derive(Debug, Clone)]
pub enum DisputeEnd {
    None,
    Won,
    Lost,
    /// An inquiry (`warning_needs_response`, then closed `warning_closed`): no funds move.
    Inquiry,
    /// A chargeback still open whose only event is its creation, the withdrawal in its balance
    /// transactions (no `funds_withdrawn` event).
    Open,
}

/// How a refund that does not stand is undone.
#[derive(Debug, Clone, Copy)]
pub enum Undo {
    /// `refund.updated` with status `failed`.
    Failed,
    /// `refund.updated` with status `canceled`.
    Canceled,
    /// `charge.updated` whose `amount_refunded` went down again.
    ChargeWentDown,
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
        /// A further refund (per-mille of the total) that is made pending, then undone.
        undone: Option<(u16, Undo)>,
        dispute: DisputeEnd,
    },
    Recurring {
        gift: i64,
        annual: bool,
        installments: u8,
        fail_first: bool,
        refund_of: Option<(u8, u16)>,
        /// The donor changes the plan's total (billing portal) after the first installment.
        new_total: Option<i64>,
        cancel: bool,
    },
}

/// Stripe's `balance_transaction` example object (webhooks/objects), as a dispute's withdrawal.
pub fn withdrawal(amount: i64, at: i64, tag: &str) -> serde_json::Value {
    let text = include_str!("../../../webhooks/objects/balance_transaction.json");
    let mut bt: serde_json::Value = serde_json::from_str(text).unwrap();
    bt["id"] = format!("txn_{tag}_dispute").into();
    bt["amount"] = (-amount).into();
    bt["net"] = (-amount - 1500).into();
    bt["fee"] = 1500.into();
    bt["created"] = at.into();
    bt["available_on"] = at.into();
    bt["type"] = "adjustment".into();
    bt["reporting_category"] = "dispute".into();
    bt["description"] = "Chargeback withdrawal".into();
    bt
}

/// `event` with its dispute's balance transactions set to `bts`.
pub fn with_balance_transactions(event: &str, bts: Vec<serde_json::Value>) -> String {
    let mut e: serde_json::Value = serde_json::from_str(event).unwrap();
    e["data"]["object"]["balance_transactions"] = bts.into();
    e.to_string()
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
            undone,
            dispute,
            ..
        } => {
            let total: i64 = v["TOTAL_MINOR"].parse().unwrap();
            let fee_vars = |fee: bool| -> Vec<(&'static str, String)> {
                if fee {
                    let f = total * 3 / 100 + 30;
                    vec![
                        ("FEE_MINOR", f.to_string()),
                        ("NET_MINOR", (total - f).to_string()),
                    ]
                } else {
                    vec![]
                }
            };
            if *fail_first {
                at("payment_intent.payment_failed", vec![]);
            }
            at("checkout.session.completed", vec![]);
            at("charge.succeeded", vec![]);
            if *fee {
                at("charge.updated", fee_vars(true));
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
            if let Some((pm, how)) = undone {
                let amount = (total * i64::from(*pm) / 1000).max(1);
                if refunded + amount <= total {
                    let rid = format!("re_{tag}_undone");
                    let pending = vec![
                        ("REFUND_ID", rid.clone()),
                        ("AMOUNT_MINOR", amount.to_string()),
                        ("REFUND_STATUS", "pending".to_string()),
                    ];
                    at("refund.created", pending.clone());
                    let mut charge = pending.clone();
                    charge.push(("AMOUNT_REFUNDED_MINOR", (refunded + amount).to_string()));
                    at("charge.refunded", charge);
                    match how {
                        Undo::Failed | Undo::Canceled => {
                            let status = if matches!(how, Undo::Failed) {
                                "failed"
                            } else {
                                "canceled"
                            };
                            at(
                                "refund.updated",
                                vec![
                                    ("REFUND_ID", rid),
                                    ("AMOUNT_MINOR", amount.to_string()),
                                    ("REFUND_STATUS", status.to_string()),
                                ],
                            );
                        }
                        Undo::ChargeWentDown => {
                            let mut down = fee_vars(*fee);
                            down.push(("AMOUNT_REFUNDED_MINOR", refunded.to_string()));
                            at("charge.updated", down);
                        }
                    }
                }
            }
            let disputed = (total - refunded).to_string();
            match dispute {
                // A charge refunded in full cannot be disputed.
                DisputeEnd::None => {}
                _ if refunded >= total => {}
                DisputeEnd::Inquiry => {
                    at(
                        "charge.dispute.created",
                        vec![
                            ("AMOUNT_MINOR", disputed.clone()),
                            ("DISPUTE_STATUS", "warning_needs_response".into()),
                        ],
                    );
                    at(
                        "charge.dispute.closed",
                        vec![
                            ("AMOUNT_MINOR", disputed),
                            ("DISPUTE_STATUS", "warning_closed".into()),
                        ],
                    );
                }
                DisputeEnd::Open => {
                    at(
                        "charge.dispute.created",
                        vec![("AMOUNT_MINOR", disputed.clone())],
                    );
                }
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
            new_total,
            cancel,
            ..
        } => {
            at("checkout.session.completed", vec![]);
            at("customer.subscription.created", vec![]);
            let mut current: i64 = v["TOTAL_MINOR"].parse().unwrap();
            for k in 1..=*installments {
                if k == 2
                    && let Some(t) = new_total
                {
                    // The donor changes the amount in the billing portal.
                    current = *t;
                    at(
                        "customer.subscription.updated",
                        vec![("TOTAL_MINOR", current.to_string())],
                    );
                }
                let invoice = format!("in_{tag}_{k}");
                let ids = vec![
                    ("INVOICE_ID", invoice.clone()),
                    ("PAYMENT_INTENT_ID", format!("pi_{invoice}")),
                    ("CHARGE_ID", format!("ch_{invoice}")),
                    ("TOTAL_MINOR", current.to_string()),
                    ("AMOUNT_MINOR", current.to_string()),
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
                    let amount = (current * i64::from(*pm) / 1000).max(1);
                    let mut r: Vec<_> = ids
                        .iter()
                        .filter(|(k, _)| *k != "AMOUNT_MINOR")
                        .cloned()
                        .collect();
                    r.push(("AMOUNT_MINOR", amount.to_string()));
                    r.push(("REFUND_ID", format!("re_{invoice}")));
                    at("refund.created", r);
                }
            }
            if *cancel {
                at(
                    "customer.subscription.deleted",
                    vec![("TOTAL_MINOR", current.to_string())],
                );
            }
        }
    }
    // An open chargeback's creation carries its withdrawal (and nothing else says so).
    if let GiftSpec::OneTime {
        dispute: DisputeEnd::Open,
        ..
    } = spec
    {
        for e in out.iter_mut() {
            let parsed: serde_json::Value = serde_json::from_str(e).unwrap();
            if parsed["type"] == "charge.dispute.created" {
                let amount = parsed["data"]["object"]["amount"].as_i64().unwrap();
                let at = parsed["created"].as_i64().unwrap();
                *e = with_balance_transactions(e, vec![withdrawal(amount, at, tag)]);
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
    expected_of(gifts, |_| true)
}

/// [`expected`] of the gifts whose index `keep` holds for (those made on one supporter's page):
/// the index of each gift still names its donor (`i % 2`).
pub fn expected_of(gifts: &[GiftSpec], keep: impl Fn(usize) -> bool) -> (i64, i64, i64, i64) {
    let (mut raised, mut count, mut active) = (0, 0, 0);
    let mut donors = std::collections::BTreeSet::new();
    for (i, g) in gifts.iter().enumerate().filter(|(i, _)| keep(*i)) {
        let e = expected_gift(g);
        raised += e.raised;
        count += e.gifts;
        active += e.recurring;
        if e.gifts > 0 {
            donors.insert(i % 2);
        }
    }
    (raised, count, donors.len() as i64, active)
}

/// The recurring figures the campaign should show: the gift value of active monthly plans and of
/// active annual plans, each at the plan's current total split as at checkout.
pub fn expected_recurring(gifts: &[GiftSpec]) -> (i64, i64) {
    expected_recurring_of(gifts, |_| true)
}

/// [`expected_recurring`] of the gifts whose index `keep` holds for.
pub fn expected_recurring_of(gifts: &[GiftSpec], keep: impl Fn(usize) -> bool) -> (i64, i64) {
    let (mut monthly, mut annual) = (0, 0);
    for (_, g) in gifts.iter().enumerate().filter(|(i, _)| keep(*i)) {
        if let GiftSpec::Recurring {
            gift,
            annual: is_annual,
            new_total,
            installments,
            cancel: false,
            ..
        } = g
        {
            let total = total_for(*gift);
            let current = match new_total {
                Some(t) if *installments >= 2 => *t,
                _ => total,
            };
            let value = half_up_share(current, *gift, total);
            if *is_annual {
                annual += value;
            } else {
                monthly += value;
            }
        }
    }
    (monthly, annual)
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

/// What a payment of `charged` counts for a gift of `gift` in a total of `total` once `off` of
/// it was taken back: its gift share (charged × gift / total, half up) less the gift share of
/// what came off (over the charge, half up); nothing once all of it came off.
fn counted(charged: i64, gift: i64, total: i64, off: i64) -> i64 {
    let share = half_up_share(charged, gift, total);
    if off >= charged {
        0
    } else {
        share - half_up_share(off, share, charged)
    }
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
            // A refund undone (failed, canceled, or taken off the charge's total again) gives
            // everything back: it is left out. An inquiry withdraws nothing.
            let withdrawn =
                matches!(dispute, DisputeEnd::Lost | DisputeEnd::Open) && refunded < total;
            let off = if withdrawn { total } else { refunded };
            let raised = counted(total, *gift, total, off);
            let status = if withdrawn {
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
            new_total,
            cancel,
            ..
        } => {
            let total = total_for(*gift);
            let (mut raised, mut gifts, mut refunded) = (0, 0, 0);
            for k in 1..=*installments {
                let charged = match new_total {
                    Some(t) if k >= 2 => *t,
                    _ => total,
                };
                let off = match refund_of {
                    Some((which, pm)) if *which == k => (charged * i64::from(*pm) / 1000).max(1),
                    _ => 0,
                };
                refunded += off;
                let c = counted(charged, *gift, total, off);
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
