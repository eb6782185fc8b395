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

use std::io::{self, Cursor, Read};

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
    /// A symbolic or hard link; never followed.
    Link {
        member: String,
        target: String,
        outside: bool,
    },
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
            Issue::Link {
                member,
                target,
                outside: true,
            } => write!(
                f,
                "{member}: link to {target}, outside the archive: not followed"
            ),
            Issue::Link { member, target, .. } => {
                write!(f, "{member}: link to {target}, read under its own name")
            }
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

/// A reader that stops at a per-member cap and counts into the archive's
/// total.
struct Capped<'a> {
    inner: &'a mut dyn Read,
    left: u64,
    total: &'a mut u64,
    cut: bool,
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a member exactly at the cap from a longer one.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? > 0 {
                self.cut = true;
            }
            return Ok(0);
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        *self.total += n as u64;
        Ok(n)
    }
}

/// What to do with the next member.
enum Admit {
    Stop,
    Skip,
    Read(MemberPath),
}

/// What a visitor is handed for one regular file.
pub struct File<'a> {
    pub path: &'a MemberPath,
    /// Size the archive declares (tar header or zip directory).
    pub declared: u64,
}

/// Walks archives, calling the visitor `F` for every regular file.
pub struct Walker<F> {
    pub limits: Limits,
    pub issues: Vec<Issue>,
    /// Members seen (all kinds), over all archives walked.
    pub members: u64,
    /// Bytes decompressed from the current top-level archive.
    total: u64,
    stopped: bool,
    visit: F,
}

