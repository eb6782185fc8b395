//! Archives and compressed files, read in place: nothing is ever extracted
//! to disk.
//!
//! [`Container::sniff`] tells a container from its magic bytes (not its
//! name). [`Walker`] streams a tar (plain, gzip, xz, zstd, bzip2) or a zip
//! member by member, recursing into archives inside archives up to a depth,
//! and hands every regular file to a visitor as a bounded reader. Whatever
//! is odd about an archive (a name that leaves it, a link, a device, a cap
//! reached, an early end) becomes an [`Issue`] for the bundle report: the
//! walk goes on where it safely can and keeps what it read.

use std::io::{self, Read};

/// What the first bytes of a stream say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Gzip,
    Xz,
    Zstd,
    Bzip2,
    Tar,
    Zip,
    /// `age` encryption (Talos support bundles by default).
    Age,
    /// OpenPGP encryption (`sos report --encrypt`, `gpg -c`).
    Pgp,
}

impl Container {
    /// Recognises a container from the head of a stream. PGP has no
    /// reliable magic, so it is recognised by name only ([`Container::by_name`]).
    pub fn sniff(head: &[u8]) -> Option<Container> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Container::Gzip)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Container::Xz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Container::Zstd)
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Some(Container::Bzip2)
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(Container::Zip)
        } else if head.get(257..262) == Some(b"ustar") {
            Some(Container::Tar)
        } else if head.starts_with(b"age-encryption.org/v1") {
            Some(Container::Age)
        } else {
            None
        }
    }

    /// Encrypted files are named by their extension.
    pub fn by_name(name: &str) -> Option<Container> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".gpg") || lower.ends_with(".pgp") || lower.ends_with(".asc") {
            Some(Container::Pgp)
        } else if lower.ends_with(".age") {
            Some(Container::Age)
        } else {
            None
        }
    }

    pub fn is_compression(self) -> bool {
        matches!(
            self,
            Container::Gzip | Container::Xz | Container::Zstd | Container::Bzip2
        )
    }

    pub fn is_encryption(self) -> bool {
        matches!(self, Container::Age | Container::Pgp)
    }

    /// How to decrypt, for the message that names an encrypted input.
    pub fn decrypt_hint(self, name: &str) -> String {
        let plain = strip_one(name, &[".gpg", ".pgp", ".asc", ".age"]);
        match self {
            Container::Age => format!(
                "encrypted with age: decrypt it first (`age -d -i key.txt -o {plain} {name}`, or take the bundle again with `talosctl support --no-encryption`)"
            ),
            _ => format!(
                "encrypted with OpenPGP: decrypt it first (`gpg --output {plain} --decrypt {name}`; sos reports taken with --encrypt-pass or --encrypt-key)"
            ),
        }
    }
}

fn strip_one<'a>(name: &'a str, suffixes: &[&str]) -> &'a str {
    let lower = name.to_ascii_lowercase();
    for s in suffixes {
        if lower.ends_with(s) {
            return &name[..name.len() - s.len()];
        }
    }
    name
}

/// A file name without its archive and compression extensions
/// (`sosreport-x-2024-11-26-abcdefg.tar.xz` → `sosreport-x-2024-11-26-abcdefg`).
pub fn stem(name: &str) -> &str {
    let mut s = name;
    loop {
        let next = strip_one(
            s,
            &[
                ".tar", ".tgz", ".txz", ".tbz2", ".tbz", ".tzst", ".zip", ".gz", ".xz", ".zst",
                ".bz2",
            ],
        );
        if next.len() == s.len() {
            return s;
        }
        s = next;
    }
}

/// One layer of compression undone; `Send` when its source is.
pub enum Decoder<R: Read> {
    Gzip(flate2::read::MultiGzDecoder<R>),
    Xz(liblzma::read::XzDecoder<R>),
    Zstd(zstd::stream::read::Decoder<'static, io::BufReader<R>>),
    Bzip2(bzip2::read::MultiBzDecoder<R>),
    Plain(R),
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Xz(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
            Decoder::Bzip2(d) => d.read(buf),
            Decoder::Plain(r) => r.read(buf),
        }
    }
}

/// Undoes one layer of compression (none for other containers).
pub fn decoder<R: Read>(c: Container, r: R) -> io::Result<Decoder<R>> {
    Ok(match c {
        Container::Gzip => Decoder::Gzip(flate2::read::MultiGzDecoder::new(r)),
        Container::Xz => Decoder::Xz(liblzma::read::XzDecoder::new_multi_decoder(r)),
        Container::Zstd => Decoder::Zstd(zstd::stream::read::Decoder::new(r)?),
        Container::Bzip2 => Decoder::Bzip2(bzip2::read::MultiBzDecoder::new(r)),
        _ => Decoder::Plain(r),
    })
}

/// Bounds on what one archive may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read from one member after decompression.
    pub max_member: u64,
    /// Bytes decompressed from one top-level archive, members and skipped
    /// data together.
    pub max_total: u64,
    /// Members of one archive (zip or tar), directories included.
    pub max_members: u64,
    /// Archives inside archives: 1 is an archive on the command line.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_member: 4 << 30,
            max_total: 32 << 30,
            max_members: 200_000,
            max_depth: 4,
        }
    }
}

