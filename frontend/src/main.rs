//! The CloudPing single-page app's entry point.

fn main() {
    yew::Renderer::<frontend::App>::new().render();
}
