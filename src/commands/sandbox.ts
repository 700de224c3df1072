import * as path from 'path';
import * as vscode from 'vscode';
import type { Sandbox, SandboxOptions } from '../sandbox';
import type { Services } from '../services';
import { isScriptedArg, registerCommand } from './command';

type SandboxModule = typeof import('../sandbox');

/**
 * "Planet 4: Try the Sandbox": starts the simulated Planet 4 in this extension host (a separate bundle, loaded
 * only now) on a free loopback port and points this window at it with fake tokens — without touching settings.
 */
export class SandboxController implements vscode.Disposable {
  private current: Sandbox | undefined;

  constructor(private readonly services: Services) {}

  get sandbox(): Sandbox | undefined {
    return this.current;
  }

  async start(options: SandboxOptions = {}): Promise<Sandbox> {
    await this.stop();
    const modulePath = path.join(this.services.context.extensionPath, 'dist', 'sandbox.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the sandbox bundle is loaded on demand only
    const mod = require(modulePath) as SandboxModule;
    const sandbox = await mod.startSandbox({ clock: 'realtime', ...options });
    this.current = sandbox;
    this.services.log.info(`Sandbox started at ${sandbox.url} (scenario ${sandbox.scenario})`);
    this.services.credentials.setOverride({
      githubApiUrl: sandbox.githubApiUrl,
      circleciApiUrl: sandbox.circleciApiUrl,
      githubToken: sandbox.tokens.github,
      circleciToken: sandbox.tokens.circleci,
      label: vscode.l10n.t('sandbox ({0})', sandbox.scenario),
    });
    return sandbox;
  }

  async stop(): Promise<void> {
    const s = this.current;
    this.current = undefined;
    if (s) {
      this.services.credentials.setOverride(undefined);
      await s.close();
      this.services.log.info('Sandbox stopped');
    }
  }

  register(): vscode.Disposable[] {
    return [
      registerCommand(this.services, 'planet4.startSandbox', async (arg) => {
        const options: SandboxOptions = isScriptedArg(arg) ? (arg as SandboxOptions) : { platformRelease: 'waiting' };
        const sandbox = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Starting the Planet 4 sandbox…') },
          () => this.start(options),
        );
        await vscode.commands.executeCommand('planet4.pipelines.focus');
        void vscode.window.showInformationMessage(
          vscode.l10n.t(
            'Planet 4 sandbox running ({0}, {1} simulated sites). Nothing here touches the real CircleCI or GitHub.',
            sandbox.scenario,
            sandbox.sites.length,
          ),
        );
        return { url: sandbox.url, scenario: sandbox.scenario };
      }),
      registerCommand(this.services, 'planet4.stopSandbox', async () => {
        await this.stop();
        return { stopped: true };
      }),
    ];
  }

  dispose(): void {
    void this.stop();
  }
}
