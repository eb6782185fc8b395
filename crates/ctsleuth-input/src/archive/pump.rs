//! A member's bytes handed to a parser on another thread.

use std::io::{self, Read};

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
