//! Where a sync's password comes from: `PGPASSWORD`, then a password file
//! in libpq's format (`PGPASSFILE`, else `~/.pgpass`), then (in the CLI)
//! a prompt. The CLI reads the environment and passes the values in; the
//! file's format is parsed here, purely ([`lookup`]).

use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::target::{Host, Target};

/// What the search found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub password: Option<String>,
    /// Where it came from, for a message ("from PGPASSWORD").
    pub source: Option<String>,
    /// A password file that was passed over, and why (libpq warns too).
    pub warning: Option<String>,
}

/// The password file libpq reads when `PGPASSFILE` is unset.
pub fn default_passfile(home: Option<&Path>) -> Option<PathBuf> {
    home.map(|h| h.join(".pgpass"))
}

/// `pgpassword` (the value of `PGPASSWORD`), else the line of the password
/// file `passfile` that matches `target`. A file readable by group or
/// others is passed over with a warning, as libpq does.
pub fn find(target: &Target, pgpassword: Option<&str>, passfile: Option<&Path>) -> Found {
    if let Some(p) = pgpassword.filter(|p| !p.is_empty()) {
        return Found {
            password: Some(p.to_owned()),
            source: Some("PGPASSWORD".into()),
            warning: None,
        };
    }
    let Some(path) = passfile else {
        return Found::default();
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Found::default(),
        Err(e) => return passed_over(path, &e.to_string()),
    };
    if !meta.is_file() {
        return passed_over(path, "it is not a regular file");
    }
    if !mode_ok(meta.permissions().mode()) {
        return passed_over(
            path,
            &format!(
                "others can read it; make it yours alone with `chmod 600 {}`",
                path.display()
            ),
        );
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Found {
            password: lookup(&text, target),
            source: Some(path.display().to_string()),
            warning: None,
        },
        Err(e) => passed_over(path, &e.to_string()),
    }
}

fn passed_over(path: &Path, why: &str) -> Found {
    Found {
        password: None,
        source: None,
        warning: Some(format!(
            "the password file {} is not used: {why}",
            path.display()
        )),
    }
}

/// libpq's rule: no access for group or others.
pub fn mode_ok(mode: u32) -> bool {
    mode & 0o077 == 0
}

/// The password of the first line of a password file that matches
/// `target`: `hostname:port:database:username:password`, `*` matching
/// anything, `\:` and `\\` escaped, `#` lines comments. `localhost` also
/// matches a Unix socket, as in libpq.
pub fn lookup(text: &str, target: &Target) -> Option<String> {
    let host = target.host_text();
    let port = target.port.to_string();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_fields(line);
        let [h, p, d, u, pw] = fields.as_slice() else {
            continue;
        };
        let host_matches =
            h == "*" || *h == host || (h == "localhost" && matches!(target.host, Host::Socket(_)));
        let matches = |f: &str, v: &str| f == "*" || f == v;
        if host_matches
            && matches(p, &port)
            && matches(d, &target.dbname)
            && matches(u, &target.user)
        {
            return Some(pw.clone());
        }
    }
    None
}

/// A line's fields, with `\` escapes undone; the last field takes the rest
/// of the line.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(last) = fields.last_mut()
                {
                    last.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(last) = fields.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn the_first_matching_line_wins() {
        let file = "# comment\n\
                    other.host:5432:*:kiosk:no\n\
                    db.example.org:5432:survey:kiosk:first\n\
                    *:*:*:*:fallback\n";
        let t = target("postgresql://kiosk@db.example.org/survey");
        assert_eq!(lookup(file, &t).as_deref(), Some("first"));
        let other = target("postgresql://anna@elsewhere:6000/x");
        assert_eq!(lookup(file, &other).as_deref(), Some("fallback"));
    }

    #[test]
    fn escapes_and_colons_in_the_password() {
        let file = "h\\:x:5432:d:u:pa\\:ss:wo\\\\rd\n";
        let t = Target::parse_taking_password("postgresql://u@[h:x]/d")
            .unwrap()
            .0;
        assert_eq!(lookup(file, &t).as_deref(), Some("pa:ss:wo\\rd"));
    }

    #[test]
    fn localhost_matches_a_socket_and_its_directory_does_too() {
        let t = target("postgresql://u@/d?host=/tmp/s&port=5999");
        assert_eq!(lookup("localhost:5999:d:u:a\n", &t).as_deref(), Some("a"));
        assert_eq!(lookup("/tmp/s:5999:d:u:b\n", &t).as_deref(), Some("b"));
        assert_eq!(lookup("localhost:5432:d:u:c\n", &t), None, "another port");
    }

    #[test]
    fn pgpassword_comes_first_and_an_open_file_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:from-file\n").unwrap();
        let t = target("postgresql://u@h/d");
        assert_eq!(
            find(&t, Some("env"), Some(&path)).password.as_deref(),
            Some("env")
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let open = find(&t, None, Some(&path));
        assert_eq!(open.password, None);
        assert!(open.warning.unwrap().contains("chmod 600"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            find(&t, None, Some(&path)).password.as_deref(),
            Some("from-file")
        );
        assert_eq!(
            find(&t, None, Some(&dir.path().join("none"))),
            Found::default()
        );
    }
}
