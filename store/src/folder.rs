//! A local folder standing in for the S3 bucket.
//!
//! Each object is a file under the root at its key's path. Writes go to a
//! temporary file that is then renamed over the target, so a reader (or the
//! local web server) never sees a half-written file. Cache and type headers
//! are not stored: the local server derives them from the file name.

use std::path::{Path, PathBuf};

use crate::{Bucket, ObjectMeta, Result, StoreError};

/// A bucket in a folder.
#[derive(Debug, Clone)]
pub struct FolderBucket {
    root: PathBuf,
}

impl FolderBucket {
    /// A bucket rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FolderBucket { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        let key = key.trim_start_matches('/');
        if key.is_empty()
            || key
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(StoreError::Corrupt {
                key: key.into(),
                reason: "not a valid object key".into(),
            });
        }
        Ok(self.root.join(key))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn walk(dir: &Path, rel: &str, out: &mut std::collections::BTreeSet<String>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue; // temporary files of writes in progress
        }
        let key = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if entry.file_type().map_err(io(dir))?.is_dir() {
            walk(&entry.path(), &key, out)?;
        } else {
            out.insert(key);
        }
    }
    Ok(())
}

impl Bucket for FolderBucket {
    async fn list(&self, prefix: &str) -> Result<std::collections::BTreeSet<String>> {
        let mut all = std::collections::BTreeSet::new();
        walk(&self.root, "", &mut all)?;
        Ok(all.into_iter().filter(|k| k.starts_with(prefix)).collect())
    }

    async fn put(&self, key: &str, body: &[u8], _meta: &ObjectMeta) -> Result<()> {
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("obj"),
            std::process::id()
        ));
        std::fs::write(&tmp, body).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(key)?;
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> ObjectMeta {
        ObjectMeta {
            content_type: "application/json".into(),
            cache_control: "no-cache".into(),
            content_encoding: None,
        }
    }

    #[tokio::test]
    async fn put_get_and_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let b = FolderBucket::new(dir.path());
        assert_eq!(b.get("data/v2/manifest.json").await.unwrap(), None);
        b.put("data/v2/manifest.json", b"{}", &meta())
            .await
            .unwrap();
        b.put("data/v2/manifest.json", b"{\"a\":1}", &meta())
            .await
            .unwrap();
        assert_eq!(
            b.get("data/v2/manifest.json").await.unwrap().unwrap(),
            b"{\"a\":1}"
        );
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("data/v2"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[tokio::test]
    async fn refuses_keys_that_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let b = FolderBucket::new(dir.path());
        for key in ["../x", "a/../../x", "a//b", ""] {
            assert!(b.put(key, b"x", &meta()).await.is_err(), "{key}");
        }
    }
}
