/**
 * Render the Codama (@solana/kit) client for softliq from its Anchor IDL.
 *
 *   npm run generate -w app/client                 # idl/softliq.json -> src/generated/
 *   npm run generate -w app/client -- <idl> <out>  # explicit paths (used to test the toolchain)
 *
 * The IDL is produced by the Rust side (see the repo README); this script only renders.
 * Everything under the output folder is deleted and rewritten: never hand-edit it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { definedTypeNode, programNode, rootNode, type RootNode } from '@codama/nodes';
import { rootNodeFromAnchor, type AnchorIdl } from '@codama/nodes-from-anchor';
import { renderVisitor } from '@codama/renderers-js';
import { visit } from '@codama/visitors-core';

const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_IDL = path.join(clientDir, 'idl', 'softliq.json');
export const DEFAULT_OUT = path.join(clientDir, 'src', 'generated');

/**
 * @codama/renderers-js 1.7.1 does not render `eventNode`s, and nodes-from-anchor removes an
 * event's struct from the defined types. Re-add each event as a defined type whose codec is the
 * event data behind its hidden 8-byte discriminator prefix, so that the generated
 * `get<Event>Decoder()` decodes the bytes of an Anchor `Program data:` log line (after base64)
 * and rejects a wrong discriminator.
 */
export function withEventTypes(root: RootNode): RootNode {
    const program = root.program;
    const events = program.events ?? [];
    const definedTypes = program.definedTypes ?? [];
    const taken = new Set([...definedTypes, ...(program.accounts ?? [])].map(node => node.name));
    const eventTypes = events
        .filter(event => !taken.has(event.name))
        .map(event => definedTypeNode({ name: event.name, type: event.data, ...(event.docs ? { docs: event.docs } : {}) }));
    if (eventTypes.length === 0) return root;
    return rootNode(
        programNode({ ...program, definedTypes: [...definedTypes, ...eventTypes] }),
        root.additionalPrograms,
    );
}

export async function generate(idlPath: string = DEFAULT_IDL, outDir: string = DEFAULT_OUT): Promise<void> {
    const idl = JSON.parse(readFileSync(idlPath, 'utf8')) as AnchorIdl;
    const root = withEventTypes(rootNodeFromAnchor(idl));
    // renderVisitor formats with prettier asynchronously; await it so that errors surface
    // and the process does not exit before the files are written.
    await visit(root, renderVisitor(outDir, { deleteFolderBeforeRendering: true }));
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
    const [idlArg, outArg] = process.argv.slice(2);
    const idlPath = path.resolve(idlArg ?? DEFAULT_IDL);
    const outDir = path.resolve(outArg ?? DEFAULT_OUT);
    const t0 = performance.now();
    await generate(idlPath, outDir);
    console.log(`generated ${path.relative(process.cwd(), outDir) || outDir} from ${idlPath} in ${(performance.now() - t0).toFixed(0)} ms`);
}
