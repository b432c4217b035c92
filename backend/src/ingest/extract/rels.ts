import { XmlWalker, attr } from './xml';
import { resolvePart, type Zip } from './zip';

export interface Relationship {
  type: string;
  /** The target part's name in the package, resolved against the source part. */
  part: string;
}

/** The relationships of `part` (from its _rels/NAME.rels) by id, in document order. */
export async function relationships(zip: Zip, part: string): Promise<Map<string, Relationship>> {
  const slash = part.lastIndexOf('/');
  const relsName = `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
  const out = new Map<string, Relationship>();
  const walker = new XmlWalker({
    open(name, tag) {
      const id = attr(tag, 'Id');
      const target = attr(tag, 'Target');
      if (name !== 'Relationship' || !id || !target || attr(tag, 'TargetMode') === 'External') return;
      out.set(id, { type: attr(tag, 'Type') ?? '', part: resolvePart(part, target) });
    },
  });
  walker.write(await zip.readSmall(relsName));
  walker.end();
  return out;
}

/** The first relationship of a type (by the last segment of its type URI). */
export function firstOfType(rels: Map<string, Relationship>, type: string): string | undefined {
  for (const rel of rels.values()) if (rel.type.endsWith(`/${type}`)) return rel.part;
  return undefined;
}
