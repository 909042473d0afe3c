//! Integration tests of the probe: the measurement engine on an emulated WAN.

mod wan;
