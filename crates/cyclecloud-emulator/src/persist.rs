//! The state file: the whole emulator state as JSON, replaced atomically after every
//! mutation (write a temporary file in the same directory, fsync, rename), so a crash at any
//! point leaves either the old or the new state, never a torn one.

use std::io::Write;
use std::path::Path;

use crate::state::Emulator;

/// Reads a state file; `Ok(None)` when it does not exist yet.
pub fn load(path: &Path) -> Result<Option<Emulator>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read state file {}: {e}", path.display())),
    };
    let mut emu: Emulator = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "state file {} is not a valid emulator state ({e}); move it away to start fresh",
            path.display()
        )
    })?;
    emu.after_restore();
    Ok(Some(emu))
}

/// Writes the state atomically.
pub fn save(path: &Path, emu: &Emulator) -> Result<(), String> {
    let fail =
        |e: &dyn std::fmt::Display| format!("cannot write state file {}: {e}", path.display());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let bytes = serde_json::to_vec(emu).map_err(|e| fail(&e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    tmp.write_all(&bytes).map_err(|e| fail(&e))?;
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
