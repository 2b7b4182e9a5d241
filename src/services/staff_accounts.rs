//! Staff accounts, the use cases: invite a person (admins only; the invitation email carries a
//! first sign-in link), add the first admin (the CLI), ask for a sign-in link (the same answer
//! whether or not the address is a person's; at most `SIGNIN_RATE_PER_EMAIL` links per person),
//! redeem a link for a session (once, before it expires), revoke a person (their sessions,
//! tokens and links end with them), list people, and give a person an API token.
//!
//! A link's secret is never stored: it is derived from the server's link secret and the link's
//! random id (`staff_tokens::link_secret`); the store keeps its SHA-256 hash, and the outbox row
//! names the link by id (the email is rendered from it when sent, `mail::render::staff`).

use std::time::Duration;

use crate::config::StaffConfig;
use crate::domain::field_error::FieldError;
use crate::domain::notices;
use crate::domain::staff_access::{Permission, StaffRole};
use crate::domain::text::{Email, PersonName};
use crate::services::staff_tokens::{
    hash_token, link_secret, new_link_id, new_token, random_hex, well_formed_link,
};
use crate::store::{
    LinkPurpose, NewMemberSession, NewMessage, NewSigninLink, NewStaffMember, SigninLink,
    StaffMember, StaffToken, Store, StoreError,
};

/// Who is acting: a person, or a token of no person (which acts as an admin), within one
/// organization (they see and change nothing of another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub member_id: Option<i64>,
    pub name: String,
    pub role: StaffRole,
    pub organization: String,
}

impl Actor {
    /// `Ok` when the actor's role allows `p`.
    pub fn require(&self, p: Permission) -> Result<(), StaffAccountError> {
        if self.role.may(p) {
            Ok(())
        } else {
            Err(StaffAccountError::Forbidden(p))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StaffAccountError {
    #[error("your role may not do this ({0:?})")]
    Forbidden(Permission),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{0} is already a staff member")]
    AlreadyMember(String),
    #[error("no such staff member")]
    NotFound,
    #[error("the last admin cannot be revoked; make another admin first")]
    LastAdmin,
    /// A sign-in link that is malformed, unknown, used, expired or of a revoked person: one
    /// answer for all, so a guess learns nothing.
    #[error("this sign-in link is invalid, used or expired")]
    LinkUnusable,
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

/// What an invitation asks for (strings as a form or JSON body sends them).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct InviteInput {
    #[schema(example = "rosa@example.org")]
    pub email: String,
    /// Defaults to the email address.
    #[serde(default)]
    pub name: Option<String>,
    /// `admin` or `staff`.
    #[schema(example = "staff")]
    pub role: String,
}

/// A checked new person.
struct Person {
    email: Email,
    name: String,
}

fn person(email: &str, name: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Person> {
    let email = Email::parse(email)
        .map_err(|e| errors.push(FieldError::new("email", e.to_string())))
        .ok();
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => email.as_ref().map(|e| e.as_str().to_string()),
        Some(n) => PersonName::parse(n)
            .map(|n| n.as_str().to_string())
            .map_err(|e| errors.push(FieldError::new("name", e.to_string())))
            .ok(),
    };
    Some(Person {
        email: email?,
        name: name?,
    })
}

/// Records a link for `member` and queues the email that carries it, in one transaction.
async fn queue_link(
    store: &dyn Store,
    server_secret: &[u8],
    member: &StaffMember,
    purpose: LinkPurpose,
    ttl: Duration,
    at: i64,
) -> Result<(), StoreError> {
    let id = new_link_id();
    let hash = hash_token(&link_secret(server_secret, &id));
    let kind = match purpose {
        LinkPurpose::SignIn => notices::STAFF_SIGNIN,
        LinkPurpose::Invite => notices::STAFF_INVITE,
    };
    let message = NewMessage {
        key: format!("{kind}:{id}"),
        kind: kind.into(),
        donation_id: None,
        payment_id: None,
        recipient: member.email.clone(),
        payload: Some(id.clone()),
    };
    let link = NewSigninLink {
        id: &id,
        token_hash: &hash,
        member_id: member.id,
        purpose,
        expires_at: at + ttl.as_secs() as i64,
    };
    store.create_signin_link(&link, &message, at).await
}

/// An admin invites a person: they are added with their role, and emailed a first sign-in link
/// (valid `STAFF_INVITE_TTL`). A revoked person is reinstated.
pub async fn invite(
    store: &dyn Store,
    server_secret: &[u8],
    config: &StaffConfig,
    actor: &Actor,
    input: &InviteInput,
    at: i64,
) -> Result<StaffMember, StaffAccountError> {
    actor.require(Permission::ManageStaff)?;
    let mut errors = Vec::new();
    let role = input
        .role
        .parse::<StaffRole>()
        .map_err(|_| errors.push(FieldError::new("role", "must be admin or staff")))
        .ok();
    let person = person(&input.email, input.name.as_deref(), &mut errors);
    let (Some(role), Some(p), true) = (role, person, errors.is_empty()) else {
        return Err(StaffAccountError::Invalid(errors));
    };
    let member = add(store, &p, role, actor.member_id, &actor.organization, at).await?;
    queue_link(
        store,
        server_secret,
        &member,
        LinkPurpose::Invite,
        config.invite_link_ttl,
        at,
    )
    .await?;
    tracing::info!(by = %actor.name, member = member.id, role = %role, "staff member invited");
    Ok(member)
}

async fn add(
    store: &dyn Store,
    p: &Person,
    role: StaffRole,
    invited_by: Option<i64>,
    organization: &str,
    at: i64,
) -> Result<StaffMember, StaffAccountError> {
    let norm = p.email.normalized();
    let new = NewStaffMember {
        email: p.email.as_str(),
        email_norm: &norm,
        name: &p.name,
        role,
        invited_by,
        organization,
    };
    store
        .create_staff_member(&new, at)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StaffAccountError::AlreadyMember(p.email.to_string()),
            e => e.into(),
        })
}

/// The CLI's first admin (or any later one) of organization `organization`: added without an
/// invitation email; they ask for a sign-in link on the sign-in page.
pub async fn add_admin(
    store: &dyn Store,
    email: &str,
    name: Option<&str>,
    organization: &str,
    at: i64,
) -> Result<StaffMember, StaffAccountError> {
    let mut errors = Vec::new();
    let Some(p) = person(email, name, &mut errors).filter(|_| errors.is_empty()) else {
        return Err(StaffAccountError::Invalid(errors));
    };
    add(store, &p, StaffRole::Admin, None, organization, at).await
}

/// What became of a sign-in link request. The page answers every case the same way; the
/// distinction is for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRequest {
    /// A link is on its way.
    Sent,
    /// No active person has this address: nothing is sent.
    NoOne,
    /// The person was sent `SIGNIN_RATE_PER_EMAIL` links already: nothing more is sent.
    Throttled,
}

