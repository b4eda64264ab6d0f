//! [`Target`]: where a sync goes, parsed from a libpq-style URL.
//!
//! The password never lives in a `Target`: a URL that carries one is
//! refused by [`Target::parse`] (or the password is handed back apart by
//! [`Target::parse_taking_password`]), so a stored or printed target can
//! never leak it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// libpq's default port.
pub const DEFAULT_PORT: u16 = 5432;

/// How long a connection attempt may take (`connect_timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A name or an IP address.
    Tcp(String),
    /// The directory holding the server's Unix socket.
    Socket(PathBuf),
}

/// libpq's `sslmode`, minus `allow` (plain first, TLS on refusal: never
/// what a sync wants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, unverified; else plain (libpq's default).
    #[default]
    Prefer,
    /// TLS or nothing; the certificate is checked only when `sslrootcert`
    /// is given (as libpq does).
    Require,
    /// TLS, the certificate chain checked against the root certificates.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host.
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A PostgreSQL server, database and user to sync to. No password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: Host,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    pub sslmode: SslMode,
    /// PEM file of the root certificates for `verify-ca`/`verify-full`;
    /// `None`: the Mozilla roots (webpki-roots).
    pub sslrootcert: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub application_name: Option<String>,
}

/// Why a URL is not a usable target.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("`{0}` is not a PostgreSQL URL: it must start with postgresql:// or postgres://")]
    Scheme(String),
    #[error(
        "the URL holds a password; a password is never stored or put on a command line: \
         give it in PGPASSWORD or a password file (~/.pgpass, PGPASSFILE) instead"
    )]
    PasswordInUrl,
    #[error("the URL names no user: write it as postgresql://USER@HOST/DATABASE")]
    NoUser,
    #[error("the URL's port `{0}` is not a number from 1 to 65535")]
    Port(String),
    #[error("the URL's `{0}` is given more than once or as a list; kioski syncs to one server")]
    Several(String),
    #[error("unknown sslmode `{0}`: use disable, prefer, require, verify-ca or verify-full")]
    SslMode(String),
    #[error("the URL's connect_timeout `{0}` is not a whole number of seconds")]
    Timeout(String),
    #[error(
        "the URL's parameter `{0}` is not supported (known: host, port, user, dbname, sslmode, \
         sslrootcert, connect_timeout, application_name)"
    )]
    Parameter(String),
    #[error("the URL holds a broken %-escape or text that is not UTF-8")]
    Escape,
}

impl Target {
    /// Parses `postgresql://[USER@][HOST][:PORT][/DB][?PARAM=VALUE&...]`.
    /// A URL with a password is refused ([`TargetError::PasswordInUrl`]).
    pub fn parse(url: &str) -> Result<Target, TargetError> {
        match Target::parse_taking_password(url)? {
            (_, Some(_)) => Err(TargetError::PasswordInUrl),
            (target, None) => Ok(target),
        }
    }

