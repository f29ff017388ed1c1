// Model families, as every wing sees them. Pure.

/** Haiku by substring, case-insensitive; ids change every release, so never by exact id. */
export function isHaikuModel(model: string | undefined): boolean {
  if (!model) return false;
  const m = model.toLowerCase();
  return m.includes('haiku') && !m.includes('sonnet') && !m.includes('opus');
}
