//! Who may use the staff API and dashboard: a staff token (stored only as a hash) and a
//! dashboard session riding on one.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffToken {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A dashboard session: whose token it rides on and the CSRF token of its forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub token_id: i64,
    pub staff_name: String,
    pub csrf_token: String,
    pub expires_at: i64,
}
