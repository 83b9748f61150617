// The name iron looks for its configuration under, apart from the parser, so that finding out
// whether there is a file loads neither the YAML parser nor the schemas.
export const DEFAULT_CONFIG_FILE = "iron.yaml";
