//! Access-control flags: who may call `serve`, and whom `call` trusts.

use clap::{Args, ValueEnum};
use piperpc::{IntegrityLevel, ListenerOptions, PeerPolicy, PipeSecurity, ServerIdentity};

/// Who may call the server.
#[derive(Debug, Args)]
pub struct CallerAccess {
    /// Admit every peer that can open the pipe or socket, and every TCP
    /// peer, identified or not. Default: only this user (and, over mutual
    /// TLS, --allow-san).
    #[arg(long)]
    allow_any_peer: bool,
    /// Also admit this uid (Unix; repeatable).
    #[arg(long = "allow-uid", value_name = "UID")]
    allow_uids: Vec<u32>,
    /// Also admit peers whose effective group is this gid (Unix; repeatable).
    #[arg(long = "allow-gid", value_name = "GID")]
    allow_gids: Vec<u32>,
    /// Also admit this user SID (Windows; repeatable).
    #[arg(long = "allow-sid", value_name = "SID")]
    allow_sids: Vec<String>,
    /// Also admit TLS clients whose verified certificate carries this
    /// subject alternative name: a DNS name, a URI such as a SPIFFE ID, an
    /// IP address (needs --client-ca; repeatable).
    #[arg(long = "allow-san", value_name = "SAN")]
    allow_sans: Vec<String>,
    /// Unix: the socket file's mode, in octal (default 600; 660 admits the
    /// file's group, still subject to the peer policy).
    #[arg(long, value_name = "OCTAL", value_parser = parse_mode)]
    mode: Option<u32>,
    /// Windows: who may open the pipe.
    #[arg(long, value_enum, value_name = "WHO", conflicts_with = "sddl")]
    pipe_access: Option<PipeAccess>,
    /// Windows: the pipe's security descriptor, in SDDL.
    #[arg(long, value_name = "SDDL")]
    sddl: Option<String>,
    /// Windows: the lowest integrity level a client may run at and still
    /// send to the pipe (its mandatory label). Default: medium; `low` admits
    /// sandboxed processes, `high` (elevated servers) only elevated ones,
    /// `system` (SYSTEM services) only services. At most the server's own.
    #[arg(long, value_enum, value_name = "LEVEL", conflicts_with = "sddl")]
    pipe_min_integrity: Option<Integrity>,
    /// Windows: when this server runs elevated, admit only elevated clients.
    #[arg(long)]
    require_server_elevation: bool,
    /// Windows: admit only clients in this server's own session.
    #[arg(long)]
    require_server_session: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Integrity {
    /// Sandboxed processes and up.
    Low,
    /// Ordinary processes and up (the default).
    Medium,
    /// Elevated processes only.
    High,
    /// Services running as SYSTEM only.
    System,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PipeAccess {
    /// The current user and SYSTEM (the default).
    CurrentUser,
    /// Also local Administrators.
    Administrators,
    /// Also every authenticated user.
    AuthenticatedUsers,
}

impl CallerAccess {
    /// True with --allow-any-peer.
    pub fn any_peer(&self) -> bool {
        self.allow_any_peer
    }

    /// True when some --allow-san was given.
    pub fn allows_sans(&self) -> bool {
        !self.allow_sans.is_empty()
    }

    /// The listener options these flags describe.
    pub fn listener_options(&self) -> ListenerOptions {
        let mut policy = if self.allow_any_peer {
            PeerPolicy::any()
        } else {
            PeerPolicy::same_user()
        };
        for &uid in &self.allow_uids {
            policy = policy.allow_uid(uid);
        }
        for &gid in &self.allow_gids {
            policy = policy.allow_gid(gid);
        }
        for sid in &self.allow_sids {
            policy = policy.allow_sid(sid);
        }
        for san in &self.allow_sans {
            policy = policy.allow_san(san);
        }
        if self.require_server_elevation {
            policy = policy.require_server_elevation();
        }
        if self.require_server_session {
            policy = policy.require_server_session();
        }
        let mut options = ListenerOptions::new().peer_policy(policy);
        if let Some(level) = self.pipe_min_integrity {
            options = options.pipe_min_integrity(match level {
                Integrity::Low => IntegrityLevel::Low,
                Integrity::Medium => IntegrityLevel::Medium,
                Integrity::High => IntegrityLevel::High,
                Integrity::System => IntegrityLevel::System,
            });
        }
        if let Some(mode) = self.mode {
            options = options.socket_mode(mode);
        }
        let security = match (&self.sddl, self.pipe_access) {
            (Some(sddl), _) => PipeSecurity::Sddl(sddl.clone()),
            (None, Some(PipeAccess::Administrators)) => PipeSecurity::CurrentUserAndAdministrators,
            (None, Some(PipeAccess::AuthenticatedUsers)) => PipeSecurity::AuthenticatedUsers,
            (None, Some(PipeAccess::CurrentUser) | None) => PipeSecurity::CurrentUser,
        };
        options.pipe_security(security)
    }
}

fn parse_mode(input: &str) -> Result<u32, String> {
    match u32::from_str_radix(input.trim_start_matches("0o"), 8) {
        Ok(mode) if mode <= 0o777 => Ok(mode),
        _ => Err(format!("`{input}` is not a file mode (octal, 000 to 777)")),
    }
}

/// Whom the client trusts to be the server.
#[derive(Debug, Args)]
pub struct ServerCheck {
    /// Who the server must run as, checked before anything is sent:
    /// `same-user-or-system` (the default on local addresses: this user, or
    /// root / a Windows service account), `same-user`, a uid (Unix), a SID
    /// (Windows), or `any` (no check).
    #[arg(long, value_name = "WHO", value_parser = parse_identity)]
    verify_server: Option<ServerIdentity>,
}

impl ServerCheck {
    /// The identity to require instead of the default, if one was given.
    pub fn identity(&self) -> Option<ServerIdentity> {
        self.verify_server.clone()
    }
}

fn parse_identity(input: &str) -> Result<ServerIdentity, String> {
    input.parse()
}
