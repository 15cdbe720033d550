//! `Content-Length` framing, without I/O: bytes go in as they arrive,
//! whole message bodies come out.
//!
//! A body is read by its length, however slowly its bytes arrive and
//! whatever it contains (a document may well contain the words
//! `Content-Length: 12` and a blank line). The framer resynchronises only
//! when a header block cannot be parsed (no or bad `Content-Length`, stray
//! bytes before a header), by skipping to the next `Content-Length`. A
//! length that is too long simply waits for more bytes: it may stall the
//! client that sent it, never valid traffic before it. When the server then
//! finds the body is not JSON, [`Framer::unread_from`] hands back the next
//! message swallowed into it.
//!
//! A body over [`MAX_BODY`] is never held: the framer hands out its first
//! [`HEAD`] bytes (where a request's id usually is) as
//! [`Frame::TooLarge`] and skips the rest as it arrives, so the server can
//! refuse it and go on with the next message.
//!
//! The server reads through [`read_frame`]; the end-to-end tests and the
//! benchmarks read the server's output through [`read_frame_blocking`]:
//! one framer for all three.

use std::io::Read;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest message body accepted: 64 MiB. The largest message an editor
/// sends is a whole document, and a 50 MB one (the biggest the reliability
/// table promises to handle, 50 times the default `maxFileBytes`) fits with
/// its JSON escapes. What a body costs once parsed depends on its shape, not
/// only its size (tiny values cost about 32 times their bytes), so
/// `transport::limits` also bounds the number of values; the old 512 MiB
/// allowed about 16 GB.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Bytes of an over-size body kept to find its request id in.
pub const HEAD: usize = 4096;
/// Longest header block accepted before the bytes are treated as garbage.
const MAX_HEADER: usize = 64 * 1024;
const HEADER_NAME: &[u8] = b"Content-Length";

/// One outcome of framing.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Body(Vec<u8>),
    /// A body over [`MAX_BODY`]: its length and first [`HEAD`] bytes (the
    /// rest is skipped as it arrives).
    TooLarge {
        length: usize,
        head: Vec<u8>,
    },
    /// Bytes that could not be framed; the text says why.
    Garbage(String),
}

/// The framing state: bytes received and not yet handed out.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// `(body start, body length)` once the current header block is parsed.
    pending: Option<(usize, usize)>,
    /// `(body start, body length)` of an over-size body whose head is
    /// still arriving.
    oversize: Option<(usize, usize)>,
    /// Bytes of an over-size body still to skip.
    discard: usize,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