impl<F: FnMut(&File<'_>, &mut dyn Read) -> io::Result<()>> Walker<F> {
    pub fn new(limits: Limits, visit: F) -> Walker<F> {
        Walker {
            limits,
            issues: Vec::new(),
            members: 0,
            total: 0,
            stopped: false,
            visit,
        }
    }

    /// Walks a top-level archive whose first bytes were recognised as
    /// `container`. `display` names it, `name` is its file name.
    pub fn walk(
        &mut self,
        reader: Box<dyn Read + '_>,
        container: Container,
        display: &str,
        name: &str,
    ) -> io::Result<()> {
        self.total = 0;
        self.stopped = false;
        let path = MemberPath {
            archive: display.to_string(),
            archive_name: name.to_string(),
            member: String::new(),
        };
        self.stream(reader, container, &path, 1)
    }

    /// One stream at `depth`: peel compression, then a tar, a zip or a
    /// single compressed file.
    fn stream(
        &mut self,
        reader: Box<dyn Read + '_>,
        container: Container,
        at: &MemberPath,
        depth: u32,
    ) -> io::Result<()> {
        let mut reader = reader;
        let mut container = container;
        let mut layers = 0;
        while container.is_compression() {
            layers += 1;
            if layers > 3 {
                break;
            }
            reader = Box::new(decoder(container, reader)?);
            let mut head = Vec::with_capacity(512);
            (&mut reader).take(512).read_to_end(&mut head)?;
            let next = Container::sniff(&head);
            reader = Box::new(Cursor::new(head).chain(reader));
            match next {
                Some(c) => container = c,
                None => {
                    // A single compressed file: its name without the suffix.
                    let (archive, name) = if at.member.is_empty() {
                        (at.archive.clone(), stem_compression(&at.archive_name))
                    } else {
                        (at.archive.clone(), stem_compression(&at.member))
                    };
                    let single = MemberPath {
                        archive,
                        archive_name: at.archive_name.clone(),
                        member: name.to_string(),
                    };
                    return self.file(&single, 0, &mut reader, depth);
                }
            }
        }
        match container {
            Container::Tar => self.tar(reader, at, depth),
            Container::Zip => {
                // zip needs to seek: the member is held in memory, within the cap.
                let mut buf = Vec::new();
                let mut used = 0u64;
                let mut capped = Capped {
                    inner: &mut reader,
                    left: self.limits.max_member,
                    total: &mut used,
                    cut: false,
                };
                capped.read_to_end(&mut buf)?;
                let cut = capped.cut;
                self.total += used;
                if cut {
                    self.issues.push(Issue::MemberCap {
                        member: self.label(at),
                        limit: self.limits.max_member,
                    });
                    return Ok(());
                }
                self.zip(Cursor::new(buf), at, depth)
            }
            c if c.is_encryption() => {
                let name = if at.member.is_empty() {
                    at.archive_name.clone()
                } else {
                    at.member.clone()
                };
                self.issues.push(Issue::Encrypted {
                    member: self.label(at),
                    hint: c.decrypt_hint(&name),
                });
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Walks a zip file that can seek (a file on disk).
    pub fn walk_zip<R: Read + io::Seek>(
        &mut self,
        reader: R,
        display: &str,
        name: &str,
    ) -> io::Result<()> {
        self.total = 0;
        self.stopped = false;
        let at = MemberPath {
            archive: display.to_string(),
            archive_name: name.to_string(),
            member: String::new(),
        };
        self.zip(reader, &at, 1)
    }

    fn label(&self, at: &MemberPath) -> String {
        if at.member.is_empty() {
            at.archive.clone()
        } else {
            at.display()
        }
    }

    /// The path of the archive that `at` names, for its own members.
    fn inner(at: &MemberPath) -> (String, String) {
        if at.member.is_empty() {
            (at.archive.clone(), at.archive_name.clone())
        } else {
            let name = at
                .member
                .rsplit('/')
                .next()
                .unwrap_or(&at.member)
                .to_string();
            (at.display(), name)
        }
    }

    fn tar(&mut self, reader: Box<dyn Read + '_>, at: &MemberPath, depth: u32) -> io::Result<()> {
        let (archive, archive_name) = Self::inner(at);
        let mut ar = tar::Archive::new(reader);
        let entries = match ar.entries() {
            Ok(e) => e,
            Err(e) => {
                self.issues.push(Issue::Damaged {
                    after: "the start".into(),
                    error: e.to_string(),
                });
                return Ok(());
            }
        };
        let mut last = String::from("the start");
        let mut count = 0u64;
        for entry in entries {
            if self.stopped {
                break;
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.issues.push(Issue::Damaged {
                        after: last,
                        error: e.to_string(),
                    });
                    break;
                }
            };
            count += 1;
            self.members += 1;
            if count > self.limits.max_members {
                self.issues.push(Issue::TooManyMembers {
                    limit: self.limits.max_members,
                });
                break;
            }
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let declared = entry.header().size().unwrap_or(0);
            // Everything the walk decompresses counts, read or skipped.
            let path = match self.admit(&archive, &archive_name, &raw, declared) {
                Admit::Stop => break,
                Admit::Skip => {
                    last = raw;
                    continue;
                }
                Admit::Read(path) => path,
            };
            last = path.member.clone();
            let kind = entry.header().entry_type();
            if kind.is_file() || kind.is_contiguous() {
                let before = self.total;
                self.file(&path, declared, &mut entry, depth)?;
                // What the visitor left unread is skipped by the tar reader;
                // count it against the total all the same.
                let read = self.total - before;
                self.total = self.total.saturating_add(declared.saturating_sub(read));
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                // Links inside the archive (sos's `hostname`, `date` and
                // `.tailed` links) point at members read under their own name.
                if link_leaves(&path.member, &target, kind.is_hard_link()) {
                    self.issues.push(Issue::Link {
                        member: path.display(),
                        target,
                        outside: true,
                    });
                }
            } else if kind.is_dir()
                || kind.is_pax_global_extensions()
                || kind.is_pax_local_extensions()
                || kind.is_gnu_longname()
                || kind.is_gnu_longlink()
            {
            } else {
                let what = if kind.is_fifo() {
                    "a FIFO"
                } else if kind.is_character_special() {
                    "a character device"
                } else if kind.is_block_special() {
                    "a block device"
                } else {
                    "a special member"
                };
                self.issues.push(Issue::Special {
                    member: path.display(),
                    what,
                });
            }
        }
        Ok(())
    }

    fn zip<R: Read + io::Seek>(
        &mut self,
        reader: R,
        at: &MemberPath,
        depth: u32,
    ) -> io::Result<()> {
        let (archive, archive_name) = Self::inner(at);
        let mut zip = match zip::ZipArchive::new(reader) {
            Ok(z) => z,
            Err(e) => {
                self.issues.push(Issue::Damaged {
                    after: "the start".into(),
                    error: e.to_string(),
                });
                return Ok(());
            }
        };
        let n = zip.len() as u64;
        if n > self.limits.max_members {
            self.issues.push(Issue::TooManyMembers {
                limit: self.limits.max_members,
            });
        }
        let mut last = String::from("the start");
        for i in 0..n.min(self.limits.max_members) {
            if self.stopped {
                break;
            }
            self.members += 1;
            let mut file = match zip.by_index(i as usize) {
                Ok(f) => f,
                Err(zip::result::ZipError::UnsupportedArchive(e)) => {
                    self.issues.push(Issue::Unsupported {
                        member: format!("{archive}!#{i}"),
                        error: e.to_string(),
                    });
                    continue;
                }
                Err(e) => {
                    self.issues.push(Issue::Damaged {
                        after: last,
                        error: e.to_string(),
                    });
                    break;
                }
            };
            let raw = String::from_utf8_lossy(file.name_raw()).into_owned();
            let declared = file.size();
            let path = match self.admit(
                &archive,
                &archive_name,
                &raw,
                declared.min(self.limits.max_member),
            ) {
                Admit::Stop => break,
                Admit::Skip => {
                    last = raw;
                    continue;
                }
                Admit::Read(path) => path,
            };
            last = path.member.clone();
            if file.is_dir() {
                continue;
            }
            if file.is_symlink() {
                let mut target = String::new();
                let _ = (&mut file).take(4096).read_to_string(&mut target);
                if link_leaves(&path.member, &target, false) {
                    self.issues.push(Issue::Link {
                        member: path.display(),
                        target,
                        outside: true,
                    });
                }
                continue;
            }
            if file.encrypted() {
                self.issues.push(Issue::Encrypted {
                    member: path.display(),
                    hint: "a password-protected zip member: unzip it with its password first"
                        .into(),
                });
                continue;
            }
            self.file(&path, declared, &mut file, depth)?;
        }
        Ok(())
    }

    /// Whether a member may be read: within the archive's total, under a
    /// name that stays inside it.
    fn admit(&mut self, archive: &str, archive_name: &str, raw: &str, declared: u64) -> Admit {
        if self.total.saturating_add(declared) > self.limits.max_total {
            self.issues.push(Issue::TotalCap {
                member: format!("{archive}!{raw}"),
                limit: self.limits.max_total,
            });
            self.stopped = true;
            return Admit::Stop;
        }
        match self.member_name(archive, raw) {
            None => Admit::Skip,
            Some(member) => Admit::Read(MemberPath {
                archive: archive.to_string(),
                archive_name: archive_name.to_string(),
                member,
            }),
        }
    }

    /// Checks a member name; `None` when it must not be read.
    fn member_name(&mut self, archive: &str, raw: &str) -> Option<String> {
        match normalise(raw) {
            None => {
                self.issues.push(Issue::Escapes {
                    member: format!("{archive}!{raw}"),
                });
                None
            }
            Some((name, absolute)) => {
                if absolute {
                    self.issues.push(Issue::Absolute {
                        member: format!("{archive}!{raw}"),
                    });
                }
                (!name.is_empty()).then_some(name)
            }
        }
    }

    /// A regular file: an archive inside the archive, or a file for the visitor.
    fn file(
        &mut self,
        path: &MemberPath,
        declared: u64,
        reader: &mut dyn Read,
        depth: u32,
    ) -> io::Result<()> {
        let limit = self.limits.max_member;
        let mut used = 0u64;
        let mut capped = Capped {
            inner: reader,
            left: limit,
            total: &mut used,
            cut: false,
        };
        let mut head = Vec::with_capacity(512);
        // A read error inside a member is the archive's damage, not the run's.
        if let Err(e) = (&mut capped).take(512).read_to_end(&mut head) {
            self.total += used;
            self.damaged(path, &e);
            return Ok(());
        }
        let nested = Container::sniff(&head).or_else(|| Container::by_name(&path.member));
        if let Some(c) = nested {
            let archive_like = !c.is_compression() || is_archive_name(&path.member);
            if archive_like && depth >= self.limits.max_depth {
                self.issues.push(Issue::TooDeep {
                    member: path.display(),
                    depth: depth + 1,
                });
                return Ok(());
            }
            let chained: Box<dyn Read + '_> = Box::new(Cursor::new(head).chain(capped));
            if let Err(e) = self.stream(chained, c, path, depth + 1) {
                self.damaged(path, &e);
            }
            return Ok(());
        }
        let mut chained = Cursor::new(head).chain(&mut capped);
        let file = File { path, declared };
        let outcome = (self.visit)(&file, &mut chained);
        let cut = capped.cut;
        self.total += used;
        if cut {
            self.issues.push(Issue::MemberCap {
                member: path.display(),
                limit,
            });
        }
        if let Err(e) = outcome {
            self.damaged(path, &e);
        }
        Ok(())
    }

    /// A member could not be read to its end: the archive is damaged there,
    /// and nothing after it can be trusted to be found.
    fn damaged(&mut self, path: &MemberPath, e: &io::Error) {
        self.issues.push(Issue::Damaged {
            after: path.display(),
            error: e.to_string(),
        });
        self.stopped = true;
    }
}

fn stem_compression(name: &str) -> &str {
    strip_one(name, &[".gz", ".xz", ".zst", ".bz2"])
}

fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tar.bz2", ".tbz2",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
}

/// Whether a link's target leaves the archive. Hard link targets are
/// archive paths; symbolic ones are relative to the link's folder.
fn link_leaves(member: &str, target: &str, hard: bool) -> bool {
    if target.starts_with('/') {
        return true;
    }
    let base = if hard {
        String::new()
    } else {
        member
            .rsplit_once('/')
            .map(|(dir, _)| dir.to_string())
            .unwrap_or_default()
    };
    let joined = if base.is_empty() {
        target.to_string()
    } else {
        format!("{base}/{target}")
    };
    normalise(&joined).is_none()
}

/// Hands `reader`'s bytes to `f` running on another thread, as a reader that
/// can cross threads: archive members borrow their archive and cannot, but
/// the stream parsers run their reading on a thread of their own. This
/// thread decompresses while `f` parses.
///
/// The parsers split their work over the rayon pool, and this thread may be
/// one of its workers: while it waits (for room in the channel, for `f` to
/// end) it runs pool work instead of blocking, so that archives read on
/// every worker at once cannot starve the parsers they feed.
pub fn pumped<T: Send>(
    reader: &mut dyn Read,
    f: impl FnOnce(&mut (dyn Read + Send)) -> T + Send,
) -> io::Result<T> {
    const CHUNK: usize = 1 << 20;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
        let worker = scope.spawn(move || {
            let mut r = ChannelReader {
                rx,
                buf: Vec::new(),
                pos: 0,
            };
            f(&mut r)
        });
        loop {
            let mut buf = vec![0u8; CHUNK];
            let mut filled = 0;
            let mut failed = None;
            while filled < CHUNK {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            buf.truncate(filled);
            let end = filled == 0 || failed.is_some();
            if filled > 0 && !send_helping(&tx, Ok(buf)) {
                break;
            }
            if let Some(e) = failed {
                send_helping(&tx, Err(e));
                break;
            }
            if end {
                break;
            }
        }
        drop(tx);
        while !worker.is_finished() {
            help_or_wait();
        }
        worker
            .join()
            .map_err(|_| io::Error::other("a parser thread panicked"))
    })
}

/// Sends without blocking the rayon pool; false when the receiver is gone.
fn send_helping<T>(tx: &std::sync::mpsc::SyncSender<T>, item: T) -> bool {
    let mut item = item;
    loop {
        match tx.try_send(item) {
            Ok(()) => return true,
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return false,
            Err(std::sync::mpsc::TrySendError::Full(back)) => {
                item = back;
                help_or_wait();
            }
        }
    }
}

/// Runs one job of the rayon pool when this is one of its threads and work
/// is waiting; otherwise waits a moment.
fn help_or_wait() {
    if rayon::yield_now() != Some(rayon::Yield::Executed) {
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

struct ChannelReader {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(Ok(b)) => {
                    self.buf = b;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
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
