import * as vscode from 'vscode';
import { ApiError } from '../core/api/errors';
import type { Services } from '../services';

/** How a command was invoked: with an argument object (scripting, keybindings, tests) or from the UI. */
export interface Invocation {
  /** Called with a plain argument object: failures reject with the user-facing message. */
  scripted: boolean;
}

/** A tree node carries `kind` and `id`; anything else that is an object is a scripting argument. */
export function isScriptedArg(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && !('kind' in arg && 'id' in arg);
}

/**
 * Registers a command whose failures are logged and shown; when it was called with an argument object, the
 * promise also rejects with an Error carrying the same user-facing message. Cancelled (undefined) results resolve.
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
      if (scripted) throw new Error(message);
      return undefined;
    }
  });
}

export function userMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * A modal confirmation naming what will happen; skipped when `planet4.confirmActions` is false.
 * Returns the chosen action label, or undefined when cancelled.
 */
export async function confirm(
  services: Pick<Services, 'confirmActions'>,
  message: string,
  detail: string,
  ...actions: string[]
): Promise<string | undefined> {
  if (!services.confirmActions()) return actions[0];
  return vscode.window.showWarningMessage(message, { modal: true, detail }, ...actions);
}
