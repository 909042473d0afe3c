//! `cloudping serve`: a small static file server standing in for CloudFront.
//!
//! It answers the way the real set-up (S3 objects behind CloudFront) does, so
//! that what works locally works deployed: each kind of file gets the
//! `Cache-Control` the publisher and `scripts/deploy.sh` give its S3 object,
//! text-like files are compressed (brotli or gzip) when the request allows it,
//! every answer carries a strong `ETag` (one per encoding) and `If-None-Match`
//! gets `304 Not Modified`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use anyhow::{Result, anyhow};
use sha2::{Digest, Sha256};

/// Options of `cloudping serve`.
#[derive(Debug, Clone, clap::Args)]
// Its own group id: `demo` flattens this next to `simulate::Args`, and two
// groups named `Args` trip clap's debug assertions.
#[group(id = "serve")]
#[command(
    after_help = "Serving answers like the CloudFront set-up: brotli or gzip compression \
                  when the request accepts it, Cache-Control per kind of file (manifest 60 s, \
                  schemas 1 h, other data files and the site's wasm/JS/CSS a year, HTML \
                  no-cache, the site's other files 1 h), strong ETags (one per encoding) with 304 on If-None-Match, and HEAD."
)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
}

/// `data/<version>/manifest.json`: the only file that changes in place.
const MANIFEST: &str = "public, max-age=60, must-revalidate";
/// `data/<version>/schema/*.schema.json`.
const SCHEMA: &str = "public, max-age=3600";
/// Content-addressed or closed-period files: a name never points at other bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages and directory indexes: always revalidate.
const NO_CACHE: &str = "no-cache";
/// The site's other files at fixed names (the base map, icons): an hour, as
/// `scripts/deploy.sh` uploads them.
const SITE_FILE: &str = "public, max-age=3600";

/// The MIME type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "gz" => "application/gzip",
        "ndjson" => "application/x-ndjson",
        "atom" => "application/atom+xml",
        _ => "application/octet-stream",
    }
}

/// The `Cache-Control` of a file, from its path relative to the site root
/// (`/`-separated), as the real bucket's objects carry it: the manifest a
/// minute, schemas an hour, every other data file and the site's wasm, JS
/// and CSS (content-hashed names) a year, HTML `no-cache`, and the site's
/// other files (fixed names, replaced by a deploy) an hour.
pub fn cache_control(rel_path: &str) -> &'static str {
    let rel = rel_path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        return NO_CACHE; // a directory index
    }
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    let name = parts.last().copied().unwrap_or("");
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let is = |e: &str| ext.eq_ignore_ascii_case(e);
    if is("html") || is("htm") {
        return NO_CACHE;
    }
    if parts.len() > 1 && parts[0] == "data" {
        return match parts.as_slice() {
            ["data", _, "manifest.json" | "changes.json" | "changes.atom"] => MANIFEST,
            ["data", _, "schema", n] if n.ends_with(".schema.json") => SCHEMA,
            _ => IMMUTABLE,
        };
    }
    if is("wasm") || is("js") || is("mjs") || is("css") {
        IMMUTABLE
    } else {
        SITE_FILE
    }
}

/// Whether a file is text-like and worth compressing; already compressed
/// files (`.gz`, images) are sent as they are.
pub fn compressible(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    [
        "html", "htm", "js", "mjs", "css", "json", "csv", "svg", "wasm", "ndjson", "txt", "atom",
    ]
    .iter()
    .any(|e| ext.eq_ignore_ascii_case(e))
}

/// A content coding the server can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Brotli, preferred when accepted.
    Br,
    /// gzip.
    Gzip,
}

impl Encoding {
    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Br => "br",
            Encoding::Gzip => "gzip",
        }
    }

    /// What the ETag of this encoding ends with, as CloudFront marks
    /// the representations it compresses.
    fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Br => "-br",
            Encoding::Gzip => "-gz",
        }
    }

    /// `body` compressed, as hard as the file's life is worth (see [`Lasting`]).
    fn compress(self, body: &[u8], lasting: Lasting) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Br => {
                let mut out = Vec::with_capacity(body.len() / 3 + 64);
                // The best quality costs about 2 s a MB; the result is
                // cached, but a big file would keep its first reader waiting.
                let quality = match lasting {
                    Lasting::No => 5,
                    Lasting::Data => 9,
                    Lasting::Site if body.len() <= 1 << 20 => 11,
                    Lasting::Site => 9,
                };
                let params = brotli::enc::BrotliEncoderParams {
                    quality,
                    lgwin: 22,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut Cursor::new(body), &mut out, &params)?;
                Ok(out)
            }
            Encoding::Gzip => {
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 3 + 64),
                    flate2::Compression::best(),
                );
                enc.write_all(body)?;
                enc.finish()
            }
        }
    }
}

