//! One integration-test binary (link time matters on two cores).

mod common;

mod suite {
    mod audit_core;
    mod cli;
    mod findings;
    mod html;
    mod incident;
    mod records_input;
}
