//! The CloudPing single-page app's entry point.

fn main() {
    frontend::app::mount();
}
