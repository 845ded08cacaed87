/** The environment variable holding the bearer token of the MCP server over HTTP. */
export const MCP_TOKEN_ENV = 'AGENT_ORCHESTRATOR_MCP_TOKEN';
