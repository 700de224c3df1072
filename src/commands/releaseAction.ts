import * as vscode from 'vscode';
import * as lifecycle from '../core/release/lifecycle';
import type { Services } from '../services';

/**
 * The release commands' lifecycle (`core/release/lifecycle.ts`) in VS Code: its confirmation is a modal warning
 * (skipped when `planet4.confirmActions` is false), its progress a notification, its result an information message.
 */

export type { Mutation, ReleaseAction } from '../core/release/lifecycle';

/** What the lifecycle uses of the shell's services. */
export type ActionServices = Pick<
  Services,
  'guard' | 'log' | 'fleet' | 'poller' | 'confirmActions' | 'github' | 'circleci'
>;

function inVsCode(services: ActionServices): lifecycle.ActionContext {
  return {
    guard: services.guard,
    log: services.log,
    fleet: services.fleet,
    poller: services.poller,
    github: () => services.github(),
    circleci: () => services.circleci(),
    confirm: (question) =>
      services.confirmActions()
        ? confirm(services, question.message, question.detail, ...question.actions)
        : Promise.resolve(question.default ?? question.actions[0]),
    progress: (title, task) =>
      Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, task)),
    announce: (message) => void vscode.window.showInformationMessage(message),
  };
}

/** Runs a release command's declared steps for `site`: guard → read → confirm → send once → log → watch → result. */
export function runReleaseAction<S, T, R>(
  services: ActionServices,
  site: string,
  action: lifecycle.ReleaseAction<S, T, R>,
  /** What differs for an action that is not on a site (planet4-base: it reads and watches the platform instead). */
  overrides: Partial<Pick<lifecycle.ActionContext, 'fleet' | 'poller'>> = {},
): Promise<R | undefined> {
  return lifecycle.runReleaseAction({ ...inVsCode(services), ...overrides }, site, action);
}

/** Sends a change once, logs it, reads the site again and watches it (a batch: its own guard and confirmation). */
export function sendMutation<T>(services: ActionServices, site: string, mutation: lifecycle.Mutation<T>): Promise<T> {
  return lifecycle.sendMutation(inVsCode(services), site, mutation);
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
