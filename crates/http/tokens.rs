//! The bearer tokens file (`RESONANCE_HTTP_TOKENS_FILE`): one line per token,
//! `<role> sha256 <salt-hex> <hash-hex>`, where hash = SHA-256(salt || token). Blank lines
//! and lines starting with `#` are skipped. The file holds no secret: a token is 32 random
//! bytes, so a salted fast hash cannot be searched back to it (a slow password hash would
//! only cost CPU on every request), and the salt keeps two lines of one token apart.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The hash scheme of every line today; a line naming another is refused, so a later
/// scheme can be added without an old service misreading it.
const SCHEME: &str = "sha256";
const SALT_BYTES: usize = 16;
const HASH_BYTES: usize = 32;
const TOKEN_BYTES: usize = 32;
/// Tokens start with this, so a secret scanner or a reader can tell one in a log or a file.
const TOKEN_PREFIX: &str = "rsn_";
/// Postgres truncates identifiers to 63 bytes (NAMEDATALEN - 1); a longer name would switch
/// to a different role than the one the file names.
const MAX_ROLE_BYTES: usize = 63;

/// One line of the file: the role a token maps to, and how to recognise the token.
#[derive(Debug, Clone, PartialEq)]
struct TokenEntry {
    role: String,
    salt: [u8; SALT_BYTES],
    hash: [u8; HASH_BYTES],
}

/// Every token of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSet {
    entries: Vec<TokenEntry>,
}

/// Why the file cannot be used: the line (1-based) and what is wrong with it.
#[derive(Debug, PartialEq)]
pub struct TokenFileError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TokenFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(n) => write!(f, "line {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl TokenSet {
    /// Reads the file at `path`.
    pub fn load(path: &std::path::Path) -> Result<TokenSet, TokenFileError> {
        let text = std::fs::read_to_string(path).map_err(|e| TokenFileError { line: None, message: format!("cannot read {}: {e}", path.display()) })?;
        TokenSet::parse(&text)
    }

    /// Parses the file's text; the first bad line is the error. A file without any token is
    /// refused too: the service would then answer every request 401.
    pub fn parse(text: &str) -> Result<TokenSet, TokenFileError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            entries.push(parse_line(line).map_err(|message| TokenFileError { line: Some(index + 1), message })?);
        }
        if entries.is_empty() {
            return Err(TokenFileError { line: None, message: "no token in the file (add one with `resonance-http hash-token <role>`)".into() });
        }
        Ok(TokenSet { entries })
    }

    /// The role of the line whose hash the token matches. Every line is hashed and compared
    /// in constant time, so the answer's timing tells nothing about how close a guess was.
    pub fn role_of(&self, token: &str) -> Option<&str> {
        let mut found = None;
        for entry in &self.entries {
            let matches: bool = hash(&entry.salt, token).ct_eq(&entry.hash).into();
            if matches && found.is_none() {
                found = Some(entry.role.as_str());
            }
        }
        found
    }
}

fn parse_line(line: &str) -> Result<TokenEntry, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [role, scheme, salt, hash] = fields[..] else {
        return Err(format!("expected `<role> {SCHEME} <salt-hex> <hash-hex>`, got {} field(s)", fields.len()));
    };
    if scheme != SCHEME {
        return Err(format!("unknown hash scheme {scheme:?} (known: {SCHEME})"));
    }
    check_role(role)?;
    Ok(TokenEntry { role: role.to_string(), salt: hex_bytes(salt, "salt")?, hash: hex_bytes(hash, "hash")? })
}

/// A role name the file can hold: what Postgres accepts as a name, without white space
/// (the file's separator). Any other character is fine: the name is quoted in SQL.
pub fn check_role(role: &str) -> Result<(), String> {
    if role.is_empty() || role.len() > MAX_ROLE_BYTES {
        return Err(format!("role name must be 1 to {MAX_ROLE_BYTES} bytes, got {} ({role:?})", role.len()));
    }
    if role.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("role name must have no white space or control characters, got {role:?}"));
    }
    Ok(())
}

fn hex_bytes<const N: usize>(text: &str, what: &str) -> Result<[u8; N], String> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| format!("{what} must be {} hex digits, got {text:?}", 2 * N))?;
    Ok(out)
}

fn hash(salt: &[u8], token: &str) -> [u8; HASH_BYTES] {
    Sha256::new().chain_update(salt).chain_update(token.as_bytes()).finalize().into()
}

