//! Staff sign-in and invitation emails: rendered when sent from the sign-in link their outbox
//! row names (by id), the link's secret derived here from that id and the server's link secret
//! (`services::staff_tokens::link_secret`), so that no usable secret is ever stored.

use super::{
    InviteHtml, InviteText, Letter, MailContext, RenderError, SigninHtml, SigninText, View, letter,
    long_date,
};
use crate::store::{LinkPurpose, OutboxMessage, SigninLink, StaffRole, Store};

/// "14:15 UTC on November 18, 2026".
pub fn clock_time(unix: i64) -> String {
    let iso = crate::services::campaign_admin::format_time(unix);
    format!("{} UTC on {}", &iso[11..16], long_date(unix))
}

/// A staff sign-in link's email (a sign-in asked for, or an invitation): the link's secret is
/// derived here from the link's id and the server's link secret, so the outbox never holds it.
/// `inviter` names who invited (invitations only).
pub fn staff_signin(
    ctx: &MailContext,
    link: &SigninLink,
    inviter: Option<&str>,
) -> Result<Letter, RenderError> {
    let secret = crate::services::staff_tokens::link_secret(&ctx.link_secret, &link.id);
    let mut v = View {
        org_name: ctx.org.name.clone(),
        org_address: ctx.org.address.clone(),
        org_ein: ctx.org.ein.clone(),
        donor_name: link.member.name.clone(),
        signin_url: format!(
            "{}/dashboard/signin?link={secret}",
            ctx.public_base_url.trim_end_matches('/')
        ),
        signin_until: clock_time(link.expires_at),
        inviter: inviter.unwrap_or("An administrator").to_string(),
        role: match link.member.role {
            StaffRole::Admin => "an admin",
            StaffRole::Staff => "a staff member",
        },
        ..View::default()
    };
    let to = link.member.email.as_str();
    match link.purpose {
        LinkPurpose::SignIn => {
            v.subject = format!("Your sign-in link for {}", ctx.org.name);
            letter(to, &v, SigninText::new, SigninHtml::new)
        }
        LinkPurpose::Invite => {
            v.subject = format!("You are invited to the {} staff dashboard", ctx.org.name);
            letter(to, &v, InviteText::new, InviteHtml::new)
        }
    }
}

/// Renders a staff sign-in or invitation message from the link its payload names; a link
/// already spent, expired or of a revoked person is not sent (it could not be used).
pub(super) async fn staff_message(
    store: &dyn Store,
    ctx: &MailContext,
    m: &OutboxMessage,
    now: i64,
) -> Result<Letter, RenderError> {
    let id = m.payload.as_deref().unwrap_or_default();
    let link = store.signin_link(id).await?.ok_or_else(|| {
        RenderError::Missing(format!("sign-in link of {} is gone", m.message_key))
    })?;
    if !link.usable(now) {
        return Err(RenderError::Missing(format!(
            "sign-in link of {} expired or was used before it was sent",
            m.message_key
        )));
    }
    let inviter = match (link.purpose, link.member.invited_by) {
        (LinkPurpose::Invite, Some(by)) => store.staff_member(by).await?.map(|i| i.name),
        _ => None,
    };
    let mut letter = staff_signin(ctx, &link, inviter.as_deref())?;
    letter.to = m.recipient.clone();
    Ok(letter)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{NOW, SECRET, ctx, snapshot};
    use super::*;

    fn link(purpose: LinkPurpose, role: StaffRole) -> SigninLink {
        SigninLink {
            id: "0123456789abcdef0123456789abcdef".into(),
            purpose,
            created_at: NOW,
            expires_at: NOW + 900,
            used_at: None,
            member: crate::store::StaffMember {
                id: 2,
                email: "Rosa@Example.org".into(),
                email_norm: "rosa@example.org".into(),
                name: "Rosa Martínez".into(),
                role,
                created_at: NOW,
                invited_by: Some(1),
                revoked_at: None,
                organization: "default".into(),
            },
        }
    }

    #[test]
    fn staff_sign_in_link() {
        let l = staff_signin(
            &ctx(true),
            &link(LinkPurpose::SignIn, StaffRole::Staff),
            None,
        )
        .unwrap();
        let secret = crate::services::staff_tokens::link_secret(
            SECRET,
            &link(LinkPurpose::SignIn, StaffRole::Staff).id,
        );
        let url = format!("https://donate.example.org/dashboard/signin?link={secret}");
        assert!(l.text.contains(&url), "{}", l.text);
        assert!(l.html.contains(&url));
        assert!(
            l.text.contains("until 11:21 UTC on November 18, 2026"),
            "{}",
            l.text
        );
        assert_eq!(l.to, "Rosa@Example.org");
        assert!(l.subject.contains("sign-in link"));
        snapshot("staff_signin", &l);
    }

    #[test]
    fn staff_invitation() {
        let l = staff_signin(
            &ctx(true),
            &link(LinkPurpose::Invite, StaffRole::Admin),
            Some("Ana Pérez"),
        )
        .unwrap();
        assert!(
            l.text.contains("Ana Pérez has invited you to the Immigrant Rights Coalition staff dashboard as an admin."),
            "{}",
            l.text
        );
        assert!(l.text.contains("/dashboard/signin?link=dsl_"));
        assert!(l.subject.contains("invited"));
        snapshot("staff_invitation", &l);
        let anonymous = staff_signin(
            &ctx(true),
            &link(LinkPurpose::Invite, StaffRole::Staff),
            None,
        )
        .unwrap();
        assert!(anonymous.text.contains("An administrator has invited you"));
        assert!(anonymous.text.contains("as a staff member."));
    }

    #[test]
    fn times_read_as_words() {
        assert_eq!(clock_time(1_795_000_000), "11:06 UTC on November 18, 2026");
    }
}
