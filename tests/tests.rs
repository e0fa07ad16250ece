//! One integration-test binary (link time matters on two cores).

mod common;

mod suite {
    mod audit_core;
    mod cli;
    mod findings;
    mod incident;
    mod onboard;
    mod records_input;
}
