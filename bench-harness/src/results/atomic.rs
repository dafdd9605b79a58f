//! Atomic file writes: a reader sees the old file or the whole new one, never half of it.

use std::io;
use std::path::{Path, PathBuf};

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes `bytes` to `path` by writing `path.tmp` and renaming it over `path`.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    atomic_write_with(path, |tmp| std::fs::write(tmp, bytes))
}

/// Lets `write` produce the file at a temporary path of the same directory, then renames it
/// into place. The temporary path keeps the final extension's meaning by ending in `.tmp`
/// after it, except for writers that need the extension last, which get `path.tmp.ext`.
pub fn atomic_write_with(
    path: &Path,
    write: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = match path.extension() {
        // Image encoders choose the format from the extension, so keep it last.
        Some(ext) if ext == "png" => path.with_extension("tmp.png"),
        _ => temp_path(path),
    };
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("gclab-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.csv");
        atomic_write(&path, b"one").unwrap();
        atomic_write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(!dir.join("a.csv.tmp").exists());
        let failed = atomic_write_with(&path, |_| Err(io::Error::other("disk full")));
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"two",
            "a failed write keeps the old file"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