/// Someone asks for a sign-in link for `email`. Only a malformed address is an error (it says
/// nothing about who is staff).
pub async fn request_link(
    store: &dyn Store,
    server_secret: &[u8],
    config: &StaffConfig,
    email: &str,
    at: i64,
) -> Result<LinkRequest, StaffAccountError> {
    let email = Email::parse(email)
        .map_err(|e| StaffAccountError::Invalid(vec![FieldError::new("email", e.to_string())]))?;
    let member = match store.staff_member_by_email(&email.normalized()).await? {
        Some(m) if m.revoked_at.is_none() => m,
        _ => return Ok(LinkRequest::NoOne),
    };
    if let Some(rate) = config.signin_rate_per_email {
        let since = at - rate.per.as_secs() as i64;
        if store.signin_links_since(member.id, since).await? >= i64::from(rate.count.get()) {
            tracing::warn!(
                member = member.id,
                "sign-in links: per-person limit reached"
            );
            return Ok(LinkRequest::Throttled);
        }
    }
    queue_link(
        store,
        server_secret,
        &member,
        LinkPurpose::SignIn,
        config.signin_link_ttl,
        at,
    )
    .await?;
    Ok(LinkRequest::Sent)
}

/// The link a presented secret names, if it can still be used at `at` (for the confirmation
/// page; nothing is spent).
pub async fn check_link(
    store: &dyn Store,
    presented: &str,
    at: i64,
) -> Result<SigninLink, StaffAccountError> {
    if !well_formed_link(presented) {
        return Err(StaffAccountError::LinkUnusable);
    }
    match store.signin_link_by_hash(&hash_token(presented)).await? {
        Some(link) if link.usable(at) => Ok(link),
        _ => Err(StaffAccountError::LinkUnusable),
    }
}

/// A session opened by a link: the cookie's session id (to hand to the browser; stored only as
/// a hash) and the person.
#[derive(Debug)]
pub struct Redeemed {
    pub session_id: String,
    pub member: StaffMember,
}