impl Framer {
    pub fn new() -> Framer {
        Framer {
            buf: Vec::with_capacity(64 * 1024),
            pending: None,
            oversize: None,
            discard: 0,
        }
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received and not yet handed out.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// How many more bytes the current message needs, when known: readers
    /// use it to read big bodies in big steps.
    fn wanted(&self) -> usize {
        if self.discard > 0 {
            return self.discard;
        }
        match (self.pending, self.oversize) {
            (Some((start, length)), _) => (start + length).saturating_sub(self.buf.len()),
            (None, Some((start, length))) => {
                (start + length.min(HEAD)).saturating_sub(self.buf.len())
            }
            (None, None) => 0,
        }
    }

    /// The next frame, or `None` until more bytes arrive.
    pub fn next_frame(&mut self) -> Option<Frame> {
        if self.discard > 0 {
            let skipped = self.discard.min(self.buf.len());
            self.buf.drain(..skipped);
            self.discard -= skipped;
            if self.discard > 0 {
                return None;
            }
        }
        if self.pending.is_none()
            && self.oversize.is_none()
            && let Err(garbage) = self.parse_header()
        {
            return garbage;
        }
        if let Some((start, length)) = self.oversize {
            let head = length.min(HEAD);
            if self.buf.len() < start + head {
                return None;
            }
            self.oversize = None;
            let head = self.buf[start..start + head].to_vec();
            let here = (self.buf.len() - start).min(length);
            self.buf.drain(..start + here);
            self.discard = length - here;
            return Some(Frame::TooLarge { length, head });
        }
        let (start, length) = self.pending?;
        if self.buf.len() < start + length {
            return None;
        }
        self.pending = None;
        // Hand the (possibly huge) buffer over as the body and keep only
        // what follows it: no copy of the body, and no multi-megabyte
        // buffer kept alive after a big document was opened.
        let rest = self.buf[start + length..].to_vec();
        let mut body = std::mem::replace(&mut self.buf, rest);
        body.truncate(start + length);
        body.drain(..start);
        if self.buf.capacity() < 64 * 1024 {
            self.buf.reserve(64 * 1024);
        }
        Some(Frame::Body(body))
    }

    /// Parses a complete header block into `pending`. `Err(None)`: the
    /// block is not complete yet; `Err(Some(garbage))`: it cannot be parsed
    /// and the framer has skipped past it.
    fn parse_header(&mut self) -> Result<(), Option<Frame>> {
        let Some(header_end) = find(&self.buf, b"\r\n\r\n") else {
            if self.buf.len() > MAX_HEADER {
                self.skip_to_header(1);
                return Err(Some(Frame::Garbage("header section too long".into())));
            }
            return Err(None);
        };
        // Leftovers of a broken message may sit in front of the next header.
        if let Some(k) = find(&self.buf[..header_end], HEADER_NAME)
            && k > 0
            && self.buf[k - 1] != b'\n'
        {
            self.buf.drain(..k);
            return Err(Some(Frame::Garbage(
                "unexpected bytes before a message header".into(),
            )));
        }
        let headers = String::from_utf8_lossy(&self.buf[..header_end]).to_string();
        let mut length = None;
        let mut too_large = None;
        let mut problem = None;
        for line in headers.split("\r\n") {
            let Some((name, value)) = line.split_once(':') else {
                problem = Some(format!("malformed header line {line:?}"));
                continue;
            };
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<usize>() {
                    Ok(n) if n <= MAX_BODY => length = Some(n),
                    Ok(n) => too_large = Some(n),
                    Err(_) => problem = Some(format!("invalid Content-Length {:?}", value.trim())),
                }
            }
        }
        let body_start = header_end + 4;
        if let Some(length) = too_large {
            self.oversize = Some((body_start, length));
            return Ok(());
        }
        let Some(length) = length else {
            self.skip_to_header(body_start);
            let why = problem.unwrap_or_else(|| "missing Content-Length header".into());
            return Err(Some(Frame::Garbage(why)));
        };
        // A malformed extra header line is tolerated; a bad length is not.
        if let Some(problem) = problem.filter(|p| !p.starts_with("malformed")) {
            self.skip_to_header(body_start);
            return Err(Some(Frame::Garbage(problem)));
        }
        self.pending = Some((body_start, length));
        Ok(())
    }

    /// Drops bytes up to the next `Content-Length` at or after `from` (or
    /// keeps a tail that could be the start of one).
    fn skip_to_header(&mut self, from: usize) {
        let from = from.min(self.buf.len());
        match find(&self.buf[from..], HEADER_NAME) {
            Some(i) => {
                self.buf.drain(..from + i);
            }
            None => {
                let keep = self
                    .buf
                    .len()
                    .saturating_sub(HEADER_NAME.len() + 1)
                    .max(from);
                self.buf.drain(..keep);
            }
        }
    }

    /// Called when a framed body was not JSON: if it holds the start of the
    /// next message (the length was too long), give those bytes back.
    pub fn unread_from(&mut self, body: &[u8]) {
        if let Some(i) = find(body, HEADER_NAME) {
            let mut rest = body[i..].to_vec();
            rest.extend_from_slice(&self.buf);
            self.buf = rest;
            self.pending = None;
        } else {
            // Too short a length leaves the rest of the body as garbage in
            // front of the next header: skip it.
            self.skip_to_header(0);
        }
    }
}

