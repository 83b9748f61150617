// Azure OpenAI names deployments, not models: /openai/deployments/{deployment}/…. The deployment →
// model map (iron.yaml `azure_deployments:`) says which model's price a deployment's calls pay; an
// unmapped deployment is priced as a model of its own name, with one warning per deployment unless
// that name is itself a priced model (a deployment named gpt-4o-mini).

/** The deployment of an Azure deployment URL, or null for any other URL. */
export function azureDeploymentOf(url: string): string | null {
  // Most URLs are not Azure's: a substring search answers them without running the expression.
  if (!url.includes("/openai/deployments/")) return null;
  const found = /\/openai\/deployments\/([^/?#]+)\//.exec(url);
  if (found === null) return null;
  try {
    return decodeURIComponent(found[1]!);
  } catch {
    return found[1]!;
  }
}

/** Resolves the model to price a call at: the mapped model of its deployment, else the model given. */
export type DeploymentResolver = (model: string | null, url: string) => string | null;

/** A resolver over `map` that calls `warn` once per unmapped deployment whose name is no priced model (`priced`). */
export function deploymentResolver(map: Readonly<Record<string, string>>, warn: (deployment: string, message: string) => void, priced: (model: string) => boolean = () => false): DeploymentResolver {
  const warned = new Set<string>();
  return (model, url) => {
    const deployment = azureDeploymentOf(url);
    if (deployment === null) return model;
    const mapped = map[deployment];
    if (mapped !== undefined) return mapped;
    if (!warned.has(deployment) && !priced(model ?? deployment)) {
      warned.add(deployment);
      warn(
        deployment,
        `Azure deployment ${JSON.stringify(deployment)} is not in azure_deployments: in iron.yaml; its calls are priced as a model named ${JSON.stringify(model ?? deployment)} (unknown_model's price if there is none). Map it: azure_deployments: { ${deployment}: <model id> }`,
      );
    }
    return model;
  };
}
