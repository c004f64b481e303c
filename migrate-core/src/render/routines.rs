//! Rendering one family of steps: functions, procedures and triggers.
