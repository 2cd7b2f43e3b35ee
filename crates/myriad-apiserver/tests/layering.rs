//! The crate reads bottom-up: no two top-level modules depend on each other, directly
//! or around a cycle (requests flow server → filters → endpoints → registry → cache →
//! storage; see the crate documentation).

#[test]
fn no_module_cycles() -> std::io::Result<()> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let cycles = myriad_testkit::layering::module_cycles(&src)?;
    assert!(cycles.is_empty(), "modules that depend on each other: {cycles:?}");
    Ok(())
}
