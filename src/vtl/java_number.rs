//! Placeholder until the shared Java-compatibility helpers are merged.