/// Spends a link and opens a session of `session_ttl` for its person, once.
pub async fn redeem(
    store: &dyn Store,
    presented: &str,
    session_ttl: Duration,
    at: i64,
) -> Result<Redeemed, StaffAccountError> {
    if !well_formed_link(presented) {
        return Err(StaffAccountError::LinkUnusable);
    }
    let session_id = random_hex();
    let csrf = random_hex();
    let id_hash = hash_token(&session_id);
    let session = NewMemberSession {
        id_hash: &id_hash,
        csrf_token: &csrf,
        expires_at: at + session_ttl.as_secs() as i64,
    };
    match store
        .redeem_signin_link(&hash_token(presented), at, &session)
        .await?
    {
        Some(member) => {
            tracing::info!(member = member.id, "dashboard sign-in by emailed link");
            Ok(Redeemed { session_id, member })
        }
        None => Err(StaffAccountError::LinkUnusable),
    }
}

/// An admin revokes a person: their sessions, API tokens and unused links end at once. The
/// last active admin cannot be revoked (nobody could manage staff after).
pub async fn revoke(
    store: &dyn Store,
    actor: &Actor,
    member_id: i64,
    at: i64,
) -> Result<StaffMember, StaffAccountError> {
    actor.require(Permission::ManageStaff)?;
    let member = store
        .staff_member(member_id)
        .await?
        .filter(|m| m.revoked_at.is_none() && m.organization == actor.organization)
        .ok_or(StaffAccountError::NotFound)?;
    if member.role == StaffRole::Admin {
        let admins = store
            .staff_members()
            .await?
            .iter()
            .filter(|m| {
                m.role == StaffRole::Admin
                    && m.revoked_at.is_none()
                    && m.organization == actor.organization
            })
            .count();
        if admins <= 1 {
            return Err(StaffAccountError::LastAdmin);
        }
    }
    if !store.revoke_staff_member(member_id, at).await? {
        return Err(StaffAccountError::NotFound);
    }
    tracing::info!(by = %actor.name, member = member_id, "staff member revoked");
    Ok(StaffMember {
        revoked_at: Some(at),
        ..member
    })
}

/// Everyone of the actor's organization, revoked people too, oldest first.
pub async fn list(store: &dyn Store, actor: &Actor) -> Result<Vec<StaffMember>, StaffAccountError> {
    actor.require(Permission::Read)?;
    let mut members = store.staff_members().await?;
    members.retain(|m| m.organization == actor.organization);
    Ok(members)
}

/// An API token for the active person with this address (the CLI): the token, shown once.
pub async fn create_token(
    store: &dyn Store,
    email: &str,
    name: &str,
) -> Result<(String, StaffToken), StaffAccountError> {
    let mut errors = Vec::new();
    let email = Email::parse(email)
        .map_err(|e| errors.push(FieldError::new("email", e.to_string())))
        .ok();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(StaffAccountError::Invalid(errors));
    };
    let member = store
        .staff_member_by_email(&email.normalized())
        .await?
        .filter(|m| m.revoked_at.is_none())
        .ok_or(StaffAccountError::NotFound)?;
    let (token, hash) = new_token();
    let t = store.create_member_token(member.id, name, &hash).await?;
    Ok((token, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: StaffRole) -> Actor {
        Actor {
            member_id: Some(1),
            name: "a".into(),
            role,
            organization: "default".into(),
        }
    }

    #[test]
    fn actors_are_held_to_their_role() {
        assert!(
            actor(StaffRole::Admin)
                .require(Permission::ManageStaff)
                .is_ok()
        );
        assert!(matches!(
            actor(StaffRole::Staff).require(Permission::ManageStaff),
            Err(StaffAccountError::Forbidden(Permission::ManageStaff))
        ));
        assert!(actor(StaffRole::Staff).require(Permission::Export).is_ok());
    }

    #[test]
    fn a_person_needs_an_email_and_takes_it_as_a_name_by_default() {
        let mut errors = Vec::new();
        let p = person(" Rosa@Example.org ", None, &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(
            (p.email.normalized(), p.name.as_str()),
            ("rosa@example.org".into(), "Rosa@Example.org")
        );
        let p = person("rosa@example.org", Some(" Rosa M "), &mut errors).unwrap();
        assert_eq!(p.name, "Rosa M");
        assert!(person("not-an-email", Some("R"), &mut errors).is_none());
        assert_eq!(errors[0].field.as_deref(), Some("email"));
        let mut errors = Vec::new();
        assert!(person("r@example.org", Some("a\u{7}b"), &mut errors).is_none());
        assert_eq!(errors[0].field.as_deref(), Some("name"));
    }
}
