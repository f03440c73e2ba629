// The HTML shell of our webviews: a strict CSP with a fresh nonce per panel, the bundle from out/media and the
// codicons stylesheet. Resources may come only from those two folders.
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

// Copied next to the webview bundles by the build, so the .vsix (which has no node_modules) has them.
const CODICONS = ['out', 'media', 'codicons'];

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out', 'media'), vscode.Uri.joinPath(extensionUri, ...CODICONS)],
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `bundle` names out/media/<bundle>.js and its stylesheet out/media/<bundle>.css. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, title: string): string {
  const nonce = randomBytes(18).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'out', 'media', file)).toString();
  const codicons = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...CODICONS, 'codicon.css')).toString();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${codicons}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" nonce="${nonce}" href="${media(`${bundle}.css`)}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="root" role="main"></div>
<script nonce="${nonce}" src="${media(`${bundle}.js`)}"></script>
</body>
</html>`;
}
