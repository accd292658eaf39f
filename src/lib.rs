//! hartlab: composes the machine and runs it.
