/**
 * The job panel's HTML, in one place so the Content-Security-Policy stays strict (issue 5,
 * STYLE.md item 10): `default-src 'none'`, scripts only with this load's nonce, styles and fonts
 * only from the extension's dist/ folder, no inline handlers, no remote content.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** A fresh nonce per HTML load, from the OS CSPRNG (never Math.random). */
export const newNonce = (): string => randomBytes(16).toString('base64');

/** Scripts may run; resources load only from dist/ (the bundled webview and its CSS). */
export function panelWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

export function renderPanelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce = newNonce()): string {
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', name)).toString();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('webview.css')}">
<title>Agent Exec Jobs</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}
