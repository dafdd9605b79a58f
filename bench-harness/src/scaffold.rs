//! `gclab new-collector NAME`: a new collector crate, its conformance test and its
//! registration, in one command.
//!
//! Registering a collector by hand is four edits in three files (the workspace's members
//! and dependencies, the harness's dependencies, the registry line); the scaffold makes all
//! of them and starts the crate from the teaching example
//! (`gc-core/examples/minimal_collector.rs`, a complete mark-sweep that passes the kit), so
//! `gclab list` shows the new collector and `cargo test` runs its kit at once. Every edit is
//! computed before anything is written, and an anchor that is not found (an edited file no
//! longer looks as expected) is a one-line error with nothing changed.

use std::fs;
use std::path::{Path, PathBuf};

/// The teaching example the new crate starts from.
const TEMPLATE: &str = include_str!("../../gc-core/examples/minimal_collector.rs");
/// The example's type and collector names, replaced by the new ones.
const TEMPLATE_TYPE: &str = "MinimalMarkSweep";
const TEMPLATE_NAME: &str = "\"minimal\"";
/// Where the example's runnable `main` starts: the crate keeps what is above it.
const TEMPLATE_MAIN: &str = "/// Frees the seed's example";

/// The names one collector goes by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectorNames {
    /// What users type (`gclab run --collectors NAME`).
    pub name: String,
    /// The crate (and its folder): `gc-NAME`.
    pub crate_name: String,
    /// The Rust type: NAME in CamelCase.
    pub type_name: String,
}