/// Something about an archive worth telling the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// A member name that climbs out of the archive (`../x`): not read.
    Escapes { member: String },
    /// An absolute member name: read under its relative form.
    Absolute { member: String },
    /// A link whose target is outside the archive: never followed (links
    /// inside it point at members read under their own names).
    LinkOut { member: String, target: String },
    /// A device, FIFO or other special member: not read.
    Special { member: String, what: &'static str },
    /// A member bigger than the per-member cap: what came before is kept.
    MemberCap { member: String, limit: u64 },
    /// The archive's total cap: the walk stopped there.
    TotalCap { member: String, limit: u64 },
    /// More members than the cap: the rest were not read.
    TooManyMembers { limit: u64 },
    /// An archive nested deeper than allowed: not opened.
    TooDeep { member: String, depth: u32 },
    /// An encrypted member or input.
    Encrypted { member: String, hint: String },
    /// The archive ended early or is damaged: what was read is kept.
    Damaged { after: String, error: String },
    /// A zip member compressed with a method this build does not read.
    Unsupported { member: String, error: String },
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Issue::Escapes { member } => {
                write!(f, "{member}: the name leaves the archive (`..`): not read")
            }
            Issue::Absolute { member } => {
                write!(f, "{member}: absolute member name, read as a relative one")
            }
            Issue::LinkOut { member, target } => write!(
                f,
                "{member}: link to {target}, outside the archive: not followed"
            ),
            Issue::Special { member, what } => write!(f, "{member}: {what}: not read"),
            Issue::MemberCap { member, limit } => write!(
                f,
                "{member}: larger than {} MiB after decompression; only that much was read (raise --max-member-size)",
                limit >> 20
            ),
            Issue::TotalCap { member, limit } => write!(
                f,
                "stopped at {member}: the archive decompresses to more than {} MiB (raise --max-archive-size); the members before it were read",
                limit >> 20
            ),
            Issue::TooManyMembers { limit } => write!(
                f,
                "more than {limit} members: the rest were not read (raise --max-members)"
            ),
            Issue::TooDeep { member, depth } => {
                write!(f, "{member}: an archive nested {depth} deep: not opened")
            }
            Issue::Encrypted { member, hint } => write!(f, "{member}: {hint}"),
            Issue::Damaged { after, error } => write!(
                f,
                "the archive is damaged or cut short after {after}: {error}; what was read before is kept"
            ),
            Issue::Unsupported { member, error } => write!(f, "{member}: {error}: not read"),
        }
    }
}

/// Where a member sits: the archives around it, outermost first, and its
/// path inside the innermost one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPath {
    /// Display path of the innermost archive (`a.tar.gz!inner.tar.xz`).
    pub archive: String,
    /// File name of the innermost archive.
    pub archive_name: String,
    /// The member's path inside it, normalised (no `.`, `..` or leading `/`).
    pub member: String,
}

impl MemberPath {
    /// `archive!member`, how the member is named to the user.
    pub fn display(&self) -> String {
        format!("{}!{}", self.archive, self.member)
    }
}

/// Normalises a member name: `./a/b` → `a/b`. `None` when the name climbs
/// out of the archive; the bool says it was absolute.
pub fn normalise(raw: &str) -> Option<(String, bool)> {
    let absolute = raw.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for comp in raw.split(['/', '\\']) {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    let mut s = parts.join("/");
    // Control characters never reach a terminal or a report.
    if s.chars().any(char::is_control) {
        s = s
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
    }
    Some((s, absolute))
}

mod pump;
mod walk;

pub use pump::pumped;
pub use walk::{File, Walker};

#[cfg(test)]
mod tests {
    use super::walk::link_leaves;
    use super::*;

    #[test]
    fn containers_by_magic() {
        assert_eq!(Container::sniff(&[0x1f, 0x8b, 8]), Some(Container::Gzip));
        assert_eq!(Container::sniff(b"\xfd7zXZ\x00\x00"), Some(Container::Xz));
        assert_eq!(Container::sniff(b"BZh91AY"), Some(Container::Bzip2));
        assert_eq!(Container::sniff(b"BZhx"), None);
        assert_eq!(Container::sniff(b"PK\x03\x04"), Some(Container::Zip));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(Container::sniff(&tar), Some(Container::Tar));
        assert_eq!(Container::sniff(b"tcp 6 117 TIME_WAIT"), None);
        assert_eq!(Container::by_name("x.tar.xz.gpg"), Some(Container::Pgp));
    }

    #[test]
    fn stems_and_names() {
        assert_eq!(
            stem("sosreport-a-2024-11-26-abcdefg.tar.xz"),
            "sosreport-a-2024-11-26-abcdefg"
        );
        assert_eq!(
            stem("eks_i-0a_2024-11-26_0906-UTC_0.7.8.tar.gz"),
            "eks_i-0a_2024-11-26_0906-UTC_0.7.8"
        );
        assert_eq!(stem("support.zip"), "support");
        assert_eq!(normalise("./a/./b"), Some(("a/b".into(), false)));
        assert_eq!(normalise("/etc/passwd"), Some(("etc/passwd".into(), true)));
        assert_eq!(normalise("a/../../etc"), None);
        assert_eq!(normalise("a/../b"), Some(("b".into(), false)));
        assert!(link_leaves("a/b", "../../x", false));
        assert!(!link_leaves(
            "top/hostname",
            "sos_commands/host/hostname",
            false
        ));
        assert!(link_leaves("a", "/etc/shadow", false));
    }

    #[test]
    fn the_pump_carries_every_byte_and_errors() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut src: &[u8] = &data;
        let got = pumped(&mut src, |r| {
            let mut v = Vec::new();
            r.read_to_end(&mut v).map(|_| v)
        })
        .unwrap()
        .unwrap();
        assert_eq!(got, data);
        // A consumer that stops early does not hang the producer.
        let mut src: &[u8] = &data;
        let n = pumped(&mut src, |r| {
            let mut b = [0u8; 10];
            r.read(&mut b)
        })
        .unwrap()
        .unwrap();
        assert_eq!(n, 10);
    }
}
