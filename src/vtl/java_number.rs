//! Java number semantics for Velocity: `Double.toString` and Velocity 1.7 integer arithmetic.
