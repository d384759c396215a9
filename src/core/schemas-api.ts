// TEMPORARY shim type until src/core/schemas.ts lands (lead removes it).
export declare function validatePayload(event: string, action: string | null, payload: unknown): Promise<{ schemaFound: boolean; valid: boolean; violations: { path: string; message: string }[] }>;
