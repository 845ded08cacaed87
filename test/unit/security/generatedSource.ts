// Generated sources for the scan's limits: big enough to keep ESLint busy for seconds.

/** Plausible route handlers, `size` characters of them: slow for ESLint, like a big generated file. */
export function generatedHandlers(size: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = `export function handler${i}(req, res) { const q = "SELECT * FROM t WHERE id = " + req.params.id; return db.query(q).then((rows) => res.json(rows)); }`;
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}