    /// As [`Target::parse`], but a password in the URL is handed back
    /// apart instead of refused (for a URL typed at `sync --to`).
    pub fn parse_taking_password(url: &str) -> Result<(Target, Option<String>), TargetError> {
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .ok_or_else(|| TargetError::Scheme(crate::core::sanitize::quote(url)))?;
        let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = main.split_once('/').unwrap_or((main, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let mut password = None;
        let mut user = None;
        if let Some(info) = userinfo {
            let (u, p) = match info.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (info, None),
            };
            if !u.is_empty() {
                user = Some(decode(u)?);
            }
            if let Some(p) = p {
                password = Some(decode(p)?);
            }
        }
        if hostport.contains(',') {
            return Err(TargetError::Several("host".into()));
        }
        let (host, port) = split_host_port(hostport)?;
        let mut host = match host {
            h if h.is_empty() => None,
            h => Some(decode(&h)?),
        };
        let mut port = port.map(|p| parse_port(&p)).transpose()?;
        let mut dbname = (!path.is_empty()).then(|| decode(path)).transpose()?;
        let mut sslmode = SslMode::default();
        let mut sslrootcert = None;
        let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        let mut application_name = None;
        let mut seen = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key)?;
            let value = decode(value)?;
            if seen.contains(&key) {
                return Err(TargetError::Several(key));
            }
            seen.push(key.clone());
            match key.as_str() {
                "host" => host = Some(value),
                "port" => port = Some(parse_port(&value)?),
                "user" => user = Some(value),
                "dbname" => dbname = Some(value),
                "password" => password = Some(value),
                "sslmode" => sslmode = parse_sslmode(&value)?,
                "sslrootcert" => sslrootcert = Some(PathBuf::from(value)),
                "connect_timeout" => {
                    let secs: u64 = value.parse().map_err(|_| TargetError::Timeout(value))?;
                    // libpq: 0 means wait forever; we keep a bound.
                    if secs > 0 {
                        connect_timeout = Duration::from_secs(secs);
                    }
                }
                "application_name" => application_name = Some(value),
                _ => return Err(TargetError::Parameter(key)),
            }
        }
        let user = user.filter(|u| !u.is_empty()).ok_or(TargetError::NoUser)?;
        let host = match host {
            Some(h) if h.starts_with('/') => Host::Socket(PathBuf::from(h)),
            Some(h) if !h.is_empty() => Host::Tcp(h),
            // libpq's default: the local socket directory.
            _ => Host::Socket(PathBuf::from("/var/run/postgresql")),
        };
        let target = Target {
            host,
            port: port.unwrap_or(DEFAULT_PORT),
            dbname: dbname
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| user.clone()),
            user,
            sslmode,
            sslrootcert,
            connect_timeout,
            application_name,
        };
        Ok((target, password.filter(|p| !p.is_empty())))
    }

    /// The URL without any password: safe to print, log and store, and
    /// [`Target::parse`] reads it back to the same target.
    pub fn redacted(&self) -> String {
        let mut url = format!("postgresql://{}@", encode(&self.user));
        let mut params = Vec::new();
        match &self.host {
            Host::Tcp(h) if h.contains(':') => url.push_str(&format!("[{h}]")),
            Host::Tcp(h) => url.push_str(&encode(h)),
            Host::Socket(dir) => params.push(format!("host={}", encode(&dir.to_string_lossy()))),
        }
        if self.port != DEFAULT_PORT {
            url.push_str(&format!(":{}", self.port));
        }
        url.push('/');
        url.push_str(&encode(&self.dbname));
        if self.sslmode != SslMode::default() {
            params.push(format!("sslmode={}", self.sslmode.as_str()));
        }
        if let Some(root) = &self.sslrootcert {
            params.push(format!("sslrootcert={}", encode(&root.to_string_lossy())));
        }
        if self.connect_timeout != DEFAULT_CONNECT_TIMEOUT {
            params.push(format!(
                "connect_timeout={}",
                self.connect_timeout.as_secs()
            ));
        }
        if let Some(name) = &self.application_name {
            params.push(format!("application_name={}", encode(name)));
        }
        if !params.is_empty() {
            url.push('?');
            url.push_str(&params.join("&"));
        }
        url
    }

    /// The host as libpq's password file names it: the host name, or the
    /// socket directory.
    pub fn host_text(&self) -> String {
        match &self.host {
            Host::Tcp(h) => h.clone(),
            Host::Socket(dir) => dir.to_string_lossy().into_owned(),
        }
    }
}

/// The redacted URL.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn split_host_port(s: &str) -> Result<(String, Option<String>), TargetError> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(TargetError::Escape)?;
        let port = after.strip_prefix(':').map(str::to_owned);
        return Ok((host.to_owned(), port));
    }
    Ok(match s.rsplit_once(':') {
        Some((h, p)) => (h.to_owned(), Some(p.to_owned())),
        None => (s.to_owned(), None),
    })
}

fn parse_port(s: &str) -> Result<u16, TargetError> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(TargetError::Port(crate::core::sanitize::quote(s))),
    }
}

