//! Who may use the staff API and dashboard, and what each may do: staff members (a person with
//! an email and a [`StaffRole`]), their API tokens (stored only as hashes), one-time sign-in
//! links, and dashboard sessions riding on a token or a person. What a role may do is decided
//! once, here ([`StaffRole::may`]).

use std::fmt;
use std::str::FromStr;

/// A person's role. Admins manage staff and campaigns; staff record offline gifts, review
/// supporters' pages, export and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    Admin,
    Staff,
}

/// Something a signed-in person may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read campaigns, donations, summaries, flags and emails.
    Read,
    /// Record and void offline gifts, resend emails.
    RecordGifts,
    /// Download donations as CSV.
    Export,
    /// Approve or hide supporters' pages.
    ReviewPages,
    /// Create and edit campaigns (and whether they take supporters' pages).
    ManageCampaigns,
    /// Invite and revoke staff members.
    ManageStaff,
}

impl StaffRole {
    pub const ALL: [StaffRole; 2] = [StaffRole::Admin, StaffRole::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Staff => "staff",
        }
    }

    /// Whether this role may do `p`.
    pub fn may(self, p: Permission) -> bool {
        match self {
            StaffRole::Admin => true,
            StaffRole::Staff => matches!(
                p,
                Permission::Read
                    | Permission::RecordGifts
                    | Permission::Export
                    | Permission::ReviewPages
            ),
        }
    }
}

impl FromStr for StaffRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "admin" => Ok(StaffRole::Admin),
            "staff" => Ok(StaffRole::Staff),
            other => Err(format!("{other:?} is not a role (admin or staff)")),
        }
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person who may sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: i64,
    /// As entered.
    pub email: String,
    /// Lowercased: one person, one row.
    pub email_norm: String,
    pub name: String,
    pub role: StaffRole,
    pub created_at: i64,
    pub invited_by: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The organization whose campaigns they see (`domain::organization`).
    pub organization: String,
}

/// An API token. `member_id` is `None` for tokens made before staff accounts existed: they act
/// with an admin's rights under their own name until revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffToken {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub member_id: Option<i64>,
    /// Its organization: its person's, or (a token of no one) the one it was made for.
    pub organization: String,
}

/// Why a sign-in link was made (it changes the email, not what the link does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    SignIn,
    Invite,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::SignIn => "signin",
            LinkPurpose::Invite => "invite",
        }
    }
}

impl FromStr for LinkPurpose {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "signin" => Ok(LinkPurpose::SignIn),
            "invite" => Ok(LinkPurpose::Invite),
            other => Err(format!("{other:?} is not a link purpose")),
        }
    }
}

/// A one-time sign-in link (its secret only as a hash), with the person it signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninLink {
    pub id: String,
    pub purpose: LinkPurpose,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub member: StaffMember,
}

impl SigninLink {
    /// Whether it may still sign someone in at `at`: unused, unexpired, its person not revoked.
    pub fn usable(&self, at: i64) -> bool {
        self.used_at.is_none() && at < self.expires_at && self.member.revoked_at.is_none()
    }
}

/// A dashboard session: the token or the person it rides on, who that is, and the CSRF token
/// of its forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub token_id: Option<i64>,
    pub member_id: Option<i64>,
    /// The person's name (or a legacy token's name).
    pub staff_name: String,
    pub role: StaffRole,
    pub csrf_token: String,
    pub expires_at: i64,
    /// The organization whose campaigns the session sees.
    pub organization: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_say_what_they_may_do() {
        assert_eq!("admin".parse::<StaffRole>(), Ok(StaffRole::Admin));
        assert_eq!(" staff ".parse::<StaffRole>(), Ok(StaffRole::Staff));
        assert!("owner".parse::<StaffRole>().is_err());
        assert!("Admin".parse::<StaffRole>().is_err());
        for r in StaffRole::ALL {
            assert_eq!(r.as_str().parse::<StaffRole>(), Ok(r));
        }
        use Permission::*;
        for p in [Read, RecordGifts, Export, ManageCampaigns, ManageStaff] {
            assert!(StaffRole::Admin.may(p));
        }
        assert!(StaffRole::Staff.may(Read));
        assert!(StaffRole::Staff.may(RecordGifts));
        assert!(StaffRole::Staff.may(Export));
        assert!(!StaffRole::Staff.may(ManageCampaigns));
        assert!(!StaffRole::Staff.may(ManageStaff));
    }

    #[test]
    fn a_link_is_usable_once_before_it_expires_while_its_person_is_not_revoked() {
        let member = StaffMember {
            id: 1,
            email: "A@example.org".into(),
            email_norm: "a@example.org".into(),
            name: "A".into(),
            role: StaffRole::Staff,
            created_at: 0,
            invited_by: None,
            revoked_at: None,
            organization: "default".into(),
        };
        let mut link = SigninLink {
            id: "l".into(),
            purpose: LinkPurpose::SignIn,
            created_at: 0,
            expires_at: 100,
            used_at: None,
            member,
        };
        assert!(link.usable(99));
        assert!(!link.usable(100));
        link.used_at = Some(5);
        assert!(!link.usable(6));
        link.used_at = None;
        link.member.revoked_at = Some(3);
        assert!(!link.usable(6));
    }
}
