//! nrkit