fn parse_sslmode(s: &str) -> Result<SslMode, TargetError> {
    Ok(match s {
        "disable" => SslMode::Disable,
        "prefer" => SslMode::Prefer,
        "require" => SslMode::Require,
        "verify-ca" => SslMode::VerifyCa,
        "verify-full" => SslMode::VerifyFull,
        other => return Err(TargetError::SslMode(crate::core::sanitize::quote(other))),
    })
}

/// Percent-decoding (`%2F`), also `+` left as is (libpq does).
fn decode(s: &str) -> Result<String, TargetError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(TargetError::Escape)?;
            let hex = std::str::from_utf8(hex).map_err(|_| TargetError::Escape)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| TargetError::Escape)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| TargetError::Escape)
}

/// Percent-encodes everything but unreserved characters and `/`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_url_is_read() {
        let t = Target::parse(
            "postgresql://kiosk@db.example.org:6543/survey?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(t.host, Host::Tcp("db.example.org".into()));
        assert_eq!(t.port, 6543);
        assert_eq!(t.user, "kiosk");
        assert_eq!(t.dbname, "survey");
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        assert_eq!(t.sslrootcert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(t.connect_timeout, Duration::from_secs(3));
    }

    #[test]
    fn defaults_are_libpqs() {
        let t = Target::parse("postgres://anna@localhost").unwrap();
        assert_eq!(t.port, 5432);
        assert_eq!(t.dbname, "anna");
        assert_eq!(t.sslmode, SslMode::Prefer);
        assert_eq!(t.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    }

    #[test]
    fn a_socket_directory_in_host_or_escaped() {
        let a = Target::parse("postgresql://u@/db?host=/tmp/pg%20x&port=5999").unwrap();
        assert_eq!(a.host, Host::Socket(PathBuf::from("/tmp/pg x")));
        assert_eq!(a.port, 5999);
        let b = Target::parse("postgresql://u@%2Fvar%2Frun%2Fpostgresql/db").unwrap();
        assert_eq!(b.host, Host::Socket(PathBuf::from("/var/run/postgresql")));
    }

    #[test]
    fn a_password_is_refused_or_taken_out() {
        for url in [
            "postgresql://u:secret@h/db",
            "postgresql://u@h/db?password=secret",
        ] {
            assert_eq!(Target::parse(url), Err(TargetError::PasswordInUrl));
            let (t, p) = Target::parse_taking_password(url).unwrap();
            assert_eq!(p.as_deref(), Some("secret"));
            assert!(!t.redacted().contains("secret"));
            assert!(!format!("{t:?}").contains("secret"));
        }
    }

    #[test]
    fn redacted_reads_back_to_the_same_target() {
        for url in [
            "postgresql://kiosk@db.example.org:6543/survey?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            "postgresql://u%40x@/db?host=/tmp/pg%20x&port=5999",
            "postgresql://u@[::1]/d?application_name=kioski%20one&connect_timeout=4",
            "postgresql://u@h",
        ] {
            let t = Target::parse(url).unwrap();
            assert_eq!(Target::parse(&t.redacted()).unwrap(), t, "{url} -> {t}");
        }
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let err = |u: &str| Target::parse(u).unwrap_err();
        assert!(matches!(err("mysql://u@h/d"), TargetError::Scheme(_)));
        assert_eq!(err("postgresql://h/d"), TargetError::NoUser);
        assert!(matches!(
            err("postgresql://u@h:99999/d"),
            TargetError::Port(_)
        ));
        assert!(matches!(
            err("postgresql://u@h/d?sslmode=allow"),
            TargetError::SslMode(_)
        ));
        assert!(matches!(
            err("postgresql://u@h/d?gssencmode=x"),
            TargetError::Parameter(_)
        ));
        assert!(matches!(
            err("postgresql://u@a,b/d"),
            TargetError::Several(_)
        ));
        assert_eq!(err("postgresql://u@h/d%zz"), TargetError::Escape);
    }
}
