//! `cloudping serve`: a small static file server standing in for CloudFront.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, anyhow};

/// Options of `cloudping serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
}

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
        _ => "application/octet-stream",
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

/// Serves `root` until killed.
pub fn run(root: &Path, args: &Args) -> Result<()> {
    let server = tiny_http::Server::http(&args.addr).map_err(|e| {
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
    for req in server.incoming_requests() {
        let file = resolve(root, req.url());
        let result = match file.as_deref().map(std::fs::read) {
            Some(Ok(body)) => {
                let path = file.as_deref().unwrap_or(root);
                let mut resp = tiny_http::Response::from_data(body);
                for (k, v) in [
                    ("Content-Type", content_type(path)),
                    ("Cache-Control", "no-cache"),
                ] {
                    if let Ok(h) = tiny_http::Header::from_bytes(k, v) {
                        resp.add_header(h);
                    }
                }
                req.respond(resp)
            }
            _ => req.respond(tiny_http::Response::from_string("not found").with_status_code(404)),
        };
        if let Err(error) = result {
            eprintln!("serve: answering failed: {error}");
        }
    }
    Err(anyhow!("server stopped")).context("serving")
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
}
