/** The extension's own diagnostics: a LogOutputChannel named "Agent Exec". */
import * as vscode from 'vscode';

export type Logger = vscode.LogOutputChannel;

export const createLogger = (): Logger => vscode.window.createOutputChannel('Agent Exec', { log: true });
