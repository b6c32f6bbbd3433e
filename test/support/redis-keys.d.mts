export function deleteKeys(
  target: string | Array<{ host: string; port: number }> | null | undefined,
  pattern: string,
): Promise<void>;
