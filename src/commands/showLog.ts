import type * as vscode from 'vscode';
import type { Services } from '../services';
import { registerCommand } from './command';

/** `planet4.showLog`: the "Planet 4" output channel. */
export function registerShowLog(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.showLog', () => {
      services.log.show();
      return Promise.resolve(undefined);
    }),
  ];
}
