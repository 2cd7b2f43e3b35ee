//! Compiles the vendored Kubernetes `.proto` files into one descriptor set, which the
//! server reads at run time to decode protobuf request bodies (what kubectl's typed
//! commands send). Uses the same `protoc` the etcd client needs (`$PROTOC` or on `PATH`).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let root = PathBuf::from("proto");
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-env-changed=PROTOC");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("k8s.fds");
    let protoc = std::env::var_os("PROTOC").unwrap_or_else(|| "protoc".into());
    let status = Command::new(&protoc)
        .arg("--include_imports")
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg(format!("--proto_path={}", root.display()))
        .args(files.iter().map(|f| f.strip_prefix(&root).expect("under proto/")))
        .status()
        .unwrap_or_else(|e| panic!("running {protoc:?} (install protobuf-compiler or set PROTOC): {e}"));
    assert!(status.success(), "{protoc:?} failed on the vendored Kubernetes protos");
}

fn collect(dir: &PathBuf, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("proto/ is readable") {
        let path = entry.expect("proto/ entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "proto") {
            files.push(path);
        }
    }
}