/// How long a file lives, which decides how hard it is worth compressing
/// (once per file version; the result is cached).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lasting {
    /// The page and the manifest: every publish rewrites them, and their
    /// first reader after it should not wait (brotli 5).
    No,
    /// Data files: never change, but a graph may ask for hundreds at once
    /// (brotli 9).
    Data,
    /// The site's wasm, JS and CSS: a few files, fetched by every visitor
    /// (brotli 11).
    Site,
}

impl Lasting {
    /// From the file's place in the bucket, by the same rule as its
    /// [`cache_control`]: what is cached for a year never changes.
    fn of(rel: &str) -> Lasting {
        match cache_control(rel) {
            IMMUTABLE if rel.trim_start_matches('/').starts_with("data/") => Lasting::Data,
            IMMUTABLE => Lasting::Site,
            _ => Lasting::No,
        }
    }
}

/// The coding to answer with for an `Accept-Encoding` header (`None`:
/// identity). Honours q-values (`q=0` refuses), `*` and `identity`; brotli
/// wins a tie with gzip, and a compressed coding wins a tie with identity.
/// No header means no compression.
pub fn negotiate(accept_encoding: Option<&str>) -> Option<Encoding> {
    let header = accept_encoding?;
    let (mut br, mut gzip, mut identity, mut star) = (None, None, None, None);
    for item in header.split(',') {
        let mut fields = item.split(';');
        let coding = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        if coding.is_empty() {
            continue;
        }
        let mut q = Some(1.0_f32);
        for param in fields {
            if let Some((k, v)) = param.split_once('=')
                && k.trim().eq_ignore_ascii_case("q")
            {
                q = v
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q));
            }
        }
        let Some(q) = q else { continue }; // a malformed q-value: ignore the entry
        match coding.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "identity" => identity = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    let (best, q) = if br >= gzip {
        (Encoding::Br, br)
    } else {
        (Encoding::Gzip, gzip)
    };
    // identity is acceptable unless refused, but only chosen over a
    // compressed coding when the client prefers it explicitly.
    match identity {
        Some(iq) if iq > q => None,
        _ if q > 0.0 => Some(best),
        _ => None,
    }
}

/// Whether an `If-None-Match` header matches `etag`: `*`, or a list of
/// entity tags compared weakly (`W/"x"` matches `"x"`).
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| {
        let t = t.trim();
        t.strip_prefix("W/")
            .unwrap_or(t)
            .trim_matches('"')
            .to_owned()
    };
    let ours = opaque(etag);
    if_none_match.split(',').any(|t| {
        let t = t.trim();
        t == "*" || (!t.is_empty() && opaque(t) == ours)
    })
}

/// The strong ETag of a file's bytes (a SHA-256 prefix, as long as S3's MD5 ETags).
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The ETag of a representation: the file's, marked with its encoding.
fn variant_etag(etag: &str, encoding: Option<Encoding>) -> String {
    match encoding {
        None => etag.to_owned(),
        Some(e) => format!("{}{}\"", etag.trim_end_matches('"'), e.etag_suffix()),
    }
}

/// What identifies a version of a file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

#[derive(Debug)]
struct Cached {
    stamp: Stamp,
    etag: String,
    /// The compressed bytes; `None` for identity, which is read from disk each time.
    body: Option<Arc<[u8]>>,
}

/// ETags and compressed bodies by (file, encoding), valid while the file's
/// modification time and size stay the same: a file is hashed and
/// compressed once, not on every request.
#[derive(Debug, Default)]
struct Cache {
    entries: Mutex<HashMap<(PathBuf, Option<Encoding>), Cached>>,
}

