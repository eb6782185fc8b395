//! The walk through an archive: members in order, each bounded, archives
//! inside archives opened up to the depth allowed.

use std::io::{self, Cursor, Read};

use super::{Container, Issue, Limits, MemberPath, decoder, normalise, strip_one};

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
        let want = usize::try_from(self.left).map_or(buf.len(), |left| buf.len().min(left));
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
        let path = self.begin(display, name);
        self.stream(reader, container, &path, 1)
    }

    /// A fresh top-level archive: its own totals, and its path.
    fn begin(&mut self, display: &str, name: &str) -> MemberPath {
        self.total = 0;
        self.stopped = false;
        MemberPath {
            archive: display.to_string(),
            archive_name: name.to_string(),
            member: String::new(),
        }
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
                    return self.file(&single, &mut reader, depth);
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
        let at = self.begin(display, name);
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
                self.file(&path, &mut entry, depth)?;
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
                    self.issues.push(Issue::LinkOut {
                        member: path.display(),
                        target,
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
            let mut file = match zip.by_index(usize::try_from(i).unwrap_or(usize::MAX)) {
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
                    self.issues.push(Issue::LinkOut {
                        member: path.display(),
                        target,
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
            self.file(&path, &mut file, depth)?;
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
    fn file(&mut self, path: &MemberPath, reader: &mut dyn Read, depth: u32) -> io::Result<()> {
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
        let file = File { path };
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
pub(super) fn link_leaves(member: &str, target: &str, hard: bool) -> bool {
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
