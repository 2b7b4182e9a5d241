//! `StaffStore`'s staff accounts: people (one per address, whatever its case; a revoked one
//! reinstated), sign-in links spent once, sessions of a person or of a token with the role
//! they carry, and revocation ending sessions, tokens and links in one go.

use super::{Fresh, on_both_backends};
use crate::store::{
    LinkPurpose, NewMemberSession, NewMessage, NewSigninLink, NewStaffMember, StaffRole, StoreError,
};

on_both_backends!(
    people_are_one_per_address_and_reinstated_after_revocation,
    a_link_opens_one_session_and_revocation_ends_everything,
);

fn new<'a>(email: &'a str, norm: &'a str, role: StaffRole) -> NewStaffMember<'a> {
    NewStaffMember {
        email,
        email_norm: norm,
        name: "Rosa",
        role,
        invited_by: None,
        organization: "default",
    }
}

async fn people_are_one_per_address_and_reinstated_after_revocation(s: Fresh) {
    let rosa = s
        .create_staff_member(&new("Rosa@X.org", "rosa@x.org", StaffRole::Staff), 10)
        .await
        .unwrap();
    assert_eq!(
        (rosa.email.as_str(), rosa.role, rosa.created_at),
        ("Rosa@X.org", StaffRole::Staff, 10)
    );
    let twin = s
        .create_staff_member(&new("rosa@x.org", "rosa@x.org", StaffRole::Admin), 11)
        .await;
    assert!(matches!(twin, Err(StoreError::Conflict(_))), "{twin:?}");
    assert_eq!(
        s.staff_member_by_email("rosa@x.org").await.unwrap(),
        Some(rosa.clone())
    );
    assert_eq!(s.staff_member(rosa.id).await.unwrap(), Some(rosa.clone()));

    assert!(s.revoke_staff_member(rosa.id, 20).await.unwrap());
    assert!(!s.revoke_staff_member(rosa.id, 21).await.unwrap(), "once");
    let back = s
        .create_staff_member(&new("rosa@x.org", "rosa@x.org", StaffRole::Admin), 30)
        .await
        .unwrap();
    assert_eq!(
        (back.id, back.role, back.revoked_at),
        (rosa.id, StaffRole::Admin, None)
    );
    assert_eq!(s.staff_members().await.unwrap(), vec![back]);
}

async fn a_link_opens_one_session_and_revocation_ends_everything(s: Fresh) {
    let at = crate::store::now();
    let rosa = s
        .create_staff_member(&new("rosa@x.org", "rosa@x.org", StaffRole::Staff), at)
        .await
        .unwrap();
    let message = |key: &str| NewMessage {
        key: key.into(),
        kind: "staff_signin".into(),
        donation_id: None,
        payment_id: None,
        recipient: "rosa@x.org".into(),
        payload: Some(key.into()),
    };
    for (id, hash) in [("l1", "h1"), ("l2", "h2")] {
        let link = NewSigninLink {
            id,
            token_hash: hash,
            member_id: rosa.id,
            purpose: LinkPurpose::SignIn,
            expires_at: at + 900,
        };
        s.create_signin_link(&link, &message(id), at).await.unwrap();
    }
    assert_eq!(
        s.outbox(None).await.unwrap().len(),
        2,
        "each link with its email"
    );
    assert_eq!(s.signin_links_since(rosa.id, at).await.unwrap(), 2);
    assert_eq!(s.signin_links_since(rosa.id, at + 1).await.unwrap(), 0);
    let l1 = s.signin_link("l1").await.unwrap().unwrap();
    assert_eq!(
        (l1.member.id, l1.expires_at, l1.used_at),
        (rosa.id, at + 900, None)
    );
    assert_eq!(s.signin_link_by_hash("h1").await.unwrap(), Some(l1));

    let session = NewMemberSession {
        id_hash: "s1",
        csrf_token: "c1",
        expires_at: at + 3600,
    };
    // Expired: nothing is spent, no session.
    assert_eq!(
        s.redeem_signin_link("h1", at + 900, &session)
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.staff_session("s1", at).await.unwrap(), None);
    let who = s.redeem_signin_link("h1", at + 1, &session).await.unwrap();
    assert_eq!(who.map(|m| m.id), Some(rosa.id));
    let again = NewMemberSession {
        id_hash: "s2",
        ..session
    };
    assert_eq!(
        s.redeem_signin_link("h1", at + 2, &again).await.unwrap(),
        None,
        "once"
    );
    let live = s
        .staff_session("s1", at + 3)
        .await
        .unwrap()
        .expect("a session");
    assert_eq!(
        (live.member_id, live.token_id, live.role),
        (Some(rosa.id), None, StaffRole::Staff)
    );
    assert_eq!(live.staff_name, "Rosa");

    // A token of hers gives a session of her role; a token of no one, an admin's.
    let token = s
        .create_member_token(rosa.id, "export", "th")
        .await
        .unwrap();
    assert_eq!(token.member_id, Some(rosa.id));
    s.create_staff_session("s3", token.id, "c3", at + 3600)
        .await
        .unwrap();
    let by_token = s.staff_session("s3", at).await.unwrap().unwrap();
    assert_eq!(
        (by_token.member_id, by_token.role),
        (Some(rosa.id), StaffRole::Staff)
    );
    let legacy = s.create_staff_token("old", "oh").await.unwrap();
    s.create_staff_session("s4", legacy.id, "c4", at + 3600)
        .await
        .unwrap();
    let old = s.staff_session("s4", at).await.unwrap().unwrap();
    assert_eq!(
        (old.member_id, old.role, old.staff_name.as_str()),
        (None, StaffRole::Admin, "old")
    );

    // Revoked: her sessions (both kinds), her token and her unused link end.
    assert!(s.revoke_staff_member(rosa.id, at + 5).await.unwrap());
    assert_eq!(s.staff_session("s1", at + 6).await.unwrap(), None);
    assert_eq!(s.staff_session("s3", at + 6).await.unwrap(), None);
    assert!(
        s.staff_token_by_hash("th")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert!(
        s.signin_link("l2")
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_some()
    );
    assert!(
        s.staff_session("s4", at + 6).await.unwrap().is_some(),
        "others' stay"
    );
}
