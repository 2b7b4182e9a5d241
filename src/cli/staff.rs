//! `donations staff ...`: staff members (the first admin, list, revoke) and their API tokens.

use clap::Subcommand;

use super::{CliError, field_errors};
use crate::app::open_store;
use crate::config::Config;
use crate::services::staff_accounts::{self, StaffAccountError};
use crate::store::now;

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    #[command(subcommand)]
    Token(TokenCommand),
    /// Add an admin (the first one, on a new installation); they then ask for a sign-in link
    /// on the dashboard's sign-in page.
    AddAdmin {
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// The organization they administer (a slug of ORGANIZATIONS, or `default`).
        #[arg(long, default_value = "default")]
        org: String,
    },
    /// Create an API token belonging to the person with this email (printed once, stored only
    /// as a hash); the same as `staff token create --email EMAIL --name NAME`.
    CreateToken {
        #[arg(long)]
        email: String,
        /// What the token is for, e.g. "nightly export".
        #[arg(long)]
        name: String,
    },
    /// List staff members.
    List,
    /// Revoke a person: their sessions, API tokens and sign-in links end.
    Revoke { email: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        name: String,
        /// The person it belongs to (acts with their role). Without it, the token belongs to
        /// no one and acts as an admin: kept only for old setups.
        #[arg(long)]
        email: Option<String>,
        /// The organization of a token of no one (a person's token is of their organization).
        #[arg(long, default_value = "default")]
        org: String,
    },
    /// Revoke the active token with this name.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

pub(super) async fn run(config: &Config, command: StaffCommand) -> Result<(), CliError> {
    match command {
        StaffCommand::Token(TokenCommand::Create {
            name,
            email: Some(email),
            ..
        })
        | StaffCommand::CreateToken { email, name } => {
            let store = open_store(config).await?;
            let made = staff_accounts::create_token(store.as_ref(), &email, &name).await;
            store.close().await;
            let (token, t) = made.map_err(|e| staff_error(e, &email))?;
            eprintln!(
                "Staff token {:?} of {email} created. It is shown only this once:",
                t.name
            );
            println!("{token}");
        }
        StaffCommand::Token(TokenCommand::Create {
            name,
            email: None,
            org,
        }) => {
            let name = name.trim().to_string();
            if name.is_empty() || name.len() > 100 {
                return Err(CliError::Usage("--name must be 1 to 100 characters".into()));
            }
            known_org(config, &org)?;
            let store = open_store(config).await?;
            let (token, hash) = crate::services::staff_tokens::new_token();
            store.create_org_staff_token(&org, &name, &hash).await?;
            store.close().await;
            eprintln!(
                "Staff token {name:?} created, belonging to no one (it acts as an admin; give \
                 tokens to a person with --email). It is shown only this once:"
            );
            println!("{token}");
        }
        StaffCommand::AddAdmin { email, name, org } => {
            known_org(config, &org)?;
            let store = open_store(config).await?;
            let added =
                staff_accounts::add_admin(store.as_ref(), &email, name.as_deref(), &org, now())
                    .await;
            store.close().await;
            let m = added.map_err(|e| staff_error(e, &email))?;
            println!(
                "{} is an admin (id {}). To sign in, open {}/dashboard and ask for a sign-in \
                 link with this address.",
                m.email,
                m.id,
                config.public_base_url.trim_end_matches('/')
            );
        }
        StaffCommand::List => {
            let store = open_store(config).await?;
            let members = store.staff_members().await?;
            store.close().await;
            for m in members {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    m.id,
                    m.email,
                    m.role,
                    m.revoked_at
                        .map(|t| format!("revoked {}", crate::domain::time::format_time(t)))
                        .unwrap_or_else(|| "active".into()),
                    m.name,
                    m.organization,
                );
            }
        }
        StaffCommand::Revoke { email } => {
            let store = open_store(config).await?;
            let result = revoke_by_email(store.as_ref(), &email).await;
            store.close().await;
            let m = result.map_err(|e| staff_error(e, &email))?;
            println!("revoked {}; their sessions and tokens have ended", m.email);
        }
        StaffCommand::Token(TokenCommand::Revoke { name }) => {
            let store = open_store(config).await?;
            let revoked = store.revoke_staff_token(&name).await?;
            store.close().await;
            if !revoked {
                return Err(CliError::Usage(format!(
                    "no active staff token named {name:?}"
                )));
            }
            println!("revoked {name:?}");
        }
    }
    Ok(())
}

/// `Ok` when `org` is `default` or one of `ORGANIZATIONS`.
pub(super) fn known_org(config: &Config, org: &str) -> Result<(), CliError> {
    match config.organization(org) {
        Some(_) => Ok(()),
        None => Err(CliError::Usage(format!(
            "--org {org:?} is not an organization (default, or one of ORGANIZATIONS)"
        ))),
    }
}

/// A staff account error as a command-line message.
fn staff_error(e: StaffAccountError, email: &str) -> CliError {
    match e {
        StaffAccountError::Invalid(errors) => CliError::Usage(field_errors(&errors)),
        StaffAccountError::NotFound => {
            CliError::Usage(format!("no active staff member with the email {email:?}"))
        }
        StaffAccountError::Store(e) => CliError::Store(e),
        e => CliError::Usage(e.to_string()),
    }
}

/// The CLI acts as an admin of no one (it has the database).
async fn revoke_by_email(
    store: &dyn crate::store::Store,
    email: &str,
) -> Result<crate::store::StaffMember, StaffAccountError> {
    let norm = crate::domain::text::Email::parse(email)
        .map_err(|e| {
            StaffAccountError::Invalid(vec![crate::domain::field_error::FieldError::new(
                "email",
                e.to_string(),
            )])
        })?
        .normalized();
    let m = store
        .staff_member_by_email(&norm)
        .await?
        .ok_or(StaffAccountError::NotFound)?;
    let cli = staff_accounts::Actor {
        member_id: None,
        name: "cli".into(),
        role: crate::store::StaffRole::Admin,
        organization: m.organization.clone(),
    };
    staff_accounts::revoke(store, &cli, m.id, now()).await
}