impl Cache {
    /// The ETag and body of `path` in `encoding`, from the cache when the
    /// file has not changed. `file` is the open file, whose metadata and
    /// bytes belong together even when the file is replaced meanwhile.
    fn get(
        &self,
        path: &Path,
        mut file: File,
        encoding: Option<Encoding>,
        lasting: Lasting,
    ) -> std::io::Result<(String, Arc<[u8]>)> {
        let meta = file.metadata()?;
        let stamp = Stamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        };
        let key = (path.to_path_buf(), encoding);
        let cached = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries
                .get(&key)
                .filter(|c| c.stamp == stamp)
                .map(|c| (c.etag.clone(), c.body.clone()))
        };
        if let Some((etag, Some(body))) = &cached {
            return Ok((etag.clone(), body.clone()));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        if let Some((etag, None)) = cached {
            return Ok((etag, bytes.into()));
        }
        // Compressed outside the lock: other requests go on meanwhile.
        let etag = variant_etag(&etag_of(&bytes), encoding);
        let body: Arc<[u8]> = match encoding {
            None => bytes.into(),
            Some(e) => e.compress(&bytes, lasting)?.into(),
        };
        let entry = Cached {
            stamp,
            etag: etag.clone(),
            body: encoding.map(|_| body.clone()),
        };
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, entry);
        Ok((etag, body))
    }
}

/// Maps a request path to a file under `root`, refusing anything that escapes it.
pub fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let mut out = root.to_path_buf();
    for c in Path::new(path.trim_start_matches('/')).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    Some(out)
}

