//! A consistent copy of a live SQLite database (`donations backup`): SQLite's `VACUUM INTO`
//! reads the database in one transaction, so the copy is the database at one instant while the
//! server goes on writing, and is compacted besides. PostgreSQL has `pg_dump` for this.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already; choose a new file (a backup never overwrites one)")]
    Exists(String),
    #[error("backups of PostgreSQL are made with pg_dump (deploy/backup.sh does it)")]
    NotSqlite,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Writes a copy of the SQLite database at `url` to `dest` (which must not exist): first to a
/// temporary file beside it, renamed into place once complete, so that `dest` is never a
/// partial copy. The copy is a self-contained database (no `-wal` file).
pub async fn sqlite_snapshot(url: &str, dest: &Path) -> Result<(), BackupError> {
    if !url.starts_with("sqlite:") {
        return Err(BackupError::NotSqlite);
    }
    let shown = dest.display().to_string();
    if dest.exists() {
        return Err(BackupError::Exists(shown));
    }
    let partial = dest.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::from)?
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30));
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(StoreError::from)?;
    let target = partial.to_str().ok_or_else(|| BackupError::Io {
        path: shown.clone(),
        source: std::io::Error::other("the path is not valid UTF-8"),
    })?;
    let copied = sqlx::query("VACUUM INTO ?1")
        .bind(target)
        .execute(&mut conn)
        .await
        .map_err(StoreError::from);
    let _ = conn.close().await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    std::fs::rename(&partial, dest).map_err(|source| BackupError::Io {
        path: shown,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::campaign::Campaign;
    use crate::store;

    #[tokio::test]
    async fn a_snapshot_is_a_whole_database_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("live.db").display());
        let live = store::connect(&url, 2).await.unwrap();
        let fields = Campaign::sample("copied", "Copied", 12_345).fields();
        live.create_campaign(&fields).await.unwrap();

        let dest = dir.path().join("copy.db");
        sqlite_snapshot(&url, &dest).await.unwrap();
        assert!(!dir.path().join("copy.partial").exists());
        let copy_url = format!("sqlite://{}", dest.display());
        let copy = store::connect(&copy_url, 2).await.unwrap();
        let c = copy.campaign_by_slug("copied").await.unwrap().unwrap();
        assert_eq!(c.goal_minor, 12_345);

        assert!(matches!(
            sqlite_snapshot(&url, &dest).await,
            Err(BackupError::Exists(_))
        ));
        assert!(matches!(
            sqlite_snapshot("postgres://x@localhost/db", &dir.path().join("pg.db")).await,
            Err(BackupError::NotSqlite)
        ));
        live.close().await;
        copy.close().await;
    }
}
