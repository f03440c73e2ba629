// The Python sources the engine evaluates. The engine process cannot read the disk, so the host reads the
// workspace folder of the entry file through vscode.workspace.fs and sends the texts, keyed by POSIX paths
// relative to that folder (which is how imports between workspace files resolve).
import * as vscode from 'vscode';
import type { EngineSettings } from './settings';

const MAX_FILES = 2000;
const MAX_FILE_BYTES = 2_000_000;
const MAX_TOTAL_BYTES = 32_000_000;

export interface WorkspaceSources {
  folder: vscode.Uri;
  /** relative POSIX path -> source text */
  files: Record<string, string>;
  entryFile: string;
  /** files left out (too large, unreadable, over the total cap) */
  skipped: string[];
}

export function relativePath(folder: vscode.Uri, uri: vscode.Uri): string {
  const base = folder.path.endsWith('/') ? folder.path : `${folder.path}/`;
  return uri.path.startsWith(base) ? uri.path.slice(base.length) : uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** The folder a file is evaluated in: its workspace folder, or its own directory outside any. */
export function evaluationFolder(uri: vscode.Uri): vscode.Uri {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? vscode.Uri.joinPath(uri, '..');
}

export async function readWorkspaceSources(entry: vscode.Uri, settings: EngineSettings): Promise<WorkspaceSources> {
  const folder = evaluationFolder(entry);
  const exclude = settings.excludeFiles.length ? `{${settings.excludeFiles.join(',')}}` : null;
  const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.py'), exclude, MAX_FILES);
  if (!found.some((u) => u.toString() === entry.toString())) found.unshift(entry);
  const files: Record<string, string> = {};
  const skipped: string[] = [];
  let total = 0;
  const decoder = new TextDecoder();
  // the entry file first: it must never be the one the total cap leaves out
  for (const uri of [entry, ...found.filter((u) => u.toString() !== entry.toString())]) {
    const rel = relativePath(folder, uri);
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (bytes.byteLength > MAX_FILE_BYTES || total + bytes.byteLength > MAX_TOTAL_BYTES) { skipped.push(rel); continue; }
      total += bytes.byteLength;
      files[rel] = decoder.decode(bytes);
    } catch {
      skipped.push(rel);
    }
  }
  return { folder, files, entryFile: relativePath(folder, entry), skipped };
}