/// `file` relative to `root`, `/`-separated, for [`cache_control`].
fn relative(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// What [`answer`] needs of a request.
#[derive(Debug, Clone, Default)]
struct Query {
    /// `GET`, `HEAD` or anything else (refused).
    method: String,
    /// The request target, e.g. `/data/v2/manifest.json?x=1`.
    target: String,
    /// The `Accept-Encoding` header, its values joined.
    accept_encoding: Option<String>,
    /// The `If-None-Match` header, its values joined.
    if_none_match: Option<String>,
}

/// An answer: status, headers and the body. A `HEAD` gets the body of
/// its `GET` (so the length is the same) and the connection sends none.
#[derive(Debug, Clone)]
struct Reply {
    /// The HTTP status.
    status: u16,
    /// Header names and values.
    headers: Vec<(&'static str, String)>,
    /// The bytes to send (empty for a `304`).
    body: Arc<[u8]>,
}

fn plain(status: u16, text: &str, extra: Option<(&'static str, &str)>) -> Reply {
    let headers = [("Content-Type", "text/plain; charset=utf-8")]
        .into_iter()
        .chain(extra)
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: text.as_bytes().into(),
    }
}

/// The answer to one request; blocking (reads, hashes and compresses files).
fn answer(root: &Path, cache: &Cache, q: &Query) -> Reply {
    if q.method != "GET" && q.method != "HEAD" {
        return plain(405, "method not allowed", Some(("Allow", "GET, HEAD")));
    }
    let Some(path) = resolve(root, &q.target) else {
        return plain(404, "not found", None);
    };
    let file = match File::open(&path) {
        Ok(f) if f.metadata().is_ok_and(|m| m.is_file()) => f,
        _ => return plain(404, "not found", None),
    };
    let compress = compressible(&path);
    let encoding = if compress {
        negotiate(q.accept_encoding.as_deref())
    } else {
        None
    };
    let rel = relative(root, &path);
    let (etag, body) = match cache.get(&path, file, encoding, Lasting::of(&rel)) {
        Ok(v) => v,
        Err(error) => {
            eprintln!("serve: reading {} failed: {error}", path.display());
            return plain(500, "cannot read the file", None);
        }
    };
    let not_modified = q
        .if_none_match
        .as_deref()
        .is_some_and(|inm| etag_matches(inm, &etag));
    let mut headers = vec![
        ("Content-Type", content_type(&path).to_owned()),
        ("Cache-Control", cache_control(&rel).to_owned()),
        ("ETag", etag),
    ];
    if compress {
        headers.push(("Vary", "Accept-Encoding".to_owned()));
    }
    if let Some(e) = encoding {
        headers.push(("Content-Encoding", e.token().to_owned()));
    }
    if not_modified {
        Reply {
            status: 304,
            headers,
            body: Arc::from(&[][..]),
        }
    } else {
        Reply {
            status: 200,
            headers,
            body,
        }
    }
}

/// The shared state of the connections: the folder and its cache.
#[derive(Debug)]
struct Site {
    root: PathBuf,
    cache: Cache,
}

impl Site {
    /// Serves `root`, with an empty cache.
    fn new(root: &Path) -> Self {
        Site {
            root: root.to_path_buf(),
            cache: Cache::default(),
        }
    }
}

type Body = http_body_util::Full<hyper::body::Bytes>;

/// Answers one request off the async threads: files are read and
/// compressed on the blocking pool, so a big first brotli never holds up
/// other connections.
async fn handle(
    site: Arc<Site>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Body>, std::convert::Infallible> {
    let joined = |name: hyper::header::HeaderName| {
        let values: Vec<&str> = req
            .headers()
            .get_all(&name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let q = Query {
        method: req.method().as_str().to_owned(),
        target: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned()),
        accept_encoding: joined(hyper::header::ACCEPT_ENCODING),
        if_none_match: joined(hyper::header::IF_NONE_MATCH),
    };
    let reply = tokio::task::spawn_blocking(move || answer(&site.root, &site.cache, &q))
        .await
        .unwrap_or_else(|error| {
            eprintln!("serve: answering failed: {error}");
            plain(500, "the server failed answering", None)
        });
    let mut resp = hyper::Response::new(Body::new(hyper::body::Bytes::from_owner(reply.body)));
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
            resp.headers_mut().insert(name, v);
        }
    }
    Ok(resp)
}

/// Serves `root` until killed: every connection gets its own task, so
/// however many a browser keeps alive, a new one is answered at once.
pub async fn run(root: &Path, args: &Args) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .map_err(|e| {
            anyhow!(
                "cannot listen on {}: {e}; is another server running there? pass --addr 127.0.0.1:PORT",
                args.addr
            )
        })?;
    eprintln!(
        "serve: CloudPing is at http://{}/ (serving {}; Ctrl-C stops)",
        args.addr,
        root.display()
    );
    let site = Arc::new(Site::new(root));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(v) => v,
            Err(error) => {
                // Out of file descriptors, say: wait for some to close.
                eprintln!("serve: accepting a connection failed: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let site = site.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(site.clone(), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            if let Err(error) = conn.await
                && !error.is_incomplete_message()
            {
                eprintln!("serve: a connection failed: {error}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_root() {
        let root = Path::new("/srv/site");
        assert_eq!(
            resolve(root, "/data/v2/manifest.json?x=1"),
            Some(root.join("data/v2/manifest.json"))
        );
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/../../b"), None);
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
    }

    #[test]
    fn cache_control_per_kind_of_file() {
        for (path, want) in [
            ("data/v2/manifest.json", MANIFEST),
            ("data/v2/changes.json", MANIFEST),
            ("data/v2/changes.atom", MANIFEST),
            ("/data/v2/manifest.json", MANIFEST),
            ("data/v3/manifest.json", MANIFEST),
            ("data/v2/schema/manifest.schema.json", SCHEMA),
            ("data/v2/schema/matrix.schema.json", SCHEMA),
            ("data/v2/matrix/7d.3f9a1c0b2e4d5a6f.json", IMMUTABLE),
            ("data/v2/matrix/7d.3f9a1c0b2e4d5a6f.csv", IMMUTABLE),
            ("data/v2/series/1h/us-east-1/2026-11-01.json", IMMUTABLE),
            ("data/v2/raw/2026-11-19.ndjson.gz", IMMUTABLE),
            // a manifest or a schema anywhere else is a data file like another
            ("data/v2/matrix/manifest.json", IMMUTABLE),
            ("data/v2/schema/notes.json", IMMUTABLE),
            ("index.html", NO_CACHE),
            ("", NO_CACHE),
            ("/", NO_CACHE),
            ("docs/", NO_CACHE),
            ("docs/index.html", NO_CACHE),
            ("about.html", NO_CACHE),
            ("frontend-3f9a1c0b2e4d5a6f_bg.wasm", IMMUTABLE),
            ("frontend-3f9a1c0b2e4d5a6f.js", IMMUTABLE),
            ("style-0123456789abcdef.css", IMMUTABLE),
            ("snippets/x-1/inline0.js", IMMUTABLE),
            ("favicon.png", SITE_FILE),
            ("map/land.json", SITE_FILE),
            ("manifest.json", SITE_FILE),
            ("robots.txt", SITE_FILE),
            ("data", SITE_FILE),
        ] {
            assert_eq!(cache_control(path), want, "{path}");
        }
    }

    #[test]
    fn compression_effort_follows_the_cache_rule() {
        assert_eq!(Lasting::of("index.html"), Lasting::No);
        assert_eq!(Lasting::of("data/v2/manifest.json"), Lasting::No);
        assert_eq!(
            Lasting::of("data/v2/matrix/1d.0123abcd.json"),
            Lasting::Data
        );
        assert_eq!(
            Lasting::of("frontend-0123456789abcdef_bg.wasm"),
            Lasting::Site
        );
    }

    #[test]
    fn accept_encoding_is_negotiated() {
        for (header, want) in [
            (None, None),
            (Some(""), None),
            (Some("br"), Some(Encoding::Br)),
            (Some("gzip"), Some(Encoding::Gzip)),
            (Some("gzip, deflate, br, zstd"), Some(Encoding::Br)),
            (Some("br;q=0, gzip"), Some(Encoding::Gzip)),
            (Some("br; q=0.0, gzip; q=0.5"), Some(Encoding::Gzip)),
            (Some("br;q=0.4, gzip;q=0.8"), Some(Encoding::Gzip)),
            (Some("BR;Q=1.0"), Some(Encoding::Br)),
            (Some("identity"), None),
            (Some("deflate"), None),
            (Some("*"), Some(Encoding::Br)),
            (Some("*;q=0"), None),
            (Some("br;q=0, *"), Some(Encoding::Gzip)),
            (Some("gzip;q=0, br;q=0"), None),
            (Some("gzip;q=0.5, identity"), None),
            (Some("gzip, identity;q=0.5"), Some(Encoding::Gzip)),
            (Some("x-gzip"), Some(Encoding::Gzip)),
            (Some("br;q=nonsense, gzip"), Some(Encoding::Gzip)),
        ] {
            assert_eq!(negotiate(header), want, "{header:?}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let etag = "\"0123abcd\"";
        assert!(etag_matches("\"0123abcd\"", etag));
        assert!(etag_matches("W/\"0123abcd\"", etag));
        assert!(etag_matches("\"other\", W/\"0123abcd\"", etag));
        assert!(etag_matches("*", etag));
        assert!(etag_matches(" \"x\" , * ", etag));
        assert!(!etag_matches("\"0123abcd-br\"", etag));
        assert!(!etag_matches("\"other\"", etag));
        assert!(!etag_matches("", etag));
        assert!(etag_matches("\"0123abcd-br\"", "\"0123abcd-br\""));
    }

    #[test]
    fn etags_differ_per_content_and_encoding() {
        let a = etag_of(b"one");
        assert_eq!(a, etag_of(b"one"));
        assert_ne!(a, etag_of(b"two"));
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
        let br = variant_etag(&a, Some(Encoding::Br));
        let gz = variant_etag(&a, Some(Encoding::Gzip));
        assert!(br.ends_with("-br\"") && gz.ends_with("-gz\""));
        assert_ne!(br, gz);
        assert_eq!(variant_etag(&a, None), a);
    }

    #[test]
    fn compression_round_trips_and_skips_compressed_files() {
        let body = b"{\"regions\":[\"us-east-1\",\"eu-west-1\"]}".repeat(50);
        let br = Encoding::Br.compress(&body, Lasting::Site).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut Cursor::new(&br), &mut back).unwrap();
        assert_eq!(back, body);
        let gz = Encoding::Gzip.compress(&body, Lasting::Site).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
        let quick = Encoding::Br.compress(&body, Lasting::No).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut Cursor::new(&quick), &mut back).unwrap();
        assert_eq!(back, body, "the quick quality for the page and manifest");
        assert!(compressible(Path::new("frontend-0123.wasm")));
        assert!(compressible(Path::new("data/v2/raw/x.ndjson")));
        assert!(!compressible(Path::new("data/v2/raw/x.ndjson.gz")));
        assert!(!compressible(Path::new("logo.png")));
    }

    #[test]
    fn cache_reuses_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, "[1,2,3]".repeat(100)).unwrap();
        let cache = Cache::default();
        let open = || File::open(&path).unwrap();
        let (e1, b1) = cache
            .get(&path, open(), Some(Encoding::Gzip), Lasting::Data)
            .unwrap();
        let (e2, b2) = cache
            .get(&path, open(), Some(Encoding::Gzip), Lasting::Data)
            .unwrap();
        assert_eq!(e1, e2);
        assert!(
            Arc::ptr_eq(&b1, &b2),
            "the second request is not recompressed"
        );
        let (plain, body) = cache.get(&path, open(), None, Lasting::Data).unwrap();
        assert_eq!(&*body, "[1,2,3]".repeat(100).as_bytes());
        assert_ne!(plain, e1);
        std::fs::write(&path, "[4,5,6,7]".repeat(100)).unwrap();
        let (e3, _) = cache
            .get(&path, open(), Some(Encoding::Gzip), Lasting::Data)
            .unwrap();
        assert_ne!(e3, e1);
        let (plain2, body) = cache.get(&path, open(), None, Lasting::Data).unwrap();
        assert_ne!(plain2, plain);
        assert_eq!(&*body, "[4,5,6,7]".repeat(100).as_bytes());
    }
}
