import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import { sandbox, waitFor } from './support';

describe('attention: status bar and notifications', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
  });
  after(async () => {
    await vscode.workspace
      .getConfiguration('planet4')
      .update('notifications', undefined, vscode.ConfigurationTarget.Workspace);
    await api.stopSandbox();
  });

  it('counts the sites waiting for approval and failed in the status bar', () => {
    const waiting = api.fleet.all().filter((s) => s.state === 'waiting').length;
    const failed = api.fleet.all().filter((s) => s.state === 'failed').length;
    assert.ok(waiting > 0 && failed > 0);
    assert.strictEqual(api.attention.statusText, `$(debug-pause) ${waiting} $(error) ${failed}`);
  });

  it('notifies once when a site newly needs approval, not for what was already known', async () => {
    await vscode.commands.executeCommand('planet4.refresh');
    const site = sb.roles.visualDiffs[0] ?? '';
    const shown = (): unknown[] => api.attention.shown.filter((n) => n.site === site);
    // a new release of a site with visual differences: CircleCI holds it after visualtests-compare fails
    const { tag } = await vscode.commands.executeCommand<{ tag: string }>('planet4.createReleaseTag', { site });
    await waitFor('the new pipeline', () => api.fleet.get(site)?.pipeline?.tag === tag);
    assert.deepStrictEqual(shown(), [], 'a site already waiting when the window opened, then running, is no news');
    sb.clock.advance(20 * 60_000);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    assert.strictEqual(api.fleet.get(site)?.state, 'waiting');
    assert.deepStrictEqual(shown(), [
      { site, kind: 'waiting', message: `${site}: ${tag} is waiting for approval (visual differences).` },
    ]);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    assert.strictEqual(shown().length, 1, 'the same state is not notified twice');
  });

  it('stays quiet with planet4.notifications off', async () => {
    await vscode.workspace
      .getConfiguration('planet4')
      .update('notifications', false, vscode.ConfigurationTarget.Workspace);
    const site = sb.roles.visualDiffs[1] ?? '';
    const before = api.attention.shown.filter((n) => n.site === site).length;
    const { tag } = await vscode.commands.executeCommand<{ tag: string }>('planet4.createReleaseTag', { site });
    await waitFor('the new pipeline', () => api.fleet.get(site)?.pipeline?.tag === tag);
    sb.clock.advance(20 * 60_000);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    assert.strictEqual(api.fleet.get(site)?.state, 'waiting');
    assert.strictEqual(api.attention.shown.filter((n) => n.site === site).length, before);
  });
});
