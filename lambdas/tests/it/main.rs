//! The Lambda handlers against moto's server, called as the runtime calls them.

mod aggregate;
mod faults;
mod probe;
mod publish;
