import type * as vscode from 'vscode';
import type { Services } from '../services';
import { registerApproveJob } from './approveJob';
import { registerCreateReleaseTag } from './createReleaseTag';
import { registerHoldRelease } from './holdRelease';
import { registerRollback } from './rollback';
import { registerStopRelease } from './stopRelease';

/** The commands that change a release: tag, [HOLD], approve, roll back. */
export function registerReleaseCommands(services: Services): vscode.Disposable[] {
  return [
    ...registerCreateReleaseTag(services),
    ...registerHoldRelease(services),
    ...registerApproveJob(services),
    ...registerRollback(services),
    ...registerStopRelease(services),
  ];
}