/// Reads the next frame from an async reader; `None` at end of input (or a
/// read error, which ends the session the same way).
pub async fn read_frame<R: AsyncRead + Unpin>(framer: &mut Framer, input: &mut R) -> Option<Frame> {
    loop {
        if let Some(frame) = framer.next_frame() {
            return Some(frame);
        }
        framer
            .buf
            .reserve(framer.wanted().clamp(64 * 1024, 16 * 1024 * 1024));
        match input.read_buf(&mut framer.buf).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Reads the next frame from a blocking reader; `None` at end of input.
pub fn read_frame_blocking<R: Read>(framer: &mut Framer, input: &mut R) -> Option<Frame> {
    let mut chunk = vec![0; 64 * 1024];
    loop {
        if let Some(frame) = framer.next_frame() {
            return Some(frame);
        }
        match input.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => framer.push(&chunk[..n]),
        }
    }
}

/// Frames one message body.
pub fn frame_bytes(body: &[u8]) -> Vec<u8> {
    frame_parts(&[body])
}

/// Frames one message whose body is `parts` one after the other, copied
/// once into the frame (a publication's diagnostics can be a quarter of a
/// megabyte: built piece by piece, each piece was copied three times).
pub fn frame_parts(parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 32);
    out.extend_from_slice(b"Content-Length: ");
    out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    fn message(text: &str) -> Vec<u8> {
        let body = serde_json::to_vec(&serde_json::json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": "file:///a.md", "languageId": "markdown", "version": 1, "text": text}}
        }))
        .unwrap();
        frame_bytes(&body)
    }

    /// Bodies that stress framing: header text, blank lines and multi-byte
    /// UTF-8 inside the body.
    fn stream() -> (Vec<u8>, Vec<Vec<u8>>) {
        let texts = [
            "Content-Length: 12\r\n\r\n{}",
            "plain TTFT",
            "😀 中文 Content-Length: 999999 \r\n\r\n é",
            "",
        ];
        let mut bytes = Vec::new();
        let mut bodies = Vec::new();
        for text in texts {
            let framed = message(text);
            let start = find(&framed, b"\r\n\r\n").unwrap() + 4;
            bodies.push(framed[start..].to_vec());
            bytes.extend_from_slice(&framed);
        }
        (bytes, bodies)
    }

    fn drain(framer: &mut Framer) -> Vec<Frame> {
        std::iter::from_fn(|| framer.next_frame()).collect()
    }

    #[test]
    fn a_stream_split_at_every_byte_boundary_frames_the_same() {
        let (bytes, bodies) = stream();
        let expected: Vec<Frame> = bodies.into_iter().map(Frame::Body).collect();
        for split in 0..=bytes.len() {
            let mut framer = Framer::new();
            framer.push(&bytes[..split]);
            let mut got = drain(&mut framer);
            framer.push(&bytes[split..]);
            got.extend(drain(&mut framer));
            assert_eq!(got, expected, "split at {split}");
            assert_eq!(framer.buffered(), 0);
        }
    }

    #[test]
    fn a_stream_fed_one_byte_at_a_time_frames_the_same() {
        let (bytes, bodies) = stream();
        let mut framer = Framer::new();
        let mut got = Vec::new();
        for b in &bytes {
            framer.push(std::slice::from_ref(b));
            got.extend(drain(&mut framer));
        }
        assert_eq!(got, bodies.into_iter().map(Frame::Body).collect::<Vec<_>>());
    }

    #[test]
    fn only_an_unparsable_header_block_resyncs() {
        let (good, bodies) = stream();
        let bodies: Vec<Frame> = bodies.into_iter().map(Frame::Body).collect();
        for (bad, why) in [
            (
                &b"Content-Length: lots\r\n\r\n{}"[..],
                "invalid Content-Length",
            ),
            (b"Content-Type: x\r\n\r\n{}", "missing Content-Length"),
            (b"{\"stray\": 1}", "unexpected bytes"),
        ] {
            let mut framer = Framer::new();
            framer.push(bad);
            framer.push(&good);
            let got = drain(&mut framer);
            assert!(
                matches!(&got[0], Frame::Garbage(w) if w.contains(why)),
                "{got:?}"
            );
            assert_eq!(got[1..], bodies[..]);
        }
    }

    #[test]
    fn a_too_long_length_waits_and_gives_the_next_message_back() {
        let body = br#"{"jsonrpc":"2.0","method":"$/x"}"#;
        let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len() + 40).into_bytes();
        bytes.extend_from_slice(body);
        let mut framer = Framer::new();
        framer.push(&bytes);
        assert_eq!(framer.next_frame(), None, "waits for the rest");
        let next = message("after");
        framer.push(&next);
        let Some(Frame::Body(swallowed)) = framer.next_frame() else {
            panic!("expected a body")
        };
        assert!(serde_json::from_slice::<serde_json::Value>(&swallowed).is_err());
        framer.unread_from(&swallowed);
        let start = find(&next, b"\r\n\r\n").unwrap() + 4;
        assert_eq!(
            framer.next_frame(),
            Some(Frame::Body(next[start..].to_vec()))
        );
    }

    /// An async reader that yields its chunks with pauses between them.
    struct Slow {
        chunks: Vec<Vec<u8>>,
        sleep: Option<Pin<Box<tokio::time::Sleep>>>,
        pause: Duration,
    }

    impl AsyncRead for Slow {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            if self.chunks.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let chunk = self.chunks.remove(0);
            buf.put_slice(&chunk);
            let pause = self.pause;
            self.sleep = Some(Box::pin(tokio::time::sleep(pause)));
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pauses_inside_a_body_do_not_break_it() {
        let (bytes, bodies) = stream();
        // Cut inside the first body, right after its "Content-Length: 12" text.
        let cut = find(&bytes[20..], b"Content-Length").unwrap() + 20 + 20;
        let mut input = Slow {
            chunks: vec![bytes[..cut].to_vec(), bytes[cut..].to_vec()],
            sleep: None,
            pause: Duration::from_secs(5),
        };
        let mut framer = Framer::new();
        let mut got = Vec::new();
        while let Some(frame) = read_frame(&mut framer, &mut input).await {
            got.push(frame);
        }
        assert_eq!(got, bodies.into_iter().map(Frame::Body).collect::<Vec<_>>());
    }

    /// A body over the bound comes out as its length and head, the rest is
    /// skipped as it arrives (header text inside it included), and the
    /// next message is framed as usual.
    #[test]
    fn an_oversize_body_is_skipped_as_it_arrives() {
        let length = MAX_BODY + 10;
        let mut framer = Framer::new();
        framer.push(format!("Content-Length: {length}\r\n\r\n").as_bytes());
        let chunk = b"Content-Length: 5\r\n\r\nhello".repeat(1 << 15);
        let mut sent = 0;
        let mut frames = Vec::new();
        while sent < length {
            let n = chunk.len().min(length - sent);
            framer.push(&chunk[..n]);
            sent += n;
            while let Some(frame) = framer.next_frame() {
                frames.push(frame);
            }
            assert!(framer.buffered() <= 2 * chunk.len(), "the body is held");
        }
        framer.push(&message("after"));
        frames.extend(std::iter::from_fn(|| framer.next_frame()));
        assert_eq!(
            frames.len(),
            2,
            "{:?}",
            frames
                .iter()
                .map(|f| format!("{f:?}").chars().take(80).collect::<String>())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            frames[0],
            Frame::TooLarge {
                length,
                head: chunk[..HEAD].to_vec()
            }
        );
        let Frame::Body(body) = &frames[1] else {
            panic!("{:?}", frames[1]);
        };
        assert!(String::from_utf8_lossy(body).contains("after"));
    }
}
