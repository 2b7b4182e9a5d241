//! `AllowanceStore`: one allowance per key, exact when many requests take from it at once.

use super::{Fresh, on_both_backends};

on_both_backends!(
    an_allowance_lets_a_burst_through_then_one_per_interval,
    concurrent_requests_take_exactly_the_burst,
);

async fn an_allowance_lets_a_burst_through_then_one_per_interval(s: Fresh) {
    let take = |now| s.take_allowance("ip:a", now, 1_000, 3);
    for _ in 0..3 {
        assert_eq!(take(0).await.unwrap(), None);
    }
    assert_eq!(
        take(0).await.unwrap(),
        Some(1_000),
        "spent: one more in a second"
    );
    assert_eq!(take(400).await.unwrap(), Some(600));
    assert_eq!(
        take(1_000).await.unwrap(),
        None,
        "one interval later, one more"
    );
    assert_eq!(take(1_000).await.unwrap(), Some(1_000));
    // Another key has its own allowance.
    assert_eq!(
        s.take_allowance("ip:b", 1_000, 1_000, 3).await.unwrap(),
        None
    );
    // An allowance whole again is forgotten; one still spent is kept.
    assert_eq!(s.sweep_allowances(3_500).await.unwrap(), 1, "ip:b is whole");
    assert_eq!(take(3_500).await.unwrap(), None);
    assert_eq!(s.sweep_allowances(100_000).await.unwrap(), 1);
}

async fn concurrent_requests_take_exactly_the_burst(s: Fresh) {
    let store = s.shared();
    let tries: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.take_allowance("email:x", 5_000, 60_000, 5).await })
        })
        .collect();
    let mut taken = 0;
    for t in tries {
        if t.await.unwrap().unwrap().is_none() {
            taken += 1;
        }
    }
    assert_eq!(taken, 5);
}
