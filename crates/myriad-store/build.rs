//! Compiles the vendored etcd v3 API protos (`proto/`, refreshed by
//! `scripts/vendor-etcd-protos`) into the gRPC client the etcd backend uses. The protos
//! are parsed by `protox`, a compiler written in Rust, so the build needs no system
//! `protoc`; `tonic-prost-build` turns the descriptors into prost messages and tonic
//! client stubs in `OUT_DIR`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(["etcd/api/etcdserverpb/rpc.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_transport(false)
        .bytes(".")
        .compile_fds(descriptors)?;
    Ok(())
}