impl CollectorNames {
    /// The names for `name`, which must be lowercase ASCII letters, digits and dashes,
    /// starting with a letter.
    pub fn new(name: &str) -> Result<CollectorNames, String> {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.ends_with('-')
            && !name.contains("--");
        if !valid {
            return Err(format!(
                "collector name '{name}' must be lowercase letters, digits and single dashes, starting with a letter"
            ));
        }
        let type_name = name
            .split('-')
            .map(|part| {
                let mut c = part.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        Ok(CollectorNames {
            name: name.to_string(),
            crate_name: format!("gc-{name}"),
            type_name,
        })
    }

    fn lib_name(&self) -> String {
        self.crate_name.replace('-', "_")
    }
}

/// One file the scaffold writes: its path under the workspace root and its whole text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFile {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// The file's new text.
    pub text: String,
    /// Whether the file exists and is being edited (else it is created).
    pub edits: bool,
}

/// Every file the scaffold would write for `names` in the workspace at `root`, or a
/// one-line error saying why it cannot (nothing is written either way).
pub fn plan(root: &Path, names: &CollectorNames) -> Result<Vec<PlannedFile>, String> {
    let read = |rel: &str| {
        fs::read_to_string(root.join(rel)).map_err(|e| {
            format!(
                "{}: {e} (run new-collector from the gclab workspace root, or give --root)",
                root.join(rel).display()
            )
        })
    };
    let crate_dir = PathBuf::from(&names.crate_name);
    if root.join(&crate_dir).exists() {
        return Err(format!(
            "{} already exists: choose another name or remove it",
            root.join(&crate_dir).display()
        ));
    }
    let registry = read("bench-harness/src/registry.rs")?;
    let workspace = read("Cargo.toml")?;
    let harness = read("bench-harness/Cargo.toml")?;
    let crate_name = &names.crate_name;
    let workspace = insert_after(
        &workspace,
        "members = [",
        &format!("\"{crate_name}\", "),
        "Cargo.toml",
    )?;
    let workspace = insert_after(
        &workspace,
        "[workspace.dependencies]\n",
        &format!("{crate_name} = {{ path = \"{crate_name}\" }}\n"),
        "Cargo.toml",
    )?;
    let harness = insert_after(
        &harness,
        "gc-core.workspace = true\n",
        &format!("{crate_name}.workspace = true\n"),
        "bench-harness/Cargo.toml",
    )?;
    let registry = insert_before(
        &registry,
        "    reg\n}",
        &format!(
            "    reg.add::<{}::{}>();\n",
            names.lib_name(),
            names.type_name
        ),
        "bench-harness/src/registry.rs",
    )?;
    Ok(vec![
        created(crate_dir.join("Cargo.toml"), cargo_toml(names)),
        created(crate_dir.join("src/lib.rs"), lib_rs(names)?),
        created(
            crate_dir.join("tests/conformance.rs"),
            conformance_rs(names),
        ),
        edited("Cargo.toml", workspace),
        edited("bench-harness/Cargo.toml", harness),
        edited("bench-harness/src/registry.rs", registry),
    ])
}

/// Writes what [`plan`] planned; returns the paths written.
pub fn write(root: &Path, files: &[PlannedFile]) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for file in files {
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        fs::write(&path, &file.text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(file.path.clone());
    }
    Ok(written)
}

fn created(path: PathBuf, text: String) -> PlannedFile {
    PlannedFile {
        path,
        text,
        edits: false,
    }
}

fn edited(path: &str, text: String) -> PlannedFile {
    PlannedFile {
        path: PathBuf::from(path),
        text,
        edits: true,
    }
}

fn insert_after(text: &str, anchor: &str, insert: &str, file: &str) -> Result<String, String> {
    let at = text.find(anchor).ok_or_else(|| {
        format!(
            "{file}: cannot find '{}' to register the collector",
            anchor.trim()
        )
    })?;
    let at = at + anchor.len();
    Ok(format!("{}{insert}{}", &text[..at], &text[at..]))
}

fn insert_before(text: &str, anchor: &str, insert: &str, file: &str) -> Result<String, String> {
    let at = text.rfind(anchor).ok_or_else(|| {
        format!(
            "{file}: cannot find '{}' to register the collector",
            anchor.trim()
        )
    })?;
    Ok(format!("{}{insert}{}", &text[..at], &text[at..]))
}

fn cargo_toml(names: &CollectorNames) -> String {
    format!(
        r#"[package]
name = "{crate_name}"
version.workspace = true
edition.workspace = true
license.workspace = true
description = "The {name} collector for gclab"

[dependencies]
gc-core.workspace = true

[dev-dependencies]
gc-core = {{ workspace = true, features = ["conformance"] }}

[lints]
workspace = true
"#,
        crate_name = names.crate_name,
        name = names.name
    )
}

/// The teaching example, renamed, without its `main`, under a crate doc to rewrite.
fn lib_rs(names: &CollectorNames) -> Result<String, String> {
    let body_start = TEMPLATE
        .find("\nuse ")
        .ok_or("the collector template has no imports")?;
    let main_start = TEMPLATE
        .find(TEMPLATE_MAIN)
        .ok_or("the collector template has no main to cut")?;
    let body = TEMPLATE[body_start..main_start]
        .replace(TEMPLATE_TYPE, &names.type_name)
        .replace(TEMPLATE_NAME, &format!("\"{}\"", names.name));
    Ok(format!(
        "//! {crate_name}: the `{name}` collector for gclab.\n\
         //!\n\
         //! Started from gclab's teaching example, a complete depth-first mark-sweep: say here, in a\n\
         //! paragraph, what this collector's idea is. The contract it keeps is the numbered rules\n\
         //! in `gc_core::Collector`'s documentation; `tests/conformance.rs` runs the kit.\n\
         #![forbid(unsafe_code)]\n{}",
        body.trim_end(),
        crate_name = names.crate_name,
        name = names.name
    ) + "\n")
}

fn conformance_rs(names: &CollectorNames) -> String {
    format!(
        "//! The whole collector contract, checked by gc-core's conformance kit.\n\n\
         gc_core::conformance_tests!({}::{}::default);\n",
        names.lib_name(),
        names.type_name
    )
}

/// The workspace root: the nearest ancestor of `start` whose Cargo.toml declares a
/// workspace holding `bench-harness`.
pub fn find_root(start: &Path) -> Result<PathBuf, String> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if let Ok(text) = fs::read_to_string(d.join("Cargo.toml")) {
            if text.contains("[workspace]") && d.join("bench-harness").is_dir() {
                return Ok(d.to_path_buf());
            }
        }
        dir = d.parent();
    }
    Err(format!(
        "no gclab workspace above {}: run new-collector inside the gclab checkout, or give --root",
        start.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_house_style() {
        let n = CollectorNames::new("rc-bacon").unwrap();
        assert_eq!(n.crate_name, "gc-rc-bacon");
        assert_eq!(n.type_name, "RcBacon");
        assert_eq!(n.lib_name(), "gc_rc_bacon");
        for bad in ["", "Rc", "9gc", "a--b", "a-", "a_b", "a b"] {
            assert!(CollectorNames::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn the_crate_is_the_example_renamed_without_its_main() {
        let n = CollectorNames::new("my-gc").unwrap();
        let lib = lib_rs(&n).unwrap();
        assert!(lib.starts_with("//! gc-my-gc: the `my-gc` collector"));
        assert!(lib.contains("#![forbid(unsafe_code)]"));
        assert!(lib.contains("impl Collector for MyGc {"));
        assert!(lib.contains("\"my-gc\""));
        assert!(!lib.contains(TEMPLATE_TYPE) && !lib.contains(TEMPLATE_NAME));
        assert!(!lib.contains("fn main"));
        assert!(
            conformance_rs(&n).contains("gc_core::conformance_tests!(gc_my_gc::MyGc::default);")
        );
    }

    /// The edits are planned against this checkout's own files, so a change to them that
    /// moves an anchor fails here, not in a user's hands.
    #[test]
    fn registration_edits_the_real_files() {
        let root = std::env::temp_dir().join(format!("gclab-scaffold-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("bench-harness/src")).unwrap();
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for f in [
            "Cargo.toml",
            "bench-harness/Cargo.toml",
            "bench-harness/src/registry.rs",
        ] {
            fs::copy(real.join(f), root.join(f)).unwrap();
        }
        let n = CollectorNames::new("my-gc").unwrap();
        let files = plan(&root, &n).unwrap();
        let written = write(&root, &files).unwrap();
        assert_eq!(written.len(), 6);
        let text = |f: &str| fs::read_to_string(root.join(f)).unwrap();
        assert!(text("Cargo.toml").contains("members = [\"gc-my-gc\", "));
        assert!(text("Cargo.toml").contains("gc-my-gc = { path = \"gc-my-gc\" }\n"));
        assert!(text("bench-harness/Cargo.toml").contains("\ngc-my-gc.workspace = true\n"));
        let registry = text("bench-harness/src/registry.rs");
        let add = registry.find("reg.add::<gc_my_gc::MyGc>();").unwrap();
        assert!(
            add > registry
                .find("reg.add_configured::<gc_tracing::MarkSweepIncr>();")
                .unwrap()
        );
        assert!(text("gc-my-gc/src/lib.rs").contains("pub struct MyGc"));
        // A second scaffold of the same name is refused, and writes nothing.
        let err = plan(&root, &n).unwrap_err();
        assert!(err.contains("already exists"), "{err}");
        fs::remove_dir_all(&root).unwrap();
    }
}
