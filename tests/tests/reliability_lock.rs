//! Reliability, found by trying it: one run at a time per project. A second `run`, `phase` or
//! `verify` in a root whose lock (`outputs/.run.lock`) is held fails at once with exit 3,
//! naming the lock file and its holder, and writes nothing.

use std::io::Write as _;
use std::path::Path;

use e2e::project;

fn xtask(root: &Path, args: &[&str]) -> u8 {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    xtask::cli::main_with(&args, Some(root), &[])
}

/// Every path under `dir`, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            out.push(store::relative(dir, &p));
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
#[allow(clippy::incompatible_msrv)] // File::try_lock: Rust 1.89
fn a_second_run_in_a_locked_root_fails_at_once_and_writes_nothing() {
    let p = project();
    let root = p.path();
    std::fs::create_dir_all(root.join("outputs")).unwrap();
    let lock_path = root.join("outputs/.run.lock");
    // The test holds the lock as another run would (an OS lock on the file).
    let mut held = std::fs::File::create(&lock_path).unwrap();
    held.try_lock().unwrap();
    write!(held, "pid 4242, run feedbeef, command `run`").unwrap();
    let before = tree(root);
    assert_eq!(before, ["config.yaml", "outputs", "outputs/.run.lock"]);
    for args in [&["run"][..], &["phase", "00"], &["verify", "latest"]] {
        assert_eq!(xtask(root, args), xtask::cli::EXIT_LOCKED, "{args:?}");
        assert_eq!(tree(root), before, "{args:?} wrote nothing");
    }
    assert_eq!(xtask::cli::EXIT_LOCKED, 3);
    // The refusal names the lock file and the holder.
    let err =
        store::lock::RunLock::acquire(root, Path::new("outputs"), "cafe0001", "run").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("outputs/.run.lock"), "{text}");
    assert!(
        text.contains("pid 4242") && text.contains("feedbeef"),
        "{text}"
    );
    // Released: the next run goes ahead, and records itself in the lock file.
    drop(held);
    assert_eq!(xtask(root, &["phase", "00"]), 0);
    let holder = std::fs::read_to_string(&lock_path).unwrap();
    assert!(
        holder.contains(&format!("pid {}", std::process::id())),
        "{holder}"
    );
    assert!(holder.contains("phase 00"), "{holder}");
}

#[test]
fn the_lock_is_released_when_its_holder_ends_even_by_panic() {
    let p = project();
    let root = p.path().to_path_buf();
    let lock =
        store::lock::RunLock::acquire(&root, Path::new("outputs"), "aaaa0001", "run").unwrap();
    assert!(lock.path().ends_with("outputs/.run.lock"));
    let second = store::lock::RunLock::acquire(&root, Path::new("outputs"), "bbbb0002", "run");
    assert!(matches!(second, Err(store::lock::LockError::Held { .. })));
    drop(lock);
    let r = root.clone();
    let joined = std::thread::spawn(move || {
        let _lock =
            store::lock::RunLock::acquire(&r, Path::new("outputs"), "cccc0003", "run").unwrap();
        panic!("the holder dies");
    })
    .join();
    assert!(joined.is_err());
    // Free again. A process forked meanwhile by the other test of this binary (its run
    // starts subprocesses) shares the open lock file until its exec closes it, so the lock
    // may stay held for a moment after the panic: retried for up to a second.
    let mut again = Err(None);
    for _ in 0..50 {
        match store::lock::RunLock::acquire(&root, Path::new("outputs"), "dddd0004", "run") {
            Ok(l) => {
                again = Ok(l);
                break;
            }
            Err(e) => again = Err(Some(e)),
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    again.expect("free again after the panic");
}
