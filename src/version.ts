// The package version, shown by `iron --version` and sent to shims in `welcome`.
export const VERSION = "0.1.0";