/// A new token for `role`: the token (shown once, kept by the caller) and the line to
/// append to the tokens file.
pub fn new_token(role: &str) -> Result<(String, String), String> {
    check_role(role)?;
    let mut secret = [0u8; TOKEN_BYTES];
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut secret).and_then(|()| getrandom::fill(&mut salt)).map_err(|e| format!("no random bytes from the operating system: {e}"))?;
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    let line = format!("{role} {SCHEME} {} {}", hex::encode(salt), hex::encode(hash(&salt, &token)));
    Ok((token, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        TokenSet::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_new_token_is_recognised_and_maps_to_its_role() {
        let (token_a, line_a) = new_token("App-Reader").unwrap();
        let (token_b, line_b) = new_token("analyst").unwrap();
        let set = TokenSet::parse(&format!("# tokens\n\n{line_a}\n  {line_b}  \n")).unwrap();
        assert_eq!(set.role_of(&token_a), Some("App-Reader"));
        assert_eq!(set.role_of(&token_b), Some("analyst"));
        assert!(token_a.starts_with(TOKEN_PREFIX) && token_a.len() == TOKEN_PREFIX.len() + 2 * TOKEN_BYTES, "{token_a}");
        assert_ne!(token_a, token_b);
        // The line holds the hash, never the token.
        assert!(!line_a.contains(&token_a[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn wrong_tokens_match_no_role() {
        let (token, line) = new_token("app").unwrap();
        let set = TokenSet::parse(&line).unwrap();
        assert_eq!(set.role_of(""), None);
        assert_eq!(set.role_of(&token[..token.len() - 1]), None);
        assert_eq!(set.role_of(&format!("{token}x")), None);
        let mut flipped = token.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        assert_eq!(set.role_of(std::str::from_utf8(&flipped).unwrap()), None);
    }

    #[test]
    fn the_hash_is_sha256_of_salt_then_token() {
        // So any tool can make a line: SHA-256 of the salt's bytes followed by the token's.
        // FIPS 180-2's test vector: SHA-256("abc").
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hex::encode(hash(b"ab", "c")), abc);
        assert_eq!(hex::encode(hash(b"", "abc")), abc);
        let line = format!("r sha256 {} {abc}", hex::encode(*b"abcdefghijklmnop"));
        assert_eq!(TokenSet::parse(&line).unwrap().role_of("abc"), None, "the salt is part of the hash");
    }

    #[test]
    fn bad_lines_are_named_by_number() {
        let good = new_token("app").unwrap().1;
        let salt = "00".repeat(SALT_BYTES);
        let hash = "00".repeat(HASH_BYTES);
        assert_eq!(error_of(&format!("{good}\napp {salt} {hash}")), "line 2: expected `<role> sha256 <salt-hex> <hash-hex>`, got 3 field(s)");
        assert_eq!(error_of(&format!("# c\n\napp md5 {salt} {hash}")), "line 3: unknown hash scheme \"md5\" (known: sha256)");
        assert_eq!(error_of(&format!("app sha256 abc {hash}")), format!("line 1: salt must be {} hex digits, got \"abc\"", 2 * SALT_BYTES));
        assert_eq!(error_of(&format!("app sha256 {salt} {}zz", &hash[2..])), format!("line 1: hash must be 64 hex digits, got \"{}zz\"", &hash[2..]));
        assert!(error_of(&format!("{} sha256 {salt} {hash}", "r".repeat(64))).starts_with("line 1: role name must be 1 to 63 bytes, got 64"));
        assert_eq!(error_of(&format!("a\u{7}b sha256 {salt} {hash}")), "line 1: role name must have no white space or control characters, got \"a\\u{7}b\"");
        assert_eq!(error_of("# only a comment\n\n"), "no token in the file (add one with `resonance-http hash-token <role>`)");
    }

    #[test]
    fn new_tokens_refuse_roles_the_file_cannot_hold() {
        assert!(new_token("two words").unwrap_err().starts_with("role name must have no white space"));
        assert!(new_token("").unwrap_err().starts_with("role name must be 1 to 63 bytes"));
        assert!(new_token(&"é".repeat(32)).is_err(), "64 bytes in 32 characters");
    }

    #[test]
    fn a_missing_file_says_which() {
        let e = TokenSet::load(std::path::Path::new("/nonexistent/tokens")).unwrap_err();
        assert_eq!(e.line, None);
        assert!(e.message.starts_with("cannot read /nonexistent/tokens: "), "{}", e.message);
    }
}
