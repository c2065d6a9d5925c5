//! Reliability, found by trying it: configs that used to load and then fail (or silently mean
//! something else) are refused at load with exit 2, naming the key, and nothing is written.

use std::path::Path;

use e2e::project;

fn xtask(root: &Path, args: &[&str]) -> u8 {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    xtask::cli::main_with(&args, Some(root), &[])
}

/// Loads the project's config with an extra file holding `yaml`; the error's key.
fn key_of(root: &Path, extra: &Path, yaml: &str) -> (String, String) {
    std::fs::write(extra, yaml).unwrap();
    let e = xtask::config::AppConfig::load(
        root,
        &xtask::config::LoadOptions {
            config_file: Some(extra.to_path_buf()),
            ..Default::default()
        },
    )
    .unwrap_err();
    (e.key, e.message)
}

fn only_config(root: &Path) {
    let entries: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(entries, ["config.yaml"], "nothing written");
}

fn candidate(reg: &str, ar: &str) -> String {
    format!(
        "train:\n  candidates:\n    - nombre: naive\n      model: {{tipo: naive}}\n    - nombre: bad\n      model:\n        tipo: recursive\n        regressor: {reg}\n        autoregressive: {ar}\n        transform: log1p\n        clip_negative: true\n"
    )
}

#[test]
fn invalid_models_search_and_folds_exit_2_naming_the_key_and_write_nothing() {
    let p = project();
    let root = p.path();
    let other = tempfile::tempdir().unwrap();
    let extra = other.path().join("extra.yaml");
    let ridge = "{tipo: ridge, alpha: 1.0}";
    let cases: Vec<(String, &str)> = vec![
        (
            candidate(ridge, "{lags: [0], windows: []}"),
            "train.candidates[1].model.autoregressive.lags",
        ),
        (
            // A regression on the exog alone needs exog.
            format!(
                "{}  exog: none\n",
                candidate(ridge, "{lags: [], windows: []}")
            ),
            "train.candidates[1].model.autoregressive.lags",
        ),
        (
            "train:\n  candidates:\n    - nombre: d\n      model: {tipo: direct, regressor: {tipo: ridge, alpha: 1.0}, autoregressive: {lags: [], windows: []}, transform: none, clip_negative: true, steps: 7}\n".into(),
            "train.candidates[0].model.autoregressive.lags",
        ),
        (
            candidate("{tipo: ridge, alpha: -1.0}", "{lags: [7], windows: []}"),
            "train.candidates[1].model.regressor.alpha",
        ),
        (
            candidate("{tipo: lasso, alpha: -0.01}", "{lags: [7], windows: []}"),
            "train.candidates[1].model.regressor.alpha",
        ),
        (
            candidate(
                "{tipo: elastic_net, alpha: -2, l1_ratio: 0.5}",
                "{lags: [7], windows: []}",
            ),
            "train.candidates[1].model.regressor.alpha",
        ),
        (
            "train:\n  search:\n    regressors: [{tipo: ridge, alpha: 0.1}, {tipo: lasso, alpha: -1}]\n"
                .into(),
            "train.search.regressors[1].alpha",
        ),
        ("train:\n  cv:\n    n_folds: 0\n".into(), "train.cv.n_folds"),
    ];
    for (yaml, key) in &cases {
        let (got, message) = key_of(root, &extra, yaml);
        assert_eq!(&got, key, "{yaml}\n{message}");
        let file = extra.to_string_lossy().to_string();
        assert_eq!(xtask(root, &["run", "--config", &file]), 2, "{yaml}");
        only_config(root);
    }
    assert_eq!(xtask(root, &["run", "--set", "train.cv.n_folds=0"]), 2);
    only_config(root);
}

#[test]
fn duplicate_yaml_keys_exit_2_naming_the_key_path_and_the_file() {
    let p = project();
    let root = p.path();
    let other = tempfile::tempdir().unwrap();
    let extra = other.path().join("extra.yaml");
    // In a --config file: the last value would silently win.
    let (key, message) = key_of(
        root,
        &extra,
        "train:\n  cv:\n    n_folds: 3\n    steps: 30\n    n_folds: 2\n",
    );
    assert_eq!(key, "train.cv.n_folds");
    assert!(message.contains("duplicate key"), "{message}");
    assert!(message.contains("extra.yaml"), "{message}");
    let file = extra.to_string_lossy().to_string();
    assert_eq!(xtask(root, &["run", "--config", &file]), 2);
    only_config(root);
    // In config.yaml itself: a second top-level section.
    let cfg = root.join("config.yaml");
    let original = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{original}\nexplore:\n  sample_rows: 3\n")).unwrap();
    let e = xtask::config::AppConfig::load(root, &Default::default()).unwrap_err();
    assert_eq!(e.key, "explore");
    assert!(e.message.contains("config.yaml"), "{e}");
    assert_eq!(xtask(root, &["run"]), 2);
    only_config(root);
    // Inside a list item.
    let first_item = original.replacen("- {nombre: ", "- {nombre: twice, nombre: ", 1);
    assert_ne!(
        first_item, original,
        "config.yaml lists a flow-style candidate"
    );
    std::fs::write(&cfg, first_item).unwrap();
    let e = xtask::config::AppConfig::load(root, &Default::default()).unwrap_err();
    assert_eq!(e.key, "train.candidates[0].nombre");
    assert_eq!(xtask(root, &["phase", "00"]), 2);
    only_config(root);
}
