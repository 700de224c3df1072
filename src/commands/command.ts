import * as vscode from 'vscode';
import { ApiError } from '../core/api/errors';
import type { Services } from '../services';

/** How a command was invoked: with an argument object (scripting, keybindings, tests) or from the UI. */
export interface Invocation {
  /** Called with a plain argument object: failures reject with the user-facing message. */
  scripted: boolean;
}

/** A tree node (what the UI passes from the Production Pipelines view) carries `kind` and `id`. */
function isTreeNode(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && 'kind' in arg && 'id' in arg;
}

/** An argument object that is not a tree node: a scripting argument. */
export function isScriptedArg(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && !isTreeNode(arg);
}

/** Run from the UI: the command palette (no argument) or the tree (a node). The failure is shown, not thrown. */
function fromUi(arg: unknown): boolean {
  return arg === undefined || isTreeNode(arg);
}

/**
 * Registers a command whose failures are logged and shown; unless it was run from the UI (palette or tree), the
 * promise also rejects with an Error carrying the same user-facing message — so a script passing `{site}`, or a
 * string or a number by mistake, can tell a refusal from a cancellation. Cancelled (undefined) results resolve.
 */
export function registerCommand<R>(
  services: Pick<Services, 'log'>,
  id: string,
  handler: (arg: unknown, invocation: Invocation, all: unknown[]) => Promise<R>,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg: unknown, ...rest: unknown[]) => {
    const scripted = isScriptedArg(arg);
    try {
      return await handler(arg, { scripted }, [arg, ...rest]);
    } catch (e) {
      const message = userMessage(e);
      services.log.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(message);
      if (!fromUi(arg)) throw new Error(message);
      return undefined;
    }
  });
}

export function userMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
